"""One plausible row in every table the admin serves, and snapshots of them all.

The rows are written straight into the tables (not through the domain): the admin tests only
ask whether the admin's table API changes them, so each row needs only to satisfy the
database's own rules (foreign keys, UNIQUE, the CHECK rules of loyalty.guards).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    Column,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

_SERIAL = itertools.count(1)
# Columns whose CHECK rule accepts only known words.
_KNOWN: dict[tuple[str, str], str] = {("delivery", "status"): "pending", ("earning_rule", "kind"): "category"}


async def row_in(table: type[Table]) -> int:
    """The id of a row of ``table``, inserted (with the rows it points at) if it has none."""
    found = await table.select(table._meta.primary_key).first()
    if found is not None:
        return int(found[table._meta.primary_key._meta.name])
    if issubclass(table, BaseUser):
        n = next(_SERIAL)
        user = await BaseUser.create_user(
            username=f"someone-{n}",
            password="a-long-Passw0rd",
            email=f"someone-{n}@thanthiet.test",
            active=True,
            admin=True,
        )
        return int(user.id)
    values: dict[str, Any] = {}
    for column in table._meta.columns:
        if isinstance(column, Serial):
            continue
        values[column._meta.name] = await _value(table, column)
    row = table(**values)
    await row.save()
    return int(getattr(row, table._meta.primary_key._meta.name))


async def _value(table: type[Table], column: Column) -> Any:
    name, n = column._meta.name, next(_SERIAL)
    if (table._meta.tablename, name) in _KNOWN:
        return _KNOWN[(table._meta.tablename, name)]
    if isinstance(column, ForeignKey):
        if column._meta.null:
            return None
        return await row_in(column._foreign_key_meta.resolved_references)
    default = column.get_default_value()
    if column._meta.null and default is None:
        return None
    if isinstance(column, Varchar | Text):
        if default not in ("", None):
            return default
        return f"{name[:6]}{n}"[: getattr(column, "length", 100) or 100]
    if isinstance(column, Integer | BigInt):
        # 0 breaks "amount > 0" and SLA minutes; 1 keeps every "left <= total" rule.
        return default if default else 1
    if isinstance(column, Boolean):
        return bool(default)
    if isinstance(column, Timestamptz):
        return datetime.now(UTC)
    if isinstance(column, Date):
        return date(1990, 5, 17)
    if isinstance(column, JSON):
        return "{}"
    if isinstance(column, Bytea):
        return b"x"
    return default


async def snapshot(tables: list[type[Table]]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, secrets included, in id order."""
    return {t._meta.tablename: await t.select().order_by(t._meta.primary_key) for t in tables}
