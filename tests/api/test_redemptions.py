"""GET /rewards and POST /me/redemptions: the catalogue, spending points for a voucher, every error."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from loyalty.events import EventKind
from loyalty.schema import DomainEvent, LedgerEntry, Member, Reward, Voucher
from tests.support.ledger import assert_ledger_ok
from tests.support.rewards import api_member, balance, make_reward, make_tiers


async def _redeem(client: httpx.AsyncClient, headers: dict[str, str], reward_id: int, key: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"Idempotency-Key": key} if key else {}
    return await client.post("/api/v1/me/redemptions", headers={**headers, **extra}, json={"reward_id": reward_id})


async def test_redeeming_takes_points_and_issues_a_voucher(client: httpx.AsyncClient) -> None:
    await make_tiers()
    reward = await make_reward(points_cost=300, stock_left=10, voucher_valid_days=14)
    headers, member_id = await api_member(client, "0901000001", points=1000)
    response = await _redeem(client, headers, reward.id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["points_balance"] == 700 == await balance(member_id)
    voucher = body["voucher"]
    assert voucher["reward_id"] == reward.id and voucher["status"] == "issued"
    assert len(voucher["code"]) >= 10 and not set(voucher["code"]) & set("01OIL")
    valid_until = datetime.fromisoformat(voucher["valid_until"])
    assert timedelta(days=13) < valid_until - datetime.now(UTC) <= timedelta(days=14)
    stock = await Reward.select(Reward.stock_left).where(Reward.id == reward.id).first()
    assert stock is not None and stock["stock_left"] == 9
    kinds = {e["kind"] for e in await DomainEvent.select(DomainEvent.kind).where(DomainEvent.member == member_id)}
    assert {EventKind.VOUCHER_ISSUED.value, EventKind.POINTS_REDEEMED.value} <= kinds
    stored = await Voucher.objects().where(Voucher.code == voucher["code"]).first()
    assert stored is not None and stored.points_paid == 300 and stored.spend_entry is not None
    await assert_ledger_ok()


async def test_not_enough_points_is_409_and_changes_nothing(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=500, stock_left=3)
    headers, member_id = await api_member(client, "0901000002", points=499)
    response = await _redeem(client, headers, reward.id)
    assert response.status_code == 409 and response.json()["code"] == "insufficient_points"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await balance(member_id) == 499 and await Voucher.count() == 0
    stock = await Reward.select(Reward.stock_left).where(Reward.id == reward.id).first()
    assert stock is not None and stock["stock_left"] == 3  # the stock taken was rolled back
    await assert_ledger_ok()


async def test_out_of_stock_is_409(client: httpx.AsyncClient) -> None:
    reward = await make_reward(stock_left=0)
    headers, member_id = await api_member(client, "0901000003", points=1000)
    response = await _redeem(client, headers, reward.id)
    assert response.status_code == 409 and response.json()["code"] == "out_of_stock"
    assert await balance(member_id) == 1000


async def test_per_member_limit_is_409_and_cancelled_vouchers_do_not_count(client: httpx.AsyncClient) -> None:
    from loyalty import rewards
    from loyalty.audit import StaffActor

    reward = await make_reward(per_member_limit=1, points_cost=100)
    headers, member_id = await api_member(client, "0901000004", points=1000)
    first = await _redeem(client, headers, reward.id)
    assert first.status_code == 201
    second = await _redeem(client, headers, reward.id)
    assert second.status_code == 409 and second.json()["code"] == "limit_reached"
    await rewards.cancel(first.json()["voucher"]["code"], reason="wrong reward", actor=StaffActor(None, "t"))
    third = await _redeem(client, headers, reward.id)
    assert third.status_code == 201
    assert await balance(member_id) == 900
    await assert_ledger_ok()


async def test_a_reward_above_the_members_tier_is_403(client: httpx.AsyncClient) -> None:
    tiers = await make_tiers()
    reward = await make_reward(min_tier=tiers["gold"].id)
    headers, member_id = await api_member(client, "0901000005", points=1000)
    response = await _redeem(client, headers, reward.id)
    assert response.status_code == 403 and response.json()["code"] == "tier_required"
    await Member.update({Member.tier: tiers["gold"].id}).where(Member.id == member_id)
    assert (await _redeem(client, headers, reward.id)).status_code == 201


async def test_inactive_unknown_or_out_of_window_rewards_are_404(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    inactive = await make_reward(active=False)
    ended = await make_reward(valid_until=now - timedelta(hours=1))
    future = await make_reward(valid_from=now + timedelta(days=1))
    headers, member_id = await api_member(client, "0901000006", points=1000)
    for reward_id in (inactive.id, ended.id, future.id, 99999):
        response = await _redeem(client, headers, reward_id)
        assert response.status_code == 404 and response.json()["code"] == "reward_unavailable"
    assert await balance(member_id) == 1000


async def test_bad_bodies_are_422(client: httpx.AsyncClient) -> None:
    headers, _ = await api_member(client, "0901000007")
    for body in ({}, {"reward_id": "x"}, {"reward_id": 0}, {"reward_id": 1, "extra": 1}, {"reward_id": 2**40}):
        response = await client.post("/api/v1/me/redemptions", headers=headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_same_idempotency_key_replays_and_a_different_body_is_409(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=100)
    other = await make_reward(points_cost=100)
    headers, member_id = await api_member(client, "0901000008", points=1000)
    first = await _redeem(client, headers, reward.id, key="k-1")
    again = await _redeem(client, headers, reward.id, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    mismatch = await _redeem(client, headers, other.id, key="k-1")
    assert mismatch.status_code == 409 and mismatch.json()["code"] == "idempotency_mismatch"
    assert await Voucher.count() == 1 and await balance(member_id) == 900
    assert await LedgerEntry.count().where(LedgerEntry.kind == "redeem") == 1


async def test_concurrent_requests_with_one_key_issue_one_voucher(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=100)
    headers, member_id = await api_member(client, "0901000009", points=1000)
    answers = await asyncio.gather(*(_redeem(client, headers, reward.id, key="same") for _ in range(10)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["voucher"]["code"] for a in answers}) == 1
    assert await Voucher.count() == 1 and await balance(member_id) == 900
    await assert_ledger_ok()


async def test_sixty_concurrent_redemptions_stop_at_the_balance(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=50)
    headers, member_id = await api_member(client, "0901000010", points=1000)  # covers 20
    answers = await asyncio.gather(*(_redeem(client, headers, reward.id) for _ in range(60)))
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 20, codes
    assert all(a.json()["code"] == "insufficient_points" for a in answers if a.status_code != 201)
    assert await Voucher.count().where(Voucher.member == member_id) == 20
    assert await balance(member_id) == 0
    await assert_ledger_ok()


async def test_thirty_members_racing_for_five_in_stock_get_exactly_five(client: httpx.AsyncClient) -> None:
    reward = await make_reward(points_cost=10, stock_left=5)
    members = [await api_member(client, f"09020000{i:02d}", points=100) for i in range(30)]
    answers = await asyncio.gather(*(_redeem(client, headers, reward.id) for headers, _ in members))
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 5, codes
    assert all(a.json()["code"] == "out_of_stock" for a in answers if a.status_code != 201)
    stock = await Reward.select(Reward.stock_left).where(Reward.id == reward.id).first()
    assert stock is not None and stock["stock_left"] == 0
    assert await Voucher.count() == 5
    assert sum([await balance(m) for _, m in members]) == 30 * 100 - 5 * 10
    await assert_ledger_ok()


async def test_catalogue_lists_what_the_member_can_see_in_its_locale(client: httpx.AsyncClient) -> None:
    tiers = await make_tiers()
    now = datetime.now(UTC)
    open_reward = await make_reward(stock_left=7, image="coffee-abc.png")
    gold = await make_reward(name_vi="Bánh", name_en="Cake", min_tier=tiers["gold"].id, stock_left=None)
    await make_reward(active=False)
    await make_reward(valid_until=now - timedelta(minutes=1))
    await make_reward(valid_from=now + timedelta(days=2))
    headers, _ = await api_member(client, "0901000011")
    response = await client.get("/api/v1/rewards", headers=headers)
    assert response.status_code == 200, response.text
    items = {r["id"]: r for r in response.json()["items"]}
    assert set(items) == {open_reward.id, gold.id}
    assert items[open_reward.id]["name"] == "Cà phê sữa đá" and items[open_reward.id]["stock_left"] == 7
    assert items[open_reward.id]["image_url"].endswith("/media/rewards/coffee-abc.png")
    assert items[gold.id]["stock_left"] is None and items[gold.id]["min_tier"] == "gold"
    assert items[gold.id]["eligible"] is False and items[open_reward.id]["eligible"] is True
    assert items[gold.id]["image_url"] is None
    await client.patch("/api/v1/me", headers=headers, json={"locale": "en"})
    english = await client.get("/api/v1/rewards", headers=headers)
    assert {r["name"] for r in english.json()["items"]} == {"Iced milk coffee", "Cake"}


async def test_catalogue_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    made = [await make_reward(name_vi=f"Quà {i}") for i in range(5)]
    headers, _ = await api_member(client, "0901000012")
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/rewards", headers=headers, params=params)).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r.id for r in made]
    bad = await client.get("/api/v1/rewards", headers=headers, params={"cursor": "!!nope"})
    assert bad.status_code == 422
    assert (await client.get("/api/v1/rewards", headers=headers, params={"limit": 101})).status_code in (400, 422)


async def test_catalogue_needs_a_member(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/rewards")).status_code == 401
