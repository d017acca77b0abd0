"""The bulk gift path: the same ledger and the same messages as the one-by-one functions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from loyalty import campaigns, ledger
from loyalty.bulk_ledger import bulk_credit
from loyalty.campaign_fanout import GiftSpec, PayloadWriter, _texts
from loyalty.db import write_transaction
from loyalty.ledger_check import check
from loyalty.tables import DomainEvent, Member
from tests.support.campaigns import NOW, ledger_holds, member

SPEC = GiftSpec(
    campaign_id=7,
    name='Tết "2027" \\ quà',
    status="running",
    gift_kind="points",
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
def test_payload_json_is_what_json_dumps_of_the_texts_gives(name: str) -> None:
    gift = {"id": 12, "occurrence": "2027-02-06", "member": 3}
    expected = {
        "campaign_id": SPEC.campaign_id,
        "campaign": SPEC.name,
        "occurrence": gift["occurrence"],
        "gift_id": 12,
        "points": SPEC.points,
        "balance": 4500,
        **_texts(SPEC, {"name": name}),
    }
    assert PayloadWriter(SPEC).json(gift, 4500, name) == json.dumps(expected, ensure_ascii=False)


def test_payload_falls_back_when_a_fixed_value_contains_the_marker() -> None:
    spec = GiftSpec(**{**SPEC.__dict__, "name": f"odd {PayloadWriter.SENTINEL} name"})
    gift = {"id": 1, "occurrence": "once", "member": 3}
    payload = json.loads(PayloadWriter(spec).json(gift, 10, "Lan"))
    assert payload["body_vi"] == _texts(spec, {"name": "Lan"})["body_vi"]


async def test_bulk_credit_continues_each_members_chain_and_check_ledger_agrees() -> None:
    a, b = await member(name="A"), await member(name="B")
    await ledger.credit(a, 30, kind=ledger.Kind.EARN, reference="earn-a", now=NOW)
    async with write_transaction():
        credited = await bulk_credit([(a, "g1"), (b, "g2"), (a, "g3")], 5, description="gift", now=NOW)
    assert credited.balances == [35, 5, 40]
    assert len(set(credited.entry_ids)) == 3
    await ledger.debit(a, 38, kind=ledger.Kind.REDEEM, reference="spend-a", now=NOW + timedelta(minutes=1))
    for m in (a, b):
        await ledger_holds(m)
    report = await check(progress=False)
    assert report.ok, report.breaches
    assert report.entries == 5 and report.lots == 4


async def test_bulk_credit_refuses_a_reference_used_before_and_writes_nothing() -> None:
    a = await member()
    await ledger.credit(a, 30, kind=ledger.Kind.EARN, reference="taken", now=NOW)
    import sqlite3

    import asyncpg

    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        async with write_transaction():
            await bulk_credit([(a, "fresh"), (a, "taken")], 5, description="gift", now=NOW)
    row = await Member.select(Member.points_balance).where(Member.id == a).first()
    assert row == {"points_balance": 30}
    await ledger_holds(a)


async def test_gift_events_carry_the_balance_after_each_gift() -> None:
    people = [await member(name=f"Mai {i}") for i in range(3)]
    campaign_id = await campaigns.create_campaign(
        {
            "name": "Bulk",
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 20,
            "title_vi": "Quà cho $name",
            "title_en": "A gift for $name",
            "message_vi": "Tặng bạn $points điểm",
            "message_en": "Here are $points points",
            "schedule": "once",
            "run_at": NOW - timedelta(minutes=1),
        }
    )
    await campaigns.change_status(campaign_id, "launch")
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 3
    events = await DomainEvent.select(DomainEvent.member, DomainEvent.payload).order_by(DomainEvent.member)
    payloads = [json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"] for e in events]
    assert [p["title_vi"] for p in payloads] == [f"Quà cho Mai {i}" for i in range(3)]
    assert all(p["balance"] == 20 and p["points"] == 20 for p in payloads)
    assert [e["member"] for e in events] == people


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
    from loyalty import segments
    from loyalty.segment_filters import compile_filter

    await member(name="no stats row yet")
    compiled = compile_filter(definition)
    assert ("COALESCE" in compiled.sql) == without_stats_row
    shown = await segments.preview(definition, now=NOW)
    assert shown.count == (1 if without_stats_row else 0)


async def test_points_gift_rows_are_written_once_given_with_their_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty import campaign_fanout
    from loyalty.campaign_tables import CampaignGift
    from loyalty.tables import LedgerEntry

    monkeypatch.setattr(campaign_fanout, "GIVE_BATCH", 2)
    people = [await member(name=f"Hoa {i}") for i in range(5)]
    campaign_id = await campaigns.create_campaign(
        {
            "name": "Once",
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 7,
            "title_vi": "Quà cho $name",
            "title_en": "A gift for $name",
            "message_vi": "Tặng bạn $points điểm",
            "message_en": "Here are $points points",
            "schedule": "once",
            "run_at": NOW - timedelta(minutes=1),
        }
    )
    await campaigns.change_status(campaign_id, "launch")
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
        assert entry["reference"] == f"campaign-gift:{g['id']}"
    report = await check(progress=False)
    assert report.ok, report.breaches


@pytest.mark.sqlite_only
async def test_the_larger_bulk_cache_is_put_back_on_the_connection() -> None:
    from loyalty.bulk_ledger import BULK_CACHE_KIB, fetch, larger_cache

    async with write_transaction():
        before = (await fetch("PRAGMA cache_size"))[0]["cache_size"]
        async with larger_cache():
            assert (await fetch("PRAGMA cache_size"))[0]["cache_size"] == -BULK_CACHE_KIB
        assert (await fetch("PRAGMA cache_size"))[0]["cache_size"] == before
