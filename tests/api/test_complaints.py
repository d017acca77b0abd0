"""/api/v1/me/complaints: file, follow, write, rate; privacy and bad input."""

from __future__ import annotations

import base64

import httpx
import pytest

from loyalty import complaints
from loyalty.schema import Complaint, ComplaintPhoto
from tests.conftest import member_headers
from tests.support.complaints import seed_desk, staff

LAN, TUAN = "0901234567", "0912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
URL = "/api/v1/me/complaints"


@pytest.fixture(autouse=True)
async def desk() -> None:
    await seed_desk()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _file(client: httpx.AsyncClient, phone: str = LAN, **body: object) -> dict[str, object]:
    payload = {"category": "product_quality", "description": "Bánh mì bị cháy", **body}
    response = await client.post(URL, headers=member_headers(phone), json=payload)
    assert response.status_code == 201, response.text
    answer: dict[str, object] = response.json()
    return answer


async def test_life_cycle_from_the_app(client: httpx.AsyncClient, till: dict[str, object]) -> None:
    created = await _file(client, store_code="Q1", photos=[_b64(PNG)])
    ref = str(created["id"])
    assert ref.startswith("KN-") and created["status"] == "new" and created["category"] == "product_quality"
    assert "first_response_due" in created and "created_at" in created
    assert await ComplaintPhoto.count() == 1

    agent = await staff("an")
    await complaints.acknowledge(ref, agent, "Chúng tôi đã nhận được")
    await complaints.reply(ref, agent, "internal: store manager informed", visible=False)
    await complaints.reply(ref, agent, "Cửa hàng sẽ liên hệ", visible=True)

    posted = await client.post(f"{URL}/{ref}/messages", headers=member_headers(LAN), json={"body": "Cảm ơn"})
    assert posted.status_code == 201, posted.text
    early = await client.post(f"{URL}/{ref}/rating", headers=member_headers(LAN), json={"score": 5})
    assert early.status_code == 409 and early.headers["content-type"].startswith("application/problem+json")

    await complaints.resolve(ref, agent, "Đã hoàn tiền")
    detail = (await client.get(f"{URL}/{ref}", headers=member_headers(LAN))).json()
    assert detail["status"] == "resolved" and detail["can_rate"] and detail["store_code"] == "Q1"
    assert detail["photos"] == 1
    assert [line["kind"] for line in detail["timeline"]] == [
        "created",
        "acknowledged",
        "message",
        "message",
        "resolved",
    ]
    assert all("internal" not in line["body"] for line in detail["timeline"])

    rated = await client.post(f"{URL}/{ref}/rating", headers=member_headers(LAN), json={"score": 4, "comment": "ok"})
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating"] == 4 and not rated.json()["can_rate"]
    again = await client.post(f"{URL}/{ref}/rating", headers=member_headers(LAN), json={"score": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"

    listed = (await client.get(URL, headers=member_headers(LAN))).json()
    assert [c["id"] for c in listed["items"]] == [ref] and listed["next_cursor"] is None
    assert listed["items"][0]["rating"] == 4


async def test_another_members_case_is_404(client: httpx.AsyncClient) -> None:
    ref = str((await _file(client))["id"])
    other = member_headers(TUAN)
    assert (await client.get(f"{URL}/{ref}", headers=other)).status_code == 404
    assert (await client.post(f"{URL}/{ref}/messages", headers=other, json={"body": "hi"})).status_code == 404
    assert (await client.post(f"{URL}/{ref}/rating", headers=other, json={"score": 3})).status_code == 404
    assert (await client.get(URL, headers=other)).json()["items"] == []
    assert (await client.get(f"{URL}/KN-2026-999999", headers=member_headers(LAN))).status_code == 404


async def test_list_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    refs = [str((await _file(client, description=f"case {i}"))["id"]) for i in range(3)]
    first = (await client.get(URL, params={"limit": 2}, headers=member_headers(LAN))).json()
    assert [c["id"] for c in first["items"]] == refs[::-1][:2] and first["next_cursor"]
    second = (
        await client.get(URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=member_headers(LAN))
    ).json()
    assert [c["id"] for c in second["items"]] == refs[:1] and second["next_cursor"] is None
    bad = await client.get(URL, params={"cursor": "nonsense"}, headers=member_headers(LAN))
    assert bad.status_code == 422
    assert (await client.get(URL, params={"limit": 101}, headers=member_headers(LAN))).status_code in (400, 422)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"category": "product_quality", "description": "   "}, "validation_error"),
        ({"category": "no_such_thing", "description": "x"}, "unknown_category"),
        ({"category": "other", "description": "x", "photos": [_b64(PNG + b"\0" * (1024 * 1024))]}, "photo_rejected"),
        ({"category": "other", "description": "x", "photos": [_b64(b"GIF89a" + b"\0" * 10)]}, "photo_rejected"),
        ({"category": "other", "description": "x", "photos": [_b64(PNG)] * 4}, "photo_rejected"),
        ({"category": "other", "description": "x", "store_code": "ZZ"}, "validation_error"),
        ({"category": "other"}, "validation_error"),
        ({"category": "other", "description": "x", "priority": "urgent"}, "validation_error"),
    ],
)
async def test_bad_input_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient, body: dict[str, object], code: str
) -> None:
    response = await client.post(URL, headers=member_headers(LAN), json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await Complaint.count() == 0


async def test_bad_message_and_rating_are_problems(client: httpx.AsyncClient) -> None:
    ref = str((await _file(client))["id"])
    empty = await client.post(f"{URL}/{ref}/messages", headers=member_headers(LAN), json={"body": " "})
    assert empty.status_code == 422
    score = await client.post(f"{URL}/{ref}/rating", headers=member_headers(LAN), json={"score": 6})
    assert score.status_code == 422


async def test_idempotency_key_files_once(client: httpx.AsyncClient) -> None:
    headers = {**member_headers(LAN), "Idempotency-Key": "abc-1"}
    body = {"category": "other", "description": "once"}
    first = await client.post(URL, headers=headers, json=body)
    second = await client.post(URL, headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert await Complaint.count() == 1


async def test_categories_are_listed_in_the_members_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/complaint-categories", headers=member_headers(LAN))
    assert response.status_code == 200
    codes = [c["code"] for c in response.json()]
    assert codes[0] == "product_quality" and "other" in codes
    assert response.json()[0]["name"] == "Chất lượng sản phẩm"


async def test_complaints_need_a_member_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(URL)).status_code == 401


async def test_staff_updates_reach_the_member_inbox_but_notes_do_not(client: httpx.AsyncClient) -> None:
    from notifications import dispatcher
    from notifications.config import NotifySettings

    ref = str((await _file(client))["id"])
    agent = await staff("an")
    await complaints.reply(ref, agent, "internal only", visible=False)
    await complaints.reply(ref, agent, "Chúng tôi đang xử lý", visible=True)
    assert await dispatcher.materialize(NotifySettings.from_env()) == 1
    inbox = (await client.get("/api/v1/me/notifications", headers=member_headers(LAN))).json()["items"]
    assert len(inbox) == 1
    assert inbox[0]["category"] == "complaint" and inbox[0]["data"]["complaint_id"] == ref
    assert "internal" not in inbox[0]["body"]
