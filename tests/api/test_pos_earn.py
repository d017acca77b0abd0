"""POST /api/v1/pos/earn, receipts, refunds, and the member's card, ledger and claims, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from loyalty.points.check import check
from loyalty.schema import DomainEvent, LedgerEntry, Purchase
from tests.conftest import member_headers
from tests.support.earning import balance, code_of, earn, signed_in


async def test_till_earns_points_from_a_live_member_code(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    member = await signed_in(client)
    card = await client.get("/api/v1/me/card", headers=member_headers())
    assert card.status_code == 200 and card.json()["period_s"] == 30
    response = await earn(client, till, card.json()["code"], "R-1", 250_000)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["points_earned"] == 25 and body["points_balance"] == 25
    assert body["member"]["id"] == member.public_id
    assert [r["kind"] for r in body["rules_applied"]] == ["base"]
    assert await balance(member.id) == 25
    assert await DomainEvent.count().where(DomainEvent.kind == "points_earned") == 1
    assert (await check(progress=False)).ok


async def test_same_receipt_same_body_replays_and_different_body_is_409(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    member = await signed_in(client)
    code = await code_of(member.id)
    first = await earn(client, till, code, "R-2", 100_000)
    again = await earn(client, till, code, "R-2", 100_000)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = await earn(client, till, code, "R-2", 100_001)
    assert other.status_code == 409 and other.json()["code"] == "duplicate_receipt"
    assert await LedgerEntry.count() == 1


async def test_replayed_code_on_another_receipt_is_409_code_reused(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    member = await signed_in(client)
    code = await code_of(member.id)
    assert (await earn(client, till, code, "A", 50_000)).status_code == 201
    replay = await earn(client, till, code, "B", 50_000)
    assert replay.status_code == 409 and replay.json()["code"] == "code_reused"
    assert await Purchase.count() == 1


async def test_forged_and_mistyped_codes_are_422(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    member = await signed_in(client)
    code = await code_of(member.id)
    public_id, otp, check_char = code.split(".")
    forged_otp = f"{(int(otp) + 1) % 1_000_000:06d}"
    from loyalty.earning.cards import check_char as checksum

    forged = f"{public_id}.{forged_otp}.{checksum(public_id + '.' + forged_otp)}"
    mistyped = f"{public_id}.{forged_otp}.{check_char}"
    for bad in (forged, mistyped, "hello", "TT00000000.123456.0"):
        response = await earn(client, till, bad, "R-x", 50_000)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["code"] == "code_invalid"
    assert await balance(member.id) == 0


async def test_bad_amounts_and_items_are_422(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    member = await signed_in(client)
    code = await code_of(member.id)
    cases: list[dict[str, Any]] = [
        {"amount": 0},
        {"amount": 1_000_000_001},
        {"amount": 10_000, "items": [{"sku": "a", "amount": 10_001}]},
        {"amount": 10_000, "receipt_no": ""},
        {"amount": 10_000, "receipt_no": "x" * 65},
        {"amount": 10_000, "receipt_no": "bad\nreceipt"},
    ]
    for case in cases:
        body = {"member_code": code, "receipt_no": "R-v", **case}
        response = await client.post("/api/v1/pos/earn", headers=till["headers"], json=body)
        assert response.status_code == 422, (case, response.text)
    assert await Purchase.count() == 0


async def test_member_token_on_till_path_is_403(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    response = await client.post(
        "/api/v1/pos/earn", headers=member_headers(), json={"member_code": "x", "receipt_no": "1", "amount": 1}
    )
    assert response.status_code == 403


async def test_card_images_and_ledger_pages(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    member = await signed_in(client)
    svg = await client.get("/api/v1/me/card.svg", headers=member_headers())
    png = await client.get("/api/v1/me/card.png", headers=member_headers())
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    from loyalty import points

    for i in range(5):
        await points.credit(member.id, i + 1, kind=points.Kind.GIFT, reference=f"g{i}")
    first = await client.get("/api/v1/me/ledger?limit=3", headers=member_headers())
    assert first.status_code == 200
    page = first.json()
    assert [e["delta"] for e in page["items"]] == [5, 4, 3]
    assert set(page["items"][0]) >= {"id", "delta", "kind", "balance_after", "created_at", "description", "reference"}
    second = await client.get(f"/api/v1/me/ledger?limit=3&cursor={page['next_cursor']}", headers=member_headers())
    assert [e["delta"] for e in second.json()["items"]] == [2, 1]
    assert second.json()["next_cursor"] is None
    other = await client.get("/api/v1/me/ledger", headers=member_headers("+84907777777"))
    assert other.json()["items"] == []
    bad = await client.get("/api/v1/me/ledger?cursor=nonsense", headers=member_headers())
    assert bad.status_code == 422


async def test_receipt_claim_path_earns_once(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    await signed_in(client)
    made = await client.post(
        "/api/v1/pos/receipts", headers=till["headers"], json={"receipt_no": "C-1", "amount": 90_000}
    )
    assert made.status_code == 201, made.text
    again = await client.post(
        "/api/v1/pos/receipts", headers=till["headers"], json={"receipt_no": "C-1", "amount": 90_000}
    )
    assert again.json()["claim_code"] == made.json()["claim_code"]
    qr = await client.get(made.json()["qr_svg_url"], headers=till["headers"])
    assert qr.status_code == 200 and b"<svg" in qr.content
    code = made.json()["claim_code"]
    claimed = await client.post("/api/v1/me/claims", headers=member_headers(), json={"code": code})
    assert claimed.status_code == 201, claimed.text
    assert claimed.json() == {"points_earned": 9, "points_balance": 9, "receipt_no": "C-1", "store": "Q1"}
    reused = await client.post("/api/v1/me/claims", headers=member_headers("+84908888888"), json={"code": code})
    assert reused.status_code == 409 and reused.json()["code"] == "code_reused"
    unknown = await client.post("/api/v1/me/claims", headers=member_headers(), json={"code": "NOPE"})
    assert unknown.status_code == 404
    member = await signed_in(client, "+84909999999")
    till_after = await earn(client, till, await code_of(member.id), "C-1", 90_000)
    assert till_after.status_code == 409 and till_after.json()["code"] == "duplicate_receipt"


async def test_claim_of_a_receipt_earned_at_the_till_is_refused(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    member = await signed_in(client)
    made = await client.post(
        "/api/v1/pos/receipts", headers=till["headers"], json={"receipt_no": "D-1", "amount": 50_000}
    )
    assert (await earn(client, till, await code_of(member.id), "D-1", 50_000)).status_code == 201
    claimed = await client.post("/api/v1/me/claims", headers=member_headers(), json={"code": made.json()["claim_code"]})
    assert claimed.status_code == 409 and claimed.json()["code"] == "code_reused"
    assert await balance(member.id) == 5
    late = await client.post("/api/v1/pos/receipts", headers=till["headers"], json={"receipt_no": "D-2", "amount": 1})
    assert late.status_code == 201
    await earn(client, till, await code_of(member.id, now=None), "D-3", 1)


async def test_refunds_reverse_in_proportion_and_not_beyond_the_amount(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    member = await signed_in(client)
    assert (await earn(client, till, await code_of(member.id), "F-1", 1_000_000)).json()["points_earned"] == 100
    half = await client.post(
        "/api/v1/pos/refunds", headers=till["headers"], json={"receipt_no": "F-1", "amount": 500_000}
    )
    assert half.status_code == 201, half.text
    assert half.json()["points_reversed"] == 50 and half.json()["shortfall"] == 0
    too_much = await client.post(
        "/api/v1/pos/refunds", headers=till["headers"], json={"receipt_no": "F-1", "amount": 500_001}
    )
    assert too_much.status_code == 422
    unknown = await client.post("/api/v1/pos/refunds", headers=till["headers"], json={"receipt_no": "zz", "amount": 1})
    assert unknown.status_code == 404
    headers = {**till["headers"], "Idempotency-Key": "refund-F-1-rest"}
    rest = await client.post("/api/v1/pos/refunds", headers=headers, json={"receipt_no": "F-1", "amount": 500_000})
    replay = await client.post("/api/v1/pos/refunds", headers=headers, json={"receipt_no": "F-1", "amount": 500_000})
    assert rest.status_code == replay.status_code == 201
    assert rest.json() == replay.json() and rest.json()["points_reversed"] == 50
    assert await balance(member.id) == 0
    assert (await check(progress=False)).ok


async def test_bonus_rules_apply_and_a_qualifying_earn_upgrades_at_once(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    from datetime import UTC, datetime, timedelta

    from loyalty.schema import EarningRule, Tier

    await Tier(code="member", name_vi="TV", name_en="Member", rank=1, threshold=0, earn_multiplier_pct=100).save()
    await Tier(code="silver", name_vi="Bạc", name_en="Silver", rank=2, threshold=300, earn_multiplier_pct=110).save()
    now = datetime.now(UTC)
    await EarningRule(name="Double day", kind="period", multiplier_pct=200, valid_from=now - timedelta(hours=1)).save()
    await EarningRule(
        name="Expired", kind="period", multiplier_pct=500, valid_from=now - timedelta(days=9), valid_until=now
    ).save()
    await EarningRule(
        name="Welcome", kind="first_purchase", bonus_points=50, valid_from=now - timedelta(hours=1)
    ).save()
    await EarningRule(
        name="Milk", kind="category", category="milk", multiplier_pct=300, valid_from=now - timedelta(hours=1)
    ).save()
    member = await signed_in(client)
    items = [{"sku": "M1", "category": "milk", "quantity": 2, "amount": 500_000}]
    # Both codes from `now`, 30 s apart: codes read off the clock could fall in one step at a step boundary.
    first = await earn(client, till, await code_of(member.id, now=now), "T-1", 1_000_000, items=items)
    assert first.status_code == 201, first.text
    body = first.json()
    # milk line 50 × 3 + rest 50 × 2, plus the welcome bonus
    assert body["points_earned"] == 150 + 100 + 50
    assert [r["name"] for r in body["rules_applied"]] == ["1 point per 10000 đ", "Milk", "Double day", "Welcome"]
    assert body["member"]["tier"] == "silver"
    second = await earn(client, till, await code_of(member.id, now=now + timedelta(seconds=30)), "T-2", 100_000)
    assert second.status_code == 201, second.text
    assert second.json()["points_earned"] == 21  # 110 % + 100 % extra of the double day
    assert [r["kind"] for r in second.json()["rules_applied"]] == ["base", "tier", "period"]


async def test_member_sees_points_expiring_within_thirty_days(client: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime, timedelta

    from loyalty import points

    member = await signed_in(client)
    soon = datetime.now(UTC) + timedelta(days=10)
    await points.credit(member.id, 40, kind=points.Kind.GIFT, reference="soon", expires_at=soon)
    await points.credit(member.id, 60, kind=points.Kind.GIFT, reference="later")
    response = await client.get("/api/v1/me/points/expiring", headers=member_headers())
    assert response.status_code == 200 and response.json() == {"points": 40, "within_days": 30}


async def test_the_stored_answer_and_its_replay_keep_their_exact_bytes(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    """The first answer is stored on the purchase as JSON text and a repeat of the receipt answers
    from it: rows stored by earlier versions must replay, so both texts are pinned here."""
    from datetime import UTC, datetime, timedelta

    from loyalty.schema import EarningRule, Member, Tier

    await Tier(code="member", name_vi="TV", name_en="Member", rank=1, threshold=0, earn_multiplier_pct=100).save()
    await Tier(code="silver", name_vi="Bạc", name_en="Silver", rank=2, threshold=200, earn_multiplier_pct=110).save()
    now = datetime.now(UTC)
    milk = EarningRule(
        name="Sữa x3", kind="category", category="milk", multiplier_pct=300, valid_from=now - timedelta(hours=1)
    )
    await milk.save()
    welcome = EarningRule(name="Welcome", kind="first_purchase", bonus_points=50, valid_from=now - timedelta(hours=1))
    await welcome.save()
    member = await signed_in(client)
    await Member.update({Member.name: "Nguyễn Thị Lan"}).where(Member.id == member.id)
    items = [{"sku": "M1", "category": "milk", "quantity": 2, "amount": 500_000}]
    code = await code_of(member.id, now=now)
    first = await earn(client, till, code, "B-1", 1_000_000, items=items)

    def filled(text: str) -> str:
        ids = {"<member>": member.public_id, "<milk>": str(milk.id), "<welcome>": str(welcome.id)}
        for mark, value in ids.items():
            text = text.replace(mark, value)
        return text

    assert first.status_code == 201, first.text
    answer = (
        '{"member":{"id":"<member>","name":"Nguyễn Thị Lan","tier":"silver"},"points_earned":250,"points_balance":250,'
        '"rules_applied":[{"kind":"base","name":"1 point per 10000 đ","rule_id":null,"multiplier_pct":100,'
        '"bonus_points":0},{"kind":"category","name":"Sữa x3","rule_id":<milk>,"multiplier_pct":300,"bonus_points":0},'
        '{"kind":"first_purchase","name":"Welcome","rule_id":<welcome>,"multiplier_pct":100,"bonus_points":50}],'
        '"receipt_no":"B-1","store":"Q1"}'
    )
    assert first.content == filled(answer).encode()
    stored = await Purchase.select(Purchase.answer).where(Purchase.receipt_no == "B-1").first()
    assert stored is not None
    assert stored["answer"] == filled(
        '{"member": {"id": "<member>", "name": "Nguyễn Thị Lan", "tier": "silver"}, "points_earned": 250, '
        '"points_balance": 250, "rules_applied": [{"kind": "base", "name": "1 point per 10000 đ", "rule_id": null, '
        '"multiplier_pct": 100, "bonus_points": 0}, {"kind": "category", "name": "Sữa x3", "rule_id": <milk>, '
        '"multiplier_pct": 300, "bonus_points": 0}, {"kind": "first_purchase", "name": "Welcome", '
        '"rule_id": <welcome>, "multiplier_pct": 100, "bonus_points": 50}], "receipt_no": "B-1", "store": "Q1"}'
    )
    again = await earn(
        client, till, await code_of(member.id, now=now + timedelta(seconds=30)), "B-1", 1_000_000, items=items
    )
    assert again.status_code == 200 and again.content == first.content
    assert await LedgerEntry.count() == 1


async def test_a_refund_key_used_for_another_amount_is_the_409_problem_it_always_was(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    member = await signed_in(client)
    assert (await earn(client, till, await code_of(member.id), "K-1", 1_000_000)).status_code == 201
    headers = {**till["headers"], "Idempotency-Key": "refund-K-1"}
    done = await client.post("/api/v1/pos/refunds", headers=headers, json={"receipt_no": "K-1", "amount": 100_000})
    assert done.status_code == 201 and "idempotent-replayed" not in done.headers
    other = await client.post("/api/v1/pos/refunds", headers=headers, json={"receipt_no": "K-1", "amount": 200_000})
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json() == {
        "type": "https://thanthiet.dev/problems/idempotency_mismatch",
        "title": "Conflict",
        "status": 409,
        "detail": "this Idempotency-Key was used with a different request",
        "code": "idempotency_mismatch",
    }
    again = await client.post("/api/v1/pos/refunds", headers=headers, json={"receipt_no": "K-1", "amount": 100_000})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == done.content
    assert await balance(member.id) == 90
