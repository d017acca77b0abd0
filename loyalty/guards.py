"""Database-enforced rules and indexes that Piccolo cannot declare portably.

A CHECK becomes a real constraint on PostgreSQL and a pair of BEFORE INSERT/UPDATE triggers
on SQLite (which cannot ALTER TABLE … ADD CONSTRAINT); a multi-column UNIQUE becomes a unique
index on both; a partial index (``WHERE …``) is the same statement on both. Migrations call
:func:`install` with the rules they introduce, so each rule is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckRule:
    table: str
    name: str
    condition: str  # SQL over the row's columns, valid on both engines


@dataclass(frozen=True)
class UniqueRule:
    table: str
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class PartialIndex:
    table: str
    name: str
    columns: tuple[str, ...]
    where: str  # SQL over the row's columns, valid on both engines


Rule = CheckRule | UniqueRule | PartialIndex


def statements(rules: list[Rule], *, sqlite: bool) -> list[str]:
    sql: list[str] = []
    for rule in rules:
        if isinstance(rule, PartialIndex):
            cols = ", ".join(f'"{c}"' for c in rule.columns)
            sql.append(f'CREATE INDEX IF NOT EXISTS "{rule.name}" ON "{rule.table}" ({cols}) WHERE {rule.where}')
        elif isinstance(rule, UniqueRule):
            cols = ", ".join(f'"{c}"' for c in rule.columns)
            sql.append(f'CREATE UNIQUE INDEX IF NOT EXISTS "{rule.name}" ON "{rule.table}" ({cols})')
        elif sqlite:
            new_row = _qualify(rule.condition)
            for event in ("INSERT", "UPDATE"):
                sql.append(
                    f'CREATE TRIGGER IF NOT EXISTS "{rule.name}_{event.lower()}" '
                    f'BEFORE {event} ON "{rule.table}" FOR EACH ROW WHEN NOT ({new_row}) '
                    f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {rule.name}'); END"
                )
        else:
            sql.append(f'ALTER TABLE "{rule.table}" ADD CONSTRAINT "{rule.name}" CHECK ({rule.condition})')
    return sql


def merged_sqlite_triggers(rules: list[Rule]) -> list[str]:
    """SQLite: one trigger per table and event holding all of the table's CHECK rules, in place of
    one trigger per rule. Each trigger call costs more than the conditions it tests (a fan-out of a
    million gifts paid seconds for the second trigger on the ledger and lot tables). Pass every
    CHECK rule of each table concerned: the merged trigger is rebuilt from exactly these."""
    tables: dict[str, list[CheckRule]] = {}
    for rule in rules:
        if isinstance(rule, CheckRule):
            tables.setdefault(rule.table, []).append(rule)
    sql: list[str] = []
    for table, checks in tables.items():
        for event in ("INSERT", "UPDATE"):
            sql.extend(f'DROP TRIGGER IF EXISTS "{rule.name}_{event.lower()}"' for rule in checks)
            name = f"{table}_checks_{event.lower()}"
            sql.append(f'DROP TRIGGER IF EXISTS "{name}"')
            when = " OR ".join(f"NOT ({_qualify(rule.condition)})" for rule in checks)
            raises = " ".join(
                f"SELECT RAISE(ABORT, 'CHECK constraint failed: {rule.name}') WHERE NOT ({_qualify(rule.condition)});"
                for rule in checks
            )
            sql.append(
                f'CREATE TRIGGER "{name}" BEFORE {event} ON "{table}" FOR EACH ROW WHEN {when} BEGIN {raises} END'
            )
    return sql


def _qualify(condition: str) -> str:
    """A trigger's WHEN reads the row as NEW; rules quote every column as "col"."""
    parts = condition.split('"')
    return "".join(f'NEW."{part}"' if i % 2 else part for i, part in enumerate(parts))


async def install(engine: Any, rules: list[Rule]) -> None:
    from piccolo.engine.sqlite import SQLiteEngine

    for statement in statements(rules, sqlite=isinstance(engine, SQLiteEngine)):
        await engine._run_in_new_connection(statement)


