"""The bulk gift path: the same ledger and the same messages as the one-by-one functions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from loyalty import campaigns, points
from loyalty.campaigns.fields import GiftKind
from loyalty.campaigns.gifts import GiftSpec
from loyalty.campaigns.messages import GiftBatch, batch_payload, gift_texts
from loyalty.db.engines import write_transaction
from loyalty.points import Credited, Holder, LedgerBroken, bulk_credit
from loyalty.points.check import check
from loyalty.schema import DomainEvent, LedgerEntry, Member, PointLot
from tests.support.campaigns import NOW, launched_campaign, ledger_holds, member

SPEC = GiftSpec(
    campaign_id=7,
    name='Tết "2027" \\ quà',
    gift_kind=GiftKind.POINTS,
    points=1500,
    reward_id=None,
    valid_days=None,
    texts={
        "title_vi": "Quà cho $name",
        "title_en": "${name}, a gift",
        "message_vi": "Tặng $name $points điểm ($campaign) $$5",
        "message_en": "Here are $points points",
    },
    reward_names={"vi": "", "en": ""},
)


@pytest.mark.parametrize("name", ["Lan", "", "   ", ' Quote "me" \\ back\nslash\t', "Nguyễn Thị Ánh", "x" * 150])
def test_a_gift_message_is_the_campaigns_words_for_that_member(name: str) -> None:
    batch = batch_payload(SPEC, "2027-02-06", (10, 20), [Holder(3, 0, ""), Holder(9, 0, "")])
    assert json.loads(json.dumps(batch)) == batch  # it travels as the event's JSON
    assert GiftBatch(batch).message(12, name, 4500) == {
        "campaign_id": SPEC.campaign_id,
        "campaign": SPEC.name,
        "occurrence": "2027-02-06",
        "gift_id": 12,
        "points": SPEC.points,
        "balance": 4500,
        **gift_texts(SPEC, name),
    }
    shown = name.strip()[:100] or "bạn"
    assert GiftBatch(batch).message(12, name, None)["title_vi"] == f"Quà cho {shown}"


async def _holders(*member_ids: int) -> list[Holder]:
    """The members' balances and heads as they are now (tests write one at a time)."""
    rows = await Member.select(Member.id, Member.points_balance, Member.ledger_head).where(
        Member.id.is_in(list(member_ids))
    )
    return [Holder(r["id"], r["points_balance"], r["ledger_head"]) for r in sorted(rows, key=lambda r: r["id"])]


async def _credit(holders: list[Holder], references: list[str]) -> Credited:
    async with write_transaction(), bulk_credit(holders, references, 5, description="gift", now=NOW) as credited:
        return credited


async def test_bulk_credit_continues_each_members_chain_and_check_ledger_agrees() -> None:
    a, b = await member(name="A"), await member(name="B")
    await points.credit(a, 30, kind=points.Kind.EARN, reference="earn-a", now=NOW)
    credited = await _credit(await _holders(a, b), ["g1", "g2"])
    assert credited.balances == [35, 5]
    again = await _credit(await _holders(a), ["g3"])
    assert again.balances == [40]
    assert len({*credited.entry_ids, *again.entry_ids}) == 3
    lots = await PointLot.select(PointLot.entry, PointLot.points_left).where(PointLot.member == a)
    assert sorted(lot["points_left"] for lot in lots) == [5, 5, 30]
    await points.debit(a, 38, kind=points.Kind.REDEEM, reference="spend-a", now=NOW + timedelta(minutes=1))
    for m in (a, b):
        await ledger_holds(m)
    report = await check(progress=False)
    assert report.ok, report.breaches
    assert report.entries == 5 and report.lots == 4


async def test_bulk_credit_spread_over_several_insert_statements_writes_every_entry_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loyalty.points import bulk as bulk_ledger

    monkeypatch.setattr(bulk_ledger, "SQLITE_ROWS_PER_INSERT", 2)  # 5 entries: statements of 2, 2 and 1
    people = [await member(name=f"Chi {i}") for i in range(5)]
    await points.credit(people[3], 7, kind=points.Kind.EARN, reference="earn-3", now=NOW)
    references = [f"g{i}" for i in range(5)]
    credited = await _credit(await _holders(*people), references)
    assert credited.balances == [5, 5, 5, 12, 5]
    rows = await LedgerEntry.select(LedgerEntry.id, LedgerEntry.member, LedgerEntry.reference).where(
        LedgerEntry.kind == "gift"
    )
    assert sorted((r["id"], r["member"], r["reference"]) for r in rows) == list(
        zip(credited.entry_ids, people, references, strict=True)
    )
    for m in people:
        await ledger_holds(m)
    report = await check(progress=False)
    assert report.ok, report.breaches


def test_a_bulk_batch_pauses_the_cyclic_collector_until_the_last_one_ends() -> None:
    import gc

    from loyalty.points.batches import _cyclic_gc_paused

    assert gc.isenabled()
    with _cyclic_gc_paused():
        assert not gc.isenabled()
        with _cyclic_gc_paused():  # a second worker's batch
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _cyclic_gc_paused():
        raise RuntimeError("a batch fails")
    assert gc.isenabled()
    gc.disable()  # turned off by someone else: left off
    try:
        with _cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_bulk_credit_refuses_a_reference_used_before_and_writes_nothing() -> None:
    a, b = await member(), await member()
    await points.credit(a, 30, kind=points.Kind.EARN, reference="taken", now=NOW)
    import sqlite3

    import asyncpg

    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await _credit(await _holders(a, b), ["taken", "fresh"])
    rows = await Member.select(Member.points_balance).where(Member.id.is_in([a, b])).order_by(Member.id)
    assert [r["points_balance"] for r in rows] == [30, 0]
    assert await LedgerEntry.count() == 1
    await ledger_holds(a)


