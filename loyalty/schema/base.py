"""What every table shares: the declared id and the deletion rule.

The loyalty programme's tables.

Rows that the ledger points at are never deleted: every foreign key to them is RESTRICT and
indexed. A member's ``points_balance`` is owned by ``loyalty.points`` alone; ``LedgerEntry``
rows are append-only. CHECK rules, multi-column UNIQUE rules and partial indexes are literal
SQL in the baseline's rules migration (``loyalty/piccolo_migrations/…_000001.py``): on SQLite,
which cannot add a constraint with ALTER TABLE, CHECK rules are triggers; on PostgreSQL real
constraints. ``tests/loyalty/test_guards.py`` lists them all and checks the database has them.

Ids: a table whose rows come from members' activity (an earn, a message, a change written with
an event) grows without bound and takes 64-bit ids (:class:`BigKeyed`, PostgreSQL ``bigint``);
a table of set-up or of one row per member (stores, tiers, rewards, campaigns, members) keeps
32-bit ids (:class:`Keyed`). ``loyalty.ids.WIDE_TABLES`` lists the first kind; Piccolo makes every
foreign key to them ``bigint`` too, and a test on PostgreSQL checks that nothing refers to them
with a narrower column.
"""

from __future__ import annotations

from piccolo.columns import BigSerial, OnDelete, Serial

RESTRICT = OnDelete.restrict
SET_NULL = OnDelete.set_null


class Keyed:
    """Mixin: the serial ``id`` Piccolo adds anyway, declared so type checkers see it."""

    id = Serial(primary_key=True)


class BigKeyed:
    """Mixin: a 64-bit serial ``id``, for the tables that grow with members' activity."""

    id = BigSerial(primary_key=True)
