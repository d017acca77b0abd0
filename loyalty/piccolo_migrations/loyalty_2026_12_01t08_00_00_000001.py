"""Baseline of the loyalty app, part 2: the rules Piccolo cannot declare, as literal SQL.

* CHECK rules: real constraints on PostgreSQL; on SQLite, which cannot add a constraint to an
  existing table, one BEFORE INSERT and one BEFORE UPDATE trigger per table testing all of that
  table's rules (a trigger call costs more than the conditions it tests: a fan-out of a million
  gifts paid seconds for a second trigger on the ledger and lot tables). Each refusal names its
  rule, "CHECK constraint failed: <rule>", on both engines.
* Multi-column UNIQUE rules: unique indexes on both engines.
* Partial indexes on the values that are set only: most ledger entries have no store, terminal
  or staff, and most gifts no voucher, so a fan-out of a million gifts adds nothing to these. A
  lookup ``col = value`` implies ``col IS NOT NULL``, which both planners know.
* PostgreSQL: the member table leaves half of each page free, so the balance updates of a points
  gift to everyone (and everyday earns) stay HOT: no index entries written, no table growth.
* Seed data: the complaint categories and SLA targets (copied values, so this never changes).

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T08:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "baseline: rules, partial indexes, seed data"

UNIQUE_AND_PARTIAL_INDEXES = [
    'CREATE UNIQUE INDEX "purchase_store_receipt_unique" ON "purchase" ("store", "receipt_no")',
    'CREATE UNIQUE INDEX "receipt_claim_store_receipt_unique" ON "receipt_claim" ("store", "receipt_no")',
    'CREATE UNIQUE INDEX "idempotency_scope_key_unique" ON "idempotency_record" ("scope", "key")',
    'CREATE UNIQUE INDEX "campaign_gift_once_per_occurrence" ON "campaign_gift" ("campaign", "occurrence", "member")',
    'CREATE UNIQUE INDEX "campaign_run_key_unique" ON "campaign_run" ("campaign", "key")',
    'CREATE UNIQUE INDEX "vip_member_once_per_group" ON "vip_member" ("group", "member")',
    'CREATE UNIQUE INDEX "campaign_lane_number_unique" ON "campaign_lane" ("run", "number")',
    'CREATE INDEX "ledger_entry_store_set" ON "ledger_entry" ("store") WHERE "store" IS NOT NULL',
    'CREATE INDEX "ledger_entry_terminal_set" ON "ledger_entry" ("terminal") WHERE "terminal" IS NOT NULL',
    'CREATE INDEX "ledger_entry_staff_set" ON "ledger_entry" ("staff") WHERE "staff" IS NOT NULL',
    'CREATE INDEX "campaign_gift_voucher_set" ON "campaign_gift" ("voucher") WHERE "voucher" IS NOT NULL',
    'CREATE INDEX "campaign_gift_entry_set" ON "campaign_gift" ("entry") WHERE "entry" IS NOT NULL',
    "CREATE INDEX \"campaign_gift_pending\" ON \"campaign_gift\" (\"campaign\", \"id\") WHERE \"status\" = 'pending'",
]
DROP_INDEXES = [
    'DROP INDEX "purchase_store_receipt_unique"',
    'DROP INDEX "receipt_claim_store_receipt_unique"',
    'DROP INDEX "idempotency_scope_key_unique"',
    'DROP INDEX "campaign_gift_once_per_occurrence"',
    'DROP INDEX "campaign_run_key_unique"',
    'DROP INDEX "vip_member_once_per_group"',
    'DROP INDEX "campaign_lane_number_unique"',
    'DROP INDEX "ledger_entry_store_set"',
    'DROP INDEX "ledger_entry_terminal_set"',
    'DROP INDEX "ledger_entry_staff_set"',
    'DROP INDEX "campaign_gift_voucher_set"',
    'DROP INDEX "campaign_gift_entry_set"',
    'DROP INDEX "campaign_gift_pending"',
]

POSTGRES_CHECKS = [
    'ALTER TABLE "member" ADD CONSTRAINT "member_balance_not_negative" CHECK ("points_balance" >= 0)',
    'ALTER TABLE "ledger_entry" ADD CONSTRAINT "ledger_balance_after_not_negative" CHECK ("balance_after" >= 0)',
    'ALTER TABLE "ledger_entry" ADD CONSTRAINT "ledger_shortfall_not_negative" CHECK ("shortfall" >= 0)',
    'ALTER TABLE "point_lot" ADD CONSTRAINT "lot_left_not_negative" CHECK ("points_left" >= 0)',
    'ALTER TABLE "point_lot" ADD CONSTRAINT "lot_left_within_points" CHECK ("points_left" <= "points")',
    'ALTER TABLE "purchase" ADD CONSTRAINT "purchase_refund_within_amount" CHECK ("refunded_amount" <= "amount")',
    'ALTER TABLE "purchase" ADD CONSTRAINT "purchase_amount_positive" CHECK ("amount" > 0)',
    'ALTER TABLE "earning_rule" ADD CONSTRAINT "earning_rule_multiplier_at_least_one" CHECK ("multiplier_pct" >= 100)',
    'ALTER TABLE "earning_rule" ADD CONSTRAINT "earning_rule_bonus_not_negative" CHECK ("bonus_points" >= 0)',
    'ALTER TABLE "tier" ADD CONSTRAINT "tier_multiplier_at_least_one" CHECK ("earn_multiplier_pct" >= 100)',
    'ALTER TABLE "tier" ADD CONSTRAINT "tier_threshold_not_negative" CHECK ("threshold" >= 0)',
    'ALTER TABLE "reward" ADD CONSTRAINT "reward_cost_not_negative" CHECK ("points_cost" >= 0)',
    'ALTER TABLE "reward" ADD CONSTRAINT "reward_stock_not_negative" CHECK ("stock_left" IS NULL OR "stock_left" >= 0)',
    'ALTER TABLE "campaign" ADD CONSTRAINT "campaign_gifts_within_cap" '
    'CHECK ("max_gifts" IS NULL OR "gifts_issued" <= "max_gifts")',
    'ALTER TABLE "campaign" ADD CONSTRAINT "campaign_points_within_cap" '
    'CHECK ("max_points" IS NULL OR "points_given" <= "max_points")',
    'ALTER TABLE "campaign" ADD CONSTRAINT "campaign_gift_points_not_negative" CHECK ("gift_points" >= 0)',
    'ALTER TABLE "complaint" ADD CONSTRAINT "complaint_rating_in_range" '
    'CHECK ("rating_score" IS NULL OR "rating_score" BETWEEN 1 AND 5)',
    'ALTER TABLE "complaint" ADD CONSTRAINT "complaint_status_known" '
    "CHECK (\"status\" IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed'))",
    'ALTER TABLE "complaint" ADD CONSTRAINT "complaint_priority_known" '
    "CHECK (\"priority\" IN ('low', 'normal', 'high', 'urgent'))",
    'ALTER TABLE "complaint_compensation" ADD CONSTRAINT "complaint_compensation_points_not_negative" '
    'CHECK ("points" >= 0)',
    'ALTER TABLE "complaint_sla" ADD CONSTRAINT "complaint_sla_targets_positive" '
    'CHECK ("first_response_minutes" > 0 AND "resolution_minutes" > 0)',
    "ALTER TABLE \"member\" SET (fillfactor = 50)",
]
POSTGRES_DROP_CHECKS = [
    'ALTER TABLE "member" RESET (fillfactor)',
    'ALTER TABLE "complaint_sla" DROP CONSTRAINT "complaint_sla_targets_positive"',
    'ALTER TABLE "complaint_compensation" DROP CONSTRAINT "complaint_compensation_points_not_negative"',
    'ALTER TABLE "complaint" DROP CONSTRAINT "complaint_priority_known"',
    'ALTER TABLE "complaint" DROP CONSTRAINT "complaint_status_known"',
    'ALTER TABLE "complaint" DROP CONSTRAINT "complaint_rating_in_range"',
    'ALTER TABLE "campaign" DROP CONSTRAINT "campaign_gift_points_not_negative"',
    'ALTER TABLE "campaign" DROP CONSTRAINT "campaign_points_within_cap"',
    'ALTER TABLE "campaign" DROP CONSTRAINT "campaign_gifts_within_cap"',
    'ALTER TABLE "reward" DROP CONSTRAINT "reward_stock_not_negative"',
    'ALTER TABLE "reward" DROP CONSTRAINT "reward_cost_not_negative"',
    'ALTER TABLE "tier" DROP CONSTRAINT "tier_threshold_not_negative"',
    'ALTER TABLE "tier" DROP CONSTRAINT "tier_multiplier_at_least_one"',
    'ALTER TABLE "earning_rule" DROP CONSTRAINT "earning_rule_bonus_not_negative"',
    'ALTER TABLE "earning_rule" DROP CONSTRAINT "earning_rule_multiplier_at_least_one"',
    'ALTER TABLE "purchase" DROP CONSTRAINT "purchase_amount_positive"',
    'ALTER TABLE "purchase" DROP CONSTRAINT "purchase_refund_within_amount"',
    'ALTER TABLE "point_lot" DROP CONSTRAINT "lot_left_within_points"',
    'ALTER TABLE "point_lot" DROP CONSTRAINT "lot_left_not_negative"',
    'ALTER TABLE "ledger_entry" DROP CONSTRAINT "ledger_shortfall_not_negative"',
    'ALTER TABLE "ledger_entry" DROP CONSTRAINT "ledger_balance_after_not_negative"',
    'ALTER TABLE "member" DROP CONSTRAINT "member_balance_not_negative"',
]

# SQLite: one trigger per table and event tests all of that table's rules.
SQLITE_TRIGGERS = [
    '''CREATE TRIGGER "member_checks_insert" BEFORE INSERT ON "member" FOR EACH ROW
    WHEN NOT (NEW."points_balance" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: member_balance_not_negative') WHERE NOT (NEW."points_balance" >= 0);
    END''',
    '''CREATE TRIGGER "member_checks_update" BEFORE UPDATE ON "member" FOR EACH ROW
    WHEN NOT (NEW."points_balance" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: member_balance_not_negative') WHERE NOT (NEW."points_balance" >= 0);
    END''',
    '''CREATE TRIGGER "ledger_entry_checks_insert" BEFORE INSERT ON "ledger_entry" FOR EACH ROW
    WHEN NOT (NEW."balance_after" >= 0) OR NOT (NEW."shortfall" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_balance_after_not_negative') WHERE NOT (NEW."balance_after" >= 0);
        SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_shortfall_not_negative') WHERE NOT (NEW."shortfall" >= 0);
    END''',
    '''CREATE TRIGGER "ledger_entry_checks_update" BEFORE UPDATE ON "ledger_entry" FOR EACH ROW
    WHEN NOT (NEW."balance_after" >= 0) OR NOT (NEW."shortfall" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_balance_after_not_negative') WHERE NOT (NEW."balance_after" >= 0);
        SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_shortfall_not_negative') WHERE NOT (NEW."shortfall" >= 0);
    END''',
    '''CREATE TRIGGER "point_lot_checks_insert" BEFORE INSERT ON "point_lot" FOR EACH ROW
    WHEN NOT (NEW."points_left" >= 0) OR NOT (NEW."points_left" <= NEW."points")
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: lot_left_not_negative') WHERE NOT (NEW."points_left" >= 0);
        SELECT RAISE(ABORT, 'CHECK constraint failed: lot_left_within_points') WHERE NOT (NEW."points_left" <= NEW."points");
    END''',
    '''CREATE TRIGGER "point_lot_checks_update" BEFORE UPDATE ON "point_lot" FOR EACH ROW
    WHEN NOT (NEW."points_left" >= 0) OR NOT (NEW."points_left" <= NEW."points")
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: lot_left_not_negative') WHERE NOT (NEW."points_left" >= 0);
        SELECT RAISE(ABORT, 'CHECK constraint failed: lot_left_within_points') WHERE NOT (NEW."points_left" <= NEW."points");
    END''',
    '''CREATE TRIGGER "purchase_checks_insert" BEFORE INSERT ON "purchase" FOR EACH ROW
    WHEN NOT (NEW."refunded_amount" <= NEW."amount") OR NOT (NEW."amount" > 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: purchase_refund_within_amount') WHERE NOT (NEW."refunded_amount" <= NEW."amount");
        SELECT RAISE(ABORT, 'CHECK constraint failed: purchase_amount_positive') WHERE NOT (NEW."amount" > 0);
    END''',
    '''CREATE TRIGGER "purchase_checks_update" BEFORE UPDATE ON "purchase" FOR EACH ROW
    WHEN NOT (NEW."refunded_amount" <= NEW."amount") OR NOT (NEW."amount" > 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: purchase_refund_within_amount') WHERE NOT (NEW."refunded_amount" <= NEW."amount");
        SELECT RAISE(ABORT, 'CHECK constraint failed: purchase_amount_positive') WHERE NOT (NEW."amount" > 0);
    END''',
    '''CREATE TRIGGER "earning_rule_checks_insert" BEFORE INSERT ON "earning_rule" FOR EACH ROW
    WHEN NOT (NEW."multiplier_pct" >= 100) OR NOT (NEW."bonus_points" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: earning_rule_multiplier_at_least_one') WHERE NOT (NEW."multiplier_pct" >= 100);
        SELECT RAISE(ABORT, 'CHECK constraint failed: earning_rule_bonus_not_negative') WHERE NOT (NEW."bonus_points" >= 0);
    END''',
    '''CREATE TRIGGER "earning_rule_checks_update" BEFORE UPDATE ON "earning_rule" FOR EACH ROW
    WHEN NOT (NEW."multiplier_pct" >= 100) OR NOT (NEW."bonus_points" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: earning_rule_multiplier_at_least_one') WHERE NOT (NEW."multiplier_pct" >= 100);
        SELECT RAISE(ABORT, 'CHECK constraint failed: earning_rule_bonus_not_negative') WHERE NOT (NEW."bonus_points" >= 0);
    END''',
    '''CREATE TRIGGER "tier_checks_insert" BEFORE INSERT ON "tier" FOR EACH ROW
    WHEN NOT (NEW."earn_multiplier_pct" >= 100) OR NOT (NEW."threshold" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: tier_multiplier_at_least_one') WHERE NOT (NEW."earn_multiplier_pct" >= 100);
        SELECT RAISE(ABORT, 'CHECK constraint failed: tier_threshold_not_negative') WHERE NOT (NEW."threshold" >= 0);
    END''',
    '''CREATE TRIGGER "tier_checks_update" BEFORE UPDATE ON "tier" FOR EACH ROW
    WHEN NOT (NEW."earn_multiplier_pct" >= 100) OR NOT (NEW."threshold" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: tier_multiplier_at_least_one') WHERE NOT (NEW."earn_multiplier_pct" >= 100);
        SELECT RAISE(ABORT, 'CHECK constraint failed: tier_threshold_not_negative') WHERE NOT (NEW."threshold" >= 0);
    END''',
    '''CREATE TRIGGER "reward_checks_insert" BEFORE INSERT ON "reward" FOR EACH ROW
    WHEN NOT (NEW."points_cost" >= 0) OR NOT (NEW."stock_left" IS NULL OR NEW."stock_left" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: reward_cost_not_negative') WHERE NOT (NEW."points_cost" >= 0);
        SELECT RAISE(ABORT, 'CHECK constraint failed: reward_stock_not_negative') WHERE NOT (NEW."stock_left" IS NULL OR NEW."stock_left" >= 0);
    END''',
    '''CREATE TRIGGER "reward_checks_update" BEFORE UPDATE ON "reward" FOR EACH ROW
    WHEN NOT (NEW."points_cost" >= 0) OR NOT (NEW."stock_left" IS NULL OR NEW."stock_left" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: reward_cost_not_negative') WHERE NOT (NEW."points_cost" >= 0);
        SELECT RAISE(ABORT, 'CHECK constraint failed: reward_stock_not_negative') WHERE NOT (NEW."stock_left" IS NULL OR NEW."stock_left" >= 0);
    END''',
    '''CREATE TRIGGER "campaign_checks_insert" BEFORE INSERT ON "campaign" FOR EACH ROW
    WHEN NOT (NEW."max_gifts" IS NULL OR NEW."gifts_issued" <= NEW."max_gifts") OR NOT (NEW."max_points" IS NULL OR NEW."points_given" <= NEW."max_points") OR NOT (NEW."gift_points" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: campaign_gifts_within_cap') WHERE NOT (NEW."max_gifts" IS NULL OR NEW."gifts_issued" <= NEW."max_gifts");
        SELECT RAISE(ABORT, 'CHECK constraint failed: campaign_points_within_cap') WHERE NOT (NEW."max_points" IS NULL OR NEW."points_given" <= NEW."max_points");
        SELECT RAISE(ABORT, 'CHECK constraint failed: campaign_gift_points_not_negative') WHERE NOT (NEW."gift_points" >= 0);
    END''',
    '''CREATE TRIGGER "campaign_checks_update" BEFORE UPDATE ON "campaign" FOR EACH ROW
    WHEN NOT (NEW."max_gifts" IS NULL OR NEW."gifts_issued" <= NEW."max_gifts") OR NOT (NEW."max_points" IS NULL OR NEW."points_given" <= NEW."max_points") OR NOT (NEW."gift_points" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: campaign_gifts_within_cap') WHERE NOT (NEW."max_gifts" IS NULL OR NEW."gifts_issued" <= NEW."max_gifts");
        SELECT RAISE(ABORT, 'CHECK constraint failed: campaign_points_within_cap') WHERE NOT (NEW."max_points" IS NULL OR NEW."points_given" <= NEW."max_points");
        SELECT RAISE(ABORT, 'CHECK constraint failed: campaign_gift_points_not_negative') WHERE NOT (NEW."gift_points" >= 0);
    END''',
    '''CREATE TRIGGER "complaint_checks_insert" BEFORE INSERT ON "complaint" FOR EACH ROW
    WHEN NOT (NEW."rating_score" IS NULL OR NEW."rating_score" BETWEEN 1 AND 5) OR NOT (NEW."status" IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed')) OR NOT (NEW."priority" IN ('low', 'normal', 'high', 'urgent'))
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_rating_in_range') WHERE NOT (NEW."rating_score" IS NULL OR NEW."rating_score" BETWEEN 1 AND 5);
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_status_known') WHERE NOT (NEW."status" IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed'));
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_priority_known') WHERE NOT (NEW."priority" IN ('low', 'normal', 'high', 'urgent'));
    END''',
    '''CREATE TRIGGER "complaint_checks_update" BEFORE UPDATE ON "complaint" FOR EACH ROW
    WHEN NOT (NEW."rating_score" IS NULL OR NEW."rating_score" BETWEEN 1 AND 5) OR NOT (NEW."status" IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed')) OR NOT (NEW."priority" IN ('low', 'normal', 'high', 'urgent'))
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_rating_in_range') WHERE NOT (NEW."rating_score" IS NULL OR NEW."rating_score" BETWEEN 1 AND 5);
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_status_known') WHERE NOT (NEW."status" IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed'));
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_priority_known') WHERE NOT (NEW."priority" IN ('low', 'normal', 'high', 'urgent'));
    END''',
    '''CREATE TRIGGER "complaint_compensation_checks_insert" BEFORE INSERT ON "complaint_compensation" FOR EACH ROW
    WHEN NOT (NEW."points" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_compensation_points_not_negative') WHERE NOT (NEW."points" >= 0);
    END''',
    '''CREATE TRIGGER "complaint_compensation_checks_update" BEFORE UPDATE ON "complaint_compensation" FOR EACH ROW
    WHEN NOT (NEW."points" >= 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_compensation_points_not_negative') WHERE NOT (NEW."points" >= 0);
    END''',
    '''CREATE TRIGGER "complaint_sla_checks_insert" BEFORE INSERT ON "complaint_sla" FOR EACH ROW
    WHEN NOT (NEW."first_response_minutes" > 0 AND NEW."resolution_minutes" > 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_sla_targets_positive') WHERE NOT (NEW."first_response_minutes" > 0 AND NEW."resolution_minutes" > 0);
    END''',
    '''CREATE TRIGGER "complaint_sla_checks_update" BEFORE UPDATE ON "complaint_sla" FOR EACH ROW
    WHEN NOT (NEW."first_response_minutes" > 0 AND NEW."resolution_minutes" > 0)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: complaint_sla_targets_positive') WHERE NOT (NEW."first_response_minutes" > 0 AND NEW."resolution_minutes" > 0);
    END''',
]
SQLITE_DROP_TRIGGERS = [
    'DROP TRIGGER "complaint_sla_checks_update"',
    'DROP TRIGGER "complaint_sla_checks_insert"',
    'DROP TRIGGER "complaint_compensation_checks_update"',
    'DROP TRIGGER "complaint_compensation_checks_insert"',
    'DROP TRIGGER "complaint_checks_update"',
    'DROP TRIGGER "complaint_checks_insert"',
    'DROP TRIGGER "campaign_checks_update"',
    'DROP TRIGGER "campaign_checks_insert"',
    'DROP TRIGGER "reward_checks_update"',
    'DROP TRIGGER "reward_checks_insert"',
    'DROP TRIGGER "tier_checks_update"',
    'DROP TRIGGER "tier_checks_insert"',
    'DROP TRIGGER "earning_rule_checks_update"',
    'DROP TRIGGER "earning_rule_checks_insert"',
    'DROP TRIGGER "purchase_checks_update"',
    'DROP TRIGGER "purchase_checks_insert"',
    'DROP TRIGGER "point_lot_checks_update"',
    'DROP TRIGGER "point_lot_checks_insert"',
    'DROP TRIGGER "ledger_entry_checks_update"',
    'DROP TRIGGER "ledger_entry_checks_insert"',
    'DROP TRIGGER "member_checks_update"',
    'DROP TRIGGER "member_checks_insert"',
]

SEED = [
    'INSERT INTO "complaint_categories" ("code", "name_vi", "name_en", "active", "sort_order") VALUES '
    "('product_quality', 'Chất lượng sản phẩm', 'Product quality', true, 0), "
    "('service_attitude', 'Thái độ phục vụ', 'Service attitude', true, 1), "
    "('points_voucher', 'Điểm / voucher', 'Points or voucher problem', true, 2), "
    "('app_problem', 'Lỗi ứng dụng', 'App problem', true, 3), "
    "('pricing', 'Giá cả', 'Pricing', true, 4), "
    "('other', 'Khác', 'Other', true, 5)",
    'INSERT INTO "complaint_sla" ("priority", "first_response_minutes", "resolution_minutes") VALUES '
    "('low', 2880, 20160), ('normal', 1440, 10080), ('high', 240, 4320), ('urgent', 60, 1440)",
]
UNSEED = [
    "DELETE FROM \"complaint_sla\" WHERE \"priority\" IN ('low', 'normal', 'high', 'urgent')",
    'DELETE FROM "complaint_categories" WHERE "code" IN '
    "('product_quality', 'service_attitude', 'points_voucher', 'app_problem', 'pricing', 'other')",
]

FORWARDS = {
    "postgres": [*POSTGRES_CHECKS, *UNIQUE_AND_PARTIAL_INDEXES, *SEED],
    "sqlite": [*SQLITE_TRIGGERS, *UNIQUE_AND_PARTIAL_INDEXES, *SEED],
}
BACKWARDS = {
    "postgres": [*UNSEED, *DROP_INDEXES, *POSTGRES_DROP_CHECKS],
    "sqlite": [*UNSEED, *DROP_INDEXES, *SQLITE_DROP_TRIGGERS],
}


async def _run(statements: dict[str, list[str]]) -> None:
    engine = engine_finder()
    if engine is None or engine.engine_type not in statements:
        raise RuntimeError(f"no statements for engine {getattr(engine, 'engine_type', None)!r}")
    for statement in statements[engine.engine_type]:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install() -> None:
        await _run(FORWARDS)

    async def uninstall() -> None:
        await _run(BACKWARDS)

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)
    return manager