async def test_bulk_credit_gives_each_member_once_per_call() -> None:
    a = await member()
    holders = await _holders(a)
    with pytest.raises(ValueError, match="one credit"):
        await _credit(holders * 2, ["g1", "g2"])
    assert await LedgerEntry.count() == 0


async def test_bulk_credit_from_a_stale_balance_or_head_writes_nothing() -> None:
    a, b = await member(), await member()
    stale = await _holders(a, b)
    # The member's balance moves after it was read, then moves back: same balance, new head.
    await points.credit(a, 10, kind=points.Kind.EARN, reference="earn", now=NOW)
    await points.debit(a, 10, kind=points.Kind.REDEEM, reference="spend", now=NOW)
    with pytest.raises(LedgerBroken):
        await _credit(stale, ["g1", "g2"])
    rows = await Member.select(Member.points_balance).where(Member.id.is_in([a, b])).order_by(Member.id)
    assert [r["points_balance"] for r in rows] == [0, 0]
    assert await PointLot.count() == 1
    for m in (a, b):
        await ledger_holds(m)


async def test_one_event_reports_each_batch_of_gifts(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.campaigns import lanes
    from loyalty.schema import CampaignGift

    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    people = [await member(name=f"Mai {i}") for i in range(3)]
    campaign_id = await launched_campaign(name="Bulk", gift_points=20)
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 3
    events = await DomainEvent.select(DomainEvent.kind, DomainEvent.member, DomainEvent.payload).order_by(
        DomainEvent.id
    )
    payloads = [json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"] for e in events]
    assert [(e["kind"], e["member"]) for e in events] == [("campaign_gifts", None)] * 2
    gifts = await CampaignGift.select(CampaignGift.id, CampaignGift.member).order_by(CampaignGift.id)
    assert [g["member"] for g in gifts] == people
    ids = [g["id"] for g in gifts]
    assert [(p["first_gift"], p["last_gift"]) for p in payloads] == [(ids[0], ids[1]), (ids[2], ids[2])]
    assert all(p["points"] == 20 and p["texts"]["title_vi"] == "Quà cho $name" for p in payloads)


@pytest.mark.parametrize(
    ("definition", "without_stats_row"),
    [
        ({"field": "visits_90d", "op": "gte", "value": 3}, False),
        ({"field": "visits_90d", "op": "lt", "value": 3}, True),
        ({"field": "spend_12m", "op": "between", "value": [0, 5]}, True),
        ({"field": "channel", "op": "in", "value": ["claim", "both"]}, False),
        ({"field": "channel", "op": "eq", "value": "none"}, True),
        ({"field": "visits_total", "op": "in", "value": [0, 1]}, True),
    ],
)
async def test_statistics_conditions_treat_a_member_without_statistics_as_zero(
    definition: dict[str, object], without_stats_row: bool
) -> None:
    """The compiler drops COALESCE (so the column's index is usable) only where it changes nothing."""
    from loyalty.campaigns import segments
    from loyalty.campaigns.segment_filters import compile_filter

    await member(name="no stats row yet")
    compiled = compile_filter(definition)
    assert ("COALESCE" in compiled.sql) == without_stats_row
    shown = await segments.preview(definition, now=NOW)
    assert shown.count == (1 if without_stats_row else 0)


async def test_points_gift_rows_are_written_once_given_with_their_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.campaigns import lanes
    from loyalty.schema import CampaignGift, LedgerEntry

    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    people = [await member(name=f"Hoa {i}") for i in range(5)]
    campaign_id = await launched_campaign(name="Once", gift_points=7)
    # Two batches only: the run stops after member 4, and the cursor says so.
    assert await campaigns.run_campaign(campaign_id, now=NOW, max_batches=2) == 4
    assert await CampaignGift.count().where(CampaignGift.status != "given") == 0
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 1
    gifts = await CampaignGift.select().order_by(CampaignGift.member)
    assert [g["member"] for g in gifts] == people
    for g in gifts:
        assert (g["status"], g["points"], g["given_at"] is not None) == ("given", 7, True)
        entry = await LedgerEntry.select().where(LedgerEntry.id == g["entry"]).first()
        assert entry is not None and entry["member"] == g["member"]
        assert entry["reference"] == f"campaign-gift:{campaign_id}:once:{g['member']}"
    report = await check(progress=False)
    assert report.ok, report.breaches


@pytest.mark.sqlite_only
async def test_the_larger_bulk_cache_is_put_back_on_the_connection() -> None:
    from loyalty.db import fetch
    from loyalty.points.batches import BULK_CACHE_KIB, bulk_settings

    async with write_transaction():
        before = (await fetch("PRAGMA cache_size"))[0]["cache_size"]
        async with bulk_settings():
            assert (await fetch("PRAGMA cache_size"))[0]["cache_size"] == -BULK_CACHE_KIB
        assert (await fetch("PRAGMA cache_size"))[0]["cache_size"] == before


def test_gift_hashes_are_the_entry_hashes_of_each_gift() -> None:
    chains = [(1, "", "campaign-gift:7:once:1", 10), (42, "ab" * 32, "r|x", 1_000_000)]
    assert points.gift_hashes(chains, 10, "gift", NOW) == [
        points.entry_hash(prev, member, 10, "gift", reference, after, 0, NOW)
        for member, prev, reference, after in chains
    ]
