"""The words of the segment filter language: its fields, their SQL and the operators each allows.

Staff name a field; this list says which SQL expression it reads (``member m``, or
``member_stats s`` for a statistics field), what kind of value it compares with and which
operators make sense for it, and the checks a value passes before it is bound. Nothing outside
this list can reach the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from loyalty.db import month_of
from loyalty.errors import InvalidInput

COMPARE = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in")
RANGE = ("eq", "lt", "lte", "gt", "gte", "between")
CHOICE = ("eq", "ne", "in", "not_in")
TEXT = ("eq", "ne", "in", "not_in", "contains")
BOOL = ("eq",)
# Stands for the birthday's month in an expression: the SQL for it depends on the engine, which
# is only known once the database is configured, after this module is imported.
BIRTHDAY_MONTH = "{month}"
MAX_INT = 10**13


class InvalidFilter(InvalidInput):
    code = "invalid_filter"
    title = "The segment filter is not valid"


class Kind(StrEnum):
    """What a field's value is, and so how a condition on it is checked and compiled."""

    INT = "int"
    DAYS = "days"  # days since a timestamp
    YEARS = "years"  # whole years since a date (age)
    CHOICE = "choice"
    TEXT = "text"
    BOOL = "bool"
    TIER = "tier"  # a tier code
    VIP = "vip"  # a VIP group's name


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    expression: str
    ops: tuple[str, ...]
    stats: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    # A statistics column read through COALESCE(column, missing): when ``missing`` cannot match
    # the condition, the bare column is compared instead (same members, and an index can be used).
    column: str = ""
    missing: Any = None

    def sql(self) -> str:
        """The field's SQL expression on the engine configured now."""
        return self.expression.replace(BIRTHDAY_MONTH, month_of("m.birthday"))


def _fields() -> dict[str, Field]:
    stat_ints = {
        "visits_90d": "receipts in the last 90 days",
        "spend_90d": "đồng spent in the last 90 days",
        "visits_12m": "receipts in the last 12 months",
        "spend_12m": "đồng spent in the last 12 months",
        "visits_total": "receipts ever",
        "spend_total": "đồng spent ever",
        "avg_basket": "average receipt over 12 months (đồng)",
    }
    fields = [
        Field(
            "age", Kind.YEARS, "m.birthday", RANGE, doc="age in whole years (members without a birthday never match)"
        ),
        Field("gender", Kind.CHOICE, "m.gender", CHOICE, choices=("female", "male", "other")),
        Field("city", Kind.TEXT, "m.city", TEXT),
        Field("locale", Kind.CHOICE, "m.locale", CHOICE, choices=("vi", "en")),
        Field("member_since_days", Kind.DAYS, "m.created_at", RANGE, doc="days since joining"),
        Field("birthday_month", Kind.INT, BIRTHDAY_MONTH, COMPARE, doc="1-12"),
        Field("birthday_this_month", Kind.BOOL, BIRTHDAY_MONTH, BOOL, doc="birthday in the current month"),
        Field("tier", Kind.TIER, "m.tier", CHOICE, doc="tier code"),
        Field("vip_group", Kind.VIP, "m.id", CHOICE, doc="name of a VIP group"),
        Field("in_vip_group", Kind.BOOL, "m.id", BOOL, doc="member of any VIP group"),
        Field(
            "channel",
            Kind.CHOICE,
            "COALESCE(s.channel, 'none')",
            CHOICE,
            True,
            ("none", "till", "claim", "both"),
            column="s.channel",
            missing="none",
        ),
        Field("days_since_last_visit", Kind.DAYS, "s.last_purchase_at", RANGE, True, doc="never bought: no match"),
        Field("days_since_first_visit", Kind.DAYS, "s.first_purchase_at", RANGE, True),
        Field("recency_score", Kind.INT, "s.recency_score", COMPARE, True, doc="1-5, none without purchases"),
        Field("frequency_score", Kind.INT, "s.frequency_score", COMPARE, True),
        Field("monetary_score", Kind.INT, "s.monetary_score", COMPARE, True),
    ]
    fields += [
        Field(n, Kind.INT, f"COALESCE(s.{n}, 0)", COMPARE, True, doc=d, column=f"s.{n}", missing=0)
        for n, d in stat_ints.items()
    ]
    return {f.name: f for f in fields}


FIELDS = _fields()


def int_value(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INT:
        raise InvalidFilter(f"{where}: value must be a whole number from 0 to {MAX_INT}")
    return value


def text_value(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidFilter(f"{where}: value must be a text of 1-200 characters")
    return value.strip()


def choice_value(spec: Field) -> Callable[[Any, str], Any]:
    def check(value: Any, where: str) -> str:
        if value not in spec.choices:
            raise InvalidFilter(f"{where}: value must be one of {', '.join(spec.choices)}, not {value!r}")
        return str(value)

    return check