LEDGER_RULES: list[Rule] = [
    CheckRule("member", "member_balance_not_negative", '"points_balance" >= 0'),
    CheckRule("ledger_entry", "ledger_balance_after_not_negative", '"balance_after" >= 0'),
    CheckRule("ledger_entry", "ledger_shortfall_not_negative", '"shortfall" >= 0'),
    CheckRule("point_lot", "lot_left_not_negative", '"points_left" >= 0'),
    CheckRule("point_lot", "lot_left_within_points", '"points_left" <= "points"'),
    CheckRule("purchase", "purchase_refund_within_amount", '"refunded_amount" <= "amount"'),
    CheckRule("purchase", "purchase_amount_positive", '"amount" > 0'),
    CheckRule("earning_rule", "earning_rule_multiplier_at_least_one", '"multiplier_pct" >= 100'),
    CheckRule("earning_rule", "earning_rule_bonus_not_negative", '"bonus_points" >= 0'),
    CheckRule("tier", "tier_multiplier_at_least_one", '"earn_multiplier_pct" >= 100'),
    CheckRule("tier", "tier_threshold_not_negative", '"threshold" >= 0'),
    CheckRule("reward", "reward_cost_not_negative", '"points_cost" >= 0'),
    CheckRule("reward", "reward_stock_not_negative", '"stock_left" IS NULL OR "stock_left" >= 0'),
    UniqueRule("purchase", "purchase_store_receipt_unique", ("store", "receipt_no")),
    UniqueRule("receipt_claim", "receipt_claim_store_receipt_unique", ("store", "receipt_no")),
    UniqueRule("idempotency_record", "idempotency_scope_key_unique", ("scope", "key")),
]

CAMPAIGN_RULES: list[Rule] = [
    UniqueRule("campaign_gift", "campaign_gift_once_per_occurrence", ("campaign", "occurrence", "member")),
    UniqueRule("campaign_run", "campaign_run_key_unique", ("campaign", "key")),
    UniqueRule("vip_member", "vip_member_once_per_group", ("group", "member")),
    CheckRule("campaign", "campaign_gifts_within_cap", '"max_gifts" IS NULL OR "gifts_issued" <= "max_gifts"'),
    CheckRule("campaign", "campaign_points_within_cap", '"max_points" IS NULL OR "points_given" <= "max_points"'),
    CheckRule("campaign", "campaign_gift_points_not_negative", '"gift_points" >= 0'),
]

LANE_RULES: list[Rule] = [UniqueRule("campaign_lane", "campaign_lane_number_unique", ("run", "number"))]

NOTIFICATION_RULES: list[Rule] = [
    UniqueRule("inbox_message", "inbox_message_once_per_event_member", ("event", "member")),
    UniqueRule("delivery", "delivery_once_per_message_device", ("message", "device")),
    UniqueRule("consent", "consent_once_per_member_channel_purpose", ("member", "channel", "purpose")),
    CheckRule("delivery", "delivery_attempts_not_negative", '"attempts" >= 0'),
    CheckRule("delivery", "delivery_status_known", "\"status\" IN ('pending', 'sent', 'failed', 'held', 'skipped')"),
]

COMPLAINT_RULES: list[Rule] = [
    CheckRule("complaint", "complaint_rating_in_range", '"rating_score" IS NULL OR "rating_score" BETWEEN 1 AND 5'),
    CheckRule(
        "complaint",
        "complaint_status_known",
        "\"status\" IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed')",
    ),
    CheckRule("complaint", "complaint_priority_known", "\"priority\" IN ('low', 'normal', 'high', 'urgent')"),
    CheckRule("complaint_compensation", "complaint_compensation_points_not_negative", '"points" >= 0'),
    CheckRule(
        "complaint_sla", "complaint_sla_targets_positive", '"first_response_minutes" > 0 AND "resolution_minutes" > 0'
    ),
]

# Indexes on the values that are set only: most ledger entries have no store, terminal or staff,
# and most gifts no voucher, so a fan-out of a million gifts adds nothing to these. A lookup
# ``col = value`` implies ``col IS NOT NULL``, which both engines know, so they still serve it.
LEAN_INDEXES: list[Rule] = [
    PartialIndex("ledger_entry", "ledger_entry_store_set", ("store",), '"store" IS NOT NULL'),
    PartialIndex("ledger_entry", "ledger_entry_terminal_set", ("terminal",), '"terminal" IS NOT NULL'),
    PartialIndex("ledger_entry", "ledger_entry_staff_set", ("staff",), '"staff" IS NOT NULL'),
    PartialIndex("campaign_gift", "campaign_gift_voucher_set", ("voucher",), '"voucher" IS NOT NULL'),
    PartialIndex("campaign_gift", "campaign_gift_entry_set", ("entry",), '"entry" IS NOT NULL'),
    PartialIndex("campaign_gift", "campaign_gift_pending", ("campaign", "id"), "\"status\" = 'pending'"),
]
