"""Complaints: guards, and the default categories and SLA targets (see loyalty.complaints)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine
from loyalty.guards import COMPLAINT_RULES, install

ID = "2026-11-22T19:34:09:456164"
VERSION = "1.38.0"
DESCRIPTION = "complaint guards and defaults"

# Copied values (not imported) so this migration never changes with the code.
CATEGORIES = [
    ("product_quality", "Chất lượng sản phẩm", "Product quality"),
    ("service_attitude", "Thái độ phục vụ", "Service attitude"),
    ("points_voucher", "Điểm / voucher", "Points or voucher problem"),
    ("app_problem", "Lỗi ứng dụng", "App problem"),
    ("pricing", "Giá cả", "Pricing"),
    ("other", "Khác", "Other"),
]
TARGETS = [("low", 2880, 20160), ("normal", 1440, 10080), ("high", 240, 4320), ("urgent", 60, 1440)]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install_guards_and_defaults() -> None:
        engine = current_engine()
        await install(engine, COMPLAINT_RULES)
        for order, (code, name_vi, name_en) in enumerate(CATEGORIES):
            await engine._run_in_new_connection(
                'INSERT INTO "complaint_categories" ("code", "name_vi", "name_en", "active", "sort_order") '
                f"SELECT '{code}', '{name_vi}', '{name_en}', true, {order} "
                f'WHERE NOT EXISTS (SELECT 1 FROM "complaint_categories" WHERE "code" = \'{code}\')'
            )
        for priority, first, resolution in TARGETS:
            await engine._run_in_new_connection(
                'INSERT INTO "complaint_sla" ("priority", "first_response_minutes", "resolution_minutes") '
                f"SELECT '{priority}', {first}, {resolution} "
                f'WHERE NOT EXISTS (SELECT 1 FROM "complaint_sla" WHERE "priority" = \'{priority}\')'
            )

    manager.add_raw(install_guards_and_defaults)
    return manager
