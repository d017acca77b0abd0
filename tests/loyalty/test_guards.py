"""Rules the database itself enforces, on both engines."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from loyalty.members.accounts import record_member
from loyalty.schema import LedgerEntry, Member, PointLot
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.support.schema import Snapshot, snapshot


async def test_a_negative_balance_is_refused_by_the_database() -> None:
    member = await record_member("0901234567")
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        await Member.update({Member.points_balance: -1}).where(Member.id == member.id)
    again = await Member.objects().where(Member.id == member.id).first()
    assert again is not None and again.points_balance == 0


async def _entry(member_id: int, *, balance_after: int = 5, shortfall: int = 0) -> int:
    rows = await Member.raw(
        "INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, created_at, "
        "prev_hash, entry_hash) VALUES ({}, 5, 'earn', {}, {}, {}, '', CURRENT_TIMESTAMP, '', '') RETURNING id",
        member_id,
        f"ref-{balance_after}-{shortfall}",
        balance_after,
        shortfall,
    )
    return int(rows[0]["id"])


@pytest.mark.parametrize(
    ("rule", "balance_after", "shortfall"),
    [("ledger_balance_after_not_negative", -1, 0), ("ledger_shortfall_not_negative", 0, -1)],
)
async def test_each_rule_of_a_table_is_named_when_it_refuses_a_row(
    rule: str, balance_after: int, shortfall: int
) -> None:
    member = await record_member("0901234568")
    assert await _entry(member.id)  # a good row passes every rule
    with pytest.raises(Exception, match=rule):
        await _entry(member.id, balance_after=balance_after, shortfall=shortfall)
    assert await LedgerEntry.count() == 1


@pytest.mark.parametrize(("rule", "points_left"), [("lot_left_not_negative", -1), ("lot_left_within_points", 6)])
async def test_lot_rules_hold_on_update_as_on_insert(rule: str, points_left: int) -> None:
    member = await record_member("0901234569")
    entry = await _entry(member.id)
    lot = PointLot(member=member.id, entry=entry, points=5, points_left=5, expires_at=datetime.now(UTC))
    await lot.save()
    with pytest.raises(Exception, match=rule):
        await PointLot.update({PointLot.points_left: points_left}).where(PointLot.id == lot.id)
    with pytest.raises(Exception, match=rule):
        await PointLot(
            member=member.id, entry=entry, points=5, points_left=points_left, expires_at=datetime.now(UTC)
        ).save()
    left = await PointLot.select(PointLot.points_left)
    assert left == [{"points_left": 5}]


# Every rule the migrations install that Piccolo cannot declare, written down once more as the
# list a reader looks up (the migrations hold the SQL; a rule is added by a new migration and here).
CHECK_RULES: dict[str, list[str]] = {
    "member": ["member_balance_not_negative"],
    "ledger_entry": ["ledger_balance_after_not_negative", "ledger_shortfall_not_negative"],
    "point_lot": ["lot_left_not_negative", "lot_left_within_points"],
    "purchase": ["purchase_refund_within_amount", "purchase_amount_positive"],
    "earning_rule": ["earning_rule_multiplier_at_least_one", "earning_rule_bonus_not_negative"],
    "tier": ["tier_multiplier_at_least_one", "tier_threshold_not_negative"],
    "reward": ["reward_cost_not_negative", "reward_stock_not_negative"],
    "campaign": ["campaign_gifts_within_cap", "campaign_points_within_cap", "campaign_gift_points_not_negative"],
    "complaint": ["complaint_rating_in_range", "complaint_status_known", "complaint_priority_known"],
    "complaint_compensation": ["complaint_compensation_points_not_negative"],
    "complaint_sla": ["complaint_sla_targets_positive"],
    "delivery": ["delivery_attempts_not_negative", "delivery_status_known"],
}
UNIQUE_RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("purchase", "purchase_store_receipt_unique", ("store", "receipt_no")),
    ("receipt_claim", "receipt_claim_store_receipt_unique", ("store", "receipt_no")),
    ("idempotency_record", "idempotency_scope_key_unique", ("scope", "key")),
    ("campaign_gift", "campaign_gift_once_per_occurrence", ("campaign", "occurrence", "member")),
    ("campaign_run", "campaign_run_key_unique", ("campaign", "key")),
    ("vip_member", "vip_member_once_per_group", ("group", "member")),
    ("campaign_lane", "campaign_lane_number_unique", ("run", "number")),
    ("inbox_message", "inbox_message_once_per_event_member", ("event", "member")),
    ("delivery", "delivery_once_per_message_device", ("message", "device")),
    ("consent", "consent_once_per_member_channel_purpose", ("member", "channel", "purpose")),
]
# Indexes on the values that are set only (most entries have no store, most gifts no voucher).
PARTIAL_INDEXES: list[tuple[str, str, tuple[str, ...]]] = [
    ("ledger_entry", "ledger_entry_store_set", ("store",)),
    ("ledger_entry", "ledger_entry_terminal_set", ("terminal",)),
    ("ledger_entry", "ledger_entry_staff_set", ("staff",)),
    ("campaign_gift", "campaign_gift_voucher_set", ("voucher",)),
    ("campaign_gift", "campaign_gift_entry_set", ("entry",)),
    ("campaign_gift", "campaign_gift_pending", ("campaign", "id")),
    ("member", "member_erased_tier", ("tier",)),  # the erased members, few, off the dashboard's counts
]


def _rules_named(triggers: dict[str, str], event: str) -> set[str]:
    return {
        rule
        for sql in triggers.values()
        if f" BEFORE {event} ON " in sql
        for rule in re.findall(r"CHECK constraint failed: (\w+)", sql)
    }


def _index_columns(schema: Snapshot, table: str, name: str) -> tuple[bool, tuple[str, ...], bool]:
    """(unique, columns, partial) of an index, on either engine."""
    index = schema[table]["indexes"][name]
    if isinstance(index, dict):  # SQLite
        return index["unique"], index["columns"], index["partial"]
    definition = index.replace('"', "")
    columns = definition[definition.index("(") + 1 : definition.index(")")]
    return definition.startswith("CREATE UNIQUE"), tuple(columns.split(", ")), " WHERE " in definition


async def test_the_database_holds_every_rule_listed_and_no_check_rule_that_is_not() -> None:
    schema = await snapshot(DATABASE_URL)
    found: dict[str, set[str]] = {}
    for table, parts in schema.items():
        if IS_POSTGRES:
            found[table] = {name for name, c in parts["constraints"].items() if c["kind"] == "c"}
        else:
            # SQLite has no ALTER TABLE … ADD CONSTRAINT: BEFORE INSERT and BEFORE UPDATE triggers
            # each name every rule they refuse a row for, and both events must test every rule.
            inserts, updates = (_rules_named(parts["triggers"], event) for event in ("INSERT", "UPDATE"))
            assert inserts == updates, table
            found[table] = inserts
    assert {table: names for table, names in found.items() if names} == {
        table: set(names) for table, names in CHECK_RULES.items()
    }
    for table, name, columns in UNIQUE_RULES:
        assert _index_columns(schema, table, name) == (True, columns, False), name
    for table, name, columns in PARTIAL_INDEXES:
        assert _index_columns(schema, table, name) == (False, columns, True), name
