"""Row ids as the database holds them: the one bound an id from outside is checked against.

Two widths (``loyalty.schema.base``): the tables that grow with members' activity have 64-bit
ids (PostgreSQL ``bigint``, Piccolo ``BigSerial``), listed in :data:`WIDE_TABLES`; set-up tables
and members keep 32-bit ids (``integer``, ``Serial``). SQLite stores 64 bits either way, but an
id PostgreSQL cannot hold names nothing on either engine, so each id from outside (a path, a
cursor, a body) is checked against the width of the table it names: a bigger one is "not found",
never a driver's overflow error.
"""

from __future__ import annotations

ID_MIN = 1
ID_MAX = 2**31 - 1
BIG_ID_MAX = 2**63 - 1

# Tests check this is exactly the set of tables whose Table class has a BigSerial id.
WIDE_TABLES = frozenset(
    {
        "audit_log",
        "campaign_gift",
        "delivery",
        "device",
        "domain_event",
        "idempotency_record",
        "inbox_message",
        "ledger_entry",
        "lot_draw",
        "phone_code",
        "point_lot",
        "purchase",
        "receipt_claim",
        "tier_change",
        "voucher",
    }
)


def id_max(table: str) -> int:
    """The largest id ``table``'s id column holds."""
    return BIG_ID_MAX if table in WIDE_TABLES else ID_MAX


def is_row_id(value: int, table: str) -> bool:
    """Whether ``value`` could name a row of ``table``."""
    return ID_MIN <= value <= id_max(table)
