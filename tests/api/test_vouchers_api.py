"""The member's vouchers and their QR, and a till redeeming a voucher exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from loyalty import rewards
from loyalty.events import EventKind
from loyalty.members import stores
from loyalty.schema import DomainEvent, Voucher
from tests.support.ledger import assert_ledger_ok
from tests.support.rewards import api_member, make_reward


async def _voucher(client: httpx.AsyncClient, headers: dict[str, str], reward_id: int) -> str:
    response = await client.post("/api/v1/me/redemptions", headers=headers, json={"reward_id": reward_id})
    assert response.status_code == 201, response.text
    return str(response.json()["voucher"]["code"])


async def _till_redeem(client: httpx.AsyncClient, till_headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post("/api/v1/pos/vouchers/redeem", headers=till_headers, json=body)


async def test_member_lists_its_vouchers_newest_first_with_a_cursor(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=10)
    headers, _ = await api_member(client, "0903000001", points=100)
    codes = [await _voucher(client, headers, reward.id) for _ in range(3)]
    other_headers, _ = await api_member(client, "0903000002", points=100)
    await _voucher(client, other_headers, reward.id)
    first = (await client.get("/api/v1/me/vouchers", headers=headers, params={"limit": 2})).json()
    assert [v["code"] for v in first["items"]] == codes[::-1][:2]
    item = first["items"][0]
    assert item["name"] == "Cà phê sữa đá" and item["status"] == "issued" and item["redeemed_at"] is None
    assert item["reward_id"] == reward.id
    rest = (await client.get("/api/v1/me/vouchers", headers=headers, params={"cursor": first["next_cursor"]})).json()
    assert [v["code"] for v in rest["items"]] == [codes[0]] and rest["next_cursor"] is None


async def test_voucher_qr_is_an_svg_for_its_owner_and_404_for_anyone_else(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=10)
    headers, _ = await api_member(client, "0903000003", points=100)
    code = await _voucher(client, headers, reward.id)
    qr = await client.get(f"/api/v1/me/vouchers/{code}/qr.svg", headers=headers)
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<?xml") and "<svg" in qr.text
    other_headers, _ = await api_member(client, "0903000004")
    stolen = await client.get(f"/api/v1/me/vouchers/{code}/qr.svg", headers=other_headers)
    assert stolen.status_code == 404 and stolen.json()["code"] == "not_found"
    mine = (await client.get("/api/v1/me/vouchers", headers=other_headers)).json()
    assert mine["items"] == []
    assert (await client.get("/api/v1/me/vouchers/NOPE234567/qr.svg", headers=headers)).status_code == 404


async def test_till_redeems_once_records_the_receipt_and_tells_the_member(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    reward = await make_reward(points_cost=10)
    headers, member_id = await api_member(client, "0903000005", points=100)
    await client.patch("/api/v1/me", headers=headers, json={"name": "Chị Hoa"})
    code = await _voucher(client, headers, reward.id)
    done = await _till_redeem(client, till["headers"], code=code.lower(), receipt_no="HD-0001")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["voucher"] == {"code": code, "name": "Cà phê sữa đá", "status": "redeemed"}
    assert body["member"]["name"] == "Chị Hoa" and body["member"]["id"].startswith("TT")
    again = await _till_redeem(client, till["headers"], code=code)
    assert again.status_code == 409 and again.json()["code"] == "voucher_redeemed"
    stored = await Voucher.objects().where(Voucher.code == code).first()
    assert stored is not None and stored.status == "redeemed" and stored.receipt_no == "HD-0001"
    assert stored.redeemed_store == till["store_id"] and stored.redeemed_terminal == till["terminal_id"]
    events = await DomainEvent.count().where(
        (DomainEvent.kind == EventKind.VOUCHER_REDEEMED.value) & (DomainEvent.member == member_id)
    )
    assert events == 1
    listed = (await client.get("/api/v1/me/vouchers", headers=headers)).json()["items"][0]
    assert listed["status"] == "redeemed" and listed["redeemed_at"] is not None


async def test_expired_voucher_is_410_and_the_job_marks_it(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    reward = await make_reward(points_cost=10)
    headers, _ = await api_member(client, "0903000006", points=100)
    code = await _voucher(client, headers, reward.id)
    await Voucher.update({Voucher.valid_until: datetime.now(UTC) - timedelta(minutes=1)}).where(Voucher.code == code)
    listed = (await client.get("/api/v1/me/vouchers", headers=headers)).json()["items"][0]
    assert listed["status"] == "expired"  # shown expired before the job runs
    response = await _till_redeem(client, till["headers"], code=code)
    assert response.status_code == 410 and response.json()["code"] == "voucher_expired"
    assert await rewards.expire_vouchers(datetime.now(UTC)) == 1
    assert await rewards.expire_vouchers(datetime.now(UTC)) == 0
    stored = await Voucher.objects().where(Voucher.code == code).first()
    assert stored is not None and stored.status == "expired"
    assert (await _till_redeem(client, till["headers"], code=code)).status_code == 410


async def test_voucher_restricted_to_another_store_is_403(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    other = await stores.create_store("Q3", "Quận 3")
    reward = await make_reward(points_cost=10, store=other.id)
    headers, _ = await api_member(client, "0903000007", points=100)
    code = await _voucher(client, headers, reward.id)
    response = await _till_redeem(client, till["headers"], code=code)
    assert response.status_code == 403 and response.json()["code"] == "voucher_other_store"
    q3 = await stores.create_terminal("Q3", "Till Q3")
    ok = await _till_redeem(client, {"Authorization": f"Bearer {q3.key}"}, code=code)
    assert ok.status_code == 200


async def test_unknown_code_is_404_and_bad_bodies_are_422(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    assert (await _till_redeem(client, till["headers"], code="ABCDEFGHJK")).status_code == 404
    for body in ({}, {"code": ""}, {"code": "X" * 41}, {"code": "ABCDEFGHJK", "receipt_no": ""}):
        response = await client.post("/api/v1/pos/vouchers/redeem", headers=till["headers"], json=body)
        assert response.status_code == 422, body


async def test_a_member_token_cannot_redeem_at_the_till(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=10)
    headers, _ = await api_member(client, "0903000008", points=100)
    code = await _voucher(client, headers, reward.id)
    response = await client.post("/api/v1/pos/vouchers/redeem", headers=headers, json={"code": code})
    assert response.status_code == 403
    stored = await Voucher.objects().where(Voucher.code == code).first()
    assert stored is not None and stored.status == "issued"


async def test_twenty_tills_scanning_one_voucher_redeem_it_once(client: httpx.AsyncClient) -> None:
    await stores.create_store("Q1", "Quận 1")
    tills = [await stores.create_terminal("Q1", f"Till {i}") for i in range(20)]
    reward = await make_reward(points_cost=10)
    headers, _ = await api_member(client, "0903000009", points=100)
    code = await _voucher(client, headers, reward.id)
    answers = await asyncio.gather(
        *(_till_redeem(client, {"Authorization": f"Bearer {t.key}"}, code=code) for t in tills)
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 19, codes
    assert await DomainEvent.count().where(DomainEvent.kind == EventKind.VOUCHER_REDEEMED.value) == 1
    await assert_ledger_ok()


async def test_staff_cancel_gives_the_points_back_and_restores_stock(client: httpx.AsyncClient) -> None:
    from loyalty.audit import StaffActor
    from loyalty.schema import AuditLog, Reward
    from tests.support.rewards import balance

    reward = await make_reward(points_cost=40, stock_left=2)
    headers, member_id = await api_member(client, "0903000010", points=100)
    code = await _voucher(client, headers, reward.id)
    assert await balance(member_id) == 60
    cancelled = await rewards.cancel(code, reason="customer changed mind", actor=StaffActor(None, "lan"))
    assert cancelled.status == "cancelled" and cancelled.cancelled_reason == "customer changed mind"
    assert await balance(member_id) == 100
    stock = await Reward.select(Reward.stock_left).where(Reward.id == reward.id).first()
    assert stock is not None and stock["stock_left"] == 2
    audit = await AuditLog.objects().where(AuditLog.action == "voucher.cancel").first()
    assert audit is not None and audit.staff_username == "lan"
    assert await DomainEvent.count().where(DomainEvent.kind == EventKind.VOUCHER_CANCELLED.value) == 1
    try:
        await rewards.cancel(code, reason="again", actor=StaffActor(None, "lan"))
    except rewards.VoucherNotUsable:
        pass
    else:
        raise AssertionError("a cancelled voucher cannot be cancelled twice")
    assert await balance(member_id) == 100
    await assert_ledger_ok()
