"""Staff side of rewards: the cancel form, reward image upload served to the app, read-only vouchers."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from piccolo.apps.user.tables import BaseUser

from loyalty.schema import AuditLog, Reward, Voucher
from tests.support.ledger import assert_ledger_ok
from tests.support.rewards import api_member, balance, make_reward

# A 1×1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


async def _signed_in_staff(client: httpx.AsyncClient) -> dict[str, str]:
    await BaseUser.create_user(username="mai", password="a-long-Passw0rd", active=True, admin=True, superuser=True)
    await client.get("/admin/")
    csrf = client.cookies.get("csrftoken") or ""
    login = await client.post(
        "/admin/public/login/",
        json={"username": "mai", "password": "a-long-Passw0rd"},
        headers={"X-CSRFToken": csrf},
    )
    assert login.status_code == 200, login.text
    return {"X-CSRFToken": client.cookies.get("csrftoken") or csrf}


async def _voucher(client: httpx.AsyncClient, points_cost: int = 40) -> tuple[str, int]:
    reward = await make_reward(points_cost=points_cost, stock_left=3)
    headers, member_id = await api_member(client, "0905000001", points=100)
    response = await client.post("/api/v1/me/redemptions", headers=headers, json={"reward_id": reward.id})
    assert response.status_code == 201
    return str(response.json()["voucher"]["code"]), member_id


async def test_staff_cancel_form_returns_the_points_and_is_audited(client: httpx.AsyncClient) -> None:
    code, member_id = await _voucher(client)
    staff = await _signed_in_staff(client)
    form = "/admin/api/forms/cancel-a-voucher/"
    done = await client.post(form, headers=staff, json={"code": code, "reason": "wrong size"})
    assert done.status_code == 200, done.text
    assert await balance(member_id) == 100
    audit = await AuditLog.objects().where(AuditLog.action == "voucher.cancel").first()
    assert audit is not None and audit.staff_username == "mai" and audit.target_id
    again = await client.post(form, headers=staff, json={"code": code, "reason": "wrong size"})
    assert again.status_code == 422 and "cancelled" in again.json()["custom_form_error"]
    no_reason = await client.post(form, headers=staff, json={"code": code, "reason": ""})
    assert no_reason.status_code == 422
    await assert_ledger_ok()


async def test_staff_change_a_rewards_stock_relative_to_what_the_tills_took_meanwhile(
    client: httpx.AsyncClient,
) -> None:
    code, _ = await _voucher(client)  # one unit of 3 taken: 2 left
    reward_id = int((await Voucher.select(Voucher.reward).where(Voucher.code == code).first() or {})["reward"])
    staff = await _signed_in_staff(client)
    form = "/admin/api/forms/change-reward-stock/"
    added = await client.post(form, headers=staff, json={"reward_id": reward_id, "units": 40, "reason": "new delivery"})
    assert added.status_code == 200, added.text
    assert await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first() == {"stock_left": 42}
    too_many = await client.post(form, headers=staff, json={"reward_id": reward_id, "units": -43, "reason": "broken"})
    assert too_many.status_code == 422 and "42 units" in too_many.json()["custom_form_error"]
    withdrawn = await client.post(form, headers=staff, json={"reward_id": reward_id, "units": -2, "reason": "broken"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first() == {"stock_left": 40}
    audit = (
        await AuditLog.select(AuditLog.detail).where(AuditLog.action == "reward.stock_changed").output(load_json=True)
    )
    assert sorted((row["detail"]["units"], row["detail"]["stock_left"]) for row in audit) == [(-2, 40), (40, 42)]

    unlimited = await make_reward(points_cost=10, stock_left=None)
    refused = await client.post(form, headers=staff, json={"reward_id": unlimited.id, "units": 5, "reason": "more"})
    assert refused.status_code == 422 and "no stock limit" in refused.json()["custom_form_error"]
    zero = await client.post(form, headers=staff, json={"reward_id": reward_id, "units": 0, "reason": "none"})
    assert zero.status_code == 422
    assert await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first() == {"stock_left": 40}


async def test_vouchers_cannot_be_edited_in_the_grid(client: httpx.AsyncClient) -> None:
    code, _ = await _voucher(client)
    staff = await _signed_in_staff(client)
    voucher = await Voucher.objects().where(Voucher.code == code).first()
    assert voucher is not None
    patched = await client.patch(f"/admin/api/tables/voucher/{voucher.id}/", headers=staff, json={"status": "redeemed"})
    assert patched.status_code in (400, 405), patched.text  # refused by the read-only validators
    listed = await client.get("/admin/api/tables/voucher/", headers=staff, params={"code": code})
    assert listed.status_code == 200 and [r["code"] for r in listed.json()["rows"]] == [code]
    again = await Voucher.objects().where(Voucher.code == code).first()
    assert again is not None and again.status == "issued"


async def test_reward_image_uploaded_in_the_admin_is_served_to_the_app(client: httpx.AsyncClient) -> None:
    reward = await make_reward()
    staff = await _signed_in_staff(client)
    upload = await client.post(
        "/admin/api/media/",
        headers=staff,
        data={"table_name": "reward", "column_name": "image"},
        files={"file": ("coffee.png", PNG, "image/png")},
    )
    assert upload.status_code == 200, upload.text
    key = upload.json()["file_key"]
    saved = await client.patch(f"/admin/api/tables/reward/{reward.id}/", headers=staff, json={"image": key})
    assert saved.status_code == 200, saved.text
    headers, _ = await api_member(client, "0905000002")
    items: list[dict[str, Any]] = (await client.get("/api/v1/rewards", headers=headers)).json()["items"]
    url = items[0]["image_url"]
    assert url.startswith("http://testserver/media/rewards/")
    image = await client.get(url)
    assert image.status_code == 200 and image.content == PNG
    stored = await Reward.select(Reward.image).where(Reward.id == reward.id).first()
    assert stored is not None and stored["image"] == key


async def test_vouchers_can_be_found_by_the_members_phone(client: httpx.AsyncClient) -> None:
    code, member_id = await _voucher(client)
    staff = await _signed_in_staff(client)
    # The member filter's search box looks members up by their readable (the phone)…
    found = await client.get("/admin/api/tables/member/ids/", headers=staff, params={"search": "905000001"})
    assert found.status_code == 200, found.text
    assert found.json() == {str(member_id): "+84905000001"} or found.json() == {member_id: "+84905000001"}
    # …and the voucher grid filters on the chosen member.
    listed = await client.get("/admin/api/tables/voucher/", headers=staff, params={"member": member_id})
    assert [r["code"] for r in listed.json()["rows"]] == [code]
