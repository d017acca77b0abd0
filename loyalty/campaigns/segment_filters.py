"""The segment filter language: validated JSON compiled to parameterised SQL.

A filter is a condition ``{"field": …, "op": …, "value": …}`` or a group ``{"and": [...]}`` /
``{"or": [...]}`` of filters (``{"and": []}`` is everyone). Fields are a fixed list (below); each
field allows some operators and a type of value. Staff never write SQL: a field name maps to an
SQL expression written here, every value is a bound parameter, and anything unknown raises
:class:`InvalidFilter` (an ``InvalidInput``, so a 4xx / a form message) naming what is wrong.

The compiled SQL reads ``member m`` and, when a statistics field is used, ``member_stats s``
(LEFT JOIN: a member without a statistics row has zero visits). Fields counted in days or years
("days since …", ``age``) are compiled into comparisons of the stored timestamp with a bound
date, so they use indexes and never go stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from loyalty.config import PROGRAMME
from loyalty.db import is_sqlite
from loyalty.errors import InvalidInput

COMPARE = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in")
RANGE = ("eq", "lt", "lte", "gt", "gte", "between")
CHOICE = ("eq", "ne", "in", "not_in")
TEXT = ("eq", "ne", "in", "not_in", "contains")
BOOL = ("eq",)
MAX_CONDITIONS = 50
MAX_DEPTH = 6
MAX_LIST = 200
MAX_INT = 10**13
SQL_OPS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


class InvalidFilter(InvalidInput):
    code = "invalid_filter"
    title = "The segment filter is not valid"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # int | days | years | choice | text | bool | tier | vip
    expression: str
    ops: tuple[str, ...]
    stats: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    # A statistics column read through COALESCE(column, missing): when ``missing`` cannot match
    # the condition, the bare column is compared instead (same members, and an index can be used).
    column: str = ""
    missing: Any = None


def _month_of(column: str) -> str:
    if is_sqlite():
        return f"CAST(strftime('%m', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"


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
        Field("age", "years", "m.birthday", RANGE, doc="age in whole years (members without a birthday never match)"),
        Field("gender", "choice", "m.gender", CHOICE, choices=("female", "male", "other")),
        Field("city", "text", "m.city", TEXT),
        Field("locale", "choice", "m.locale", CHOICE, choices=("vi", "en")),
        Field("member_since_days", "days", "m.created_at", RANGE, doc="days since joining"),
        Field("birthday_month", "int", "{month}", COMPARE, doc="1-12"),
        Field("birthday_this_month", "bool", "{month}", BOOL, doc="birthday in the current month"),
        Field("tier", "tier", "m.tier", CHOICE, doc="tier code"),
        Field("vip_group", "vip", "m.id", CHOICE, doc="name of a VIP group"),
        Field("in_vip_group", "bool", "m.id", BOOL, doc="member of any VIP group"),
        Field(
            "channel",
            "choice",
            "COALESCE(s.channel, 'none')",
            CHOICE,
            True,
            ("none", "till", "claim", "both"),
            column="s.channel",
            missing="none",
        ),
        Field("days_since_last_visit", "days", "s.last_purchase_at", RANGE, True, doc="never bought: no match"),
        Field("days_since_first_visit", "days", "s.first_purchase_at", RANGE, True),
        Field("recency_score", "int", "s.recency_score", COMPARE, True, doc="1-5, none without purchases"),
        Field("frequency_score", "int", "s.frequency_score", COMPARE, True),
        Field("monetary_score", "int", "s.monetary_score", COMPARE, True),
    ]
    fields += [
        Field(n, "int", f"COALESCE(s.{n}, 0)", COMPARE, True, doc=d, column=f"s.{n}", missing=0)
        for n, d in stat_ints.items()
    ]
    return {f.name: f for f in fields}


FIELDS = _fields()


@dataclass
class Leaf:
    """One compiled condition: its SQL (``{}`` placeholders) and arguments, for explanations."""

    text: str
    sql: str
    args: list[Any]


@dataclass
class Compiled:
    sql: str
    args: list[Any]
    stats: bool
    leaves: list[Leaf] = field(default_factory=list)
    tree: Any = None  # the validated filter, leaves replaced by their index

    def from_clause(self) -> str:
        if self.stats:
            return "member m LEFT JOIN member_stats s ON s.member = m.id"
        return "member m"


@dataclass(frozen=True)
class Context:
    now: datetime
    today: date  # in the programme's time zone

    @classmethod
    def at(cls, now: datetime | None = None) -> Context:
        now = now or datetime.now(UTC)
        return cls(now, now.astimezone(ZoneInfo(PROGRAMME.timezone)).date())


def compile_filter(definition: Any, context: Context | None = None) -> Compiled:
    """Validate ``definition`` and compile it; raises :class:`InvalidFilter` with a clear message."""
    context = context or Context.at()
    compiled = Compiled("", [], False)
    count = [0]
    compiled.sql, compiled.args, compiled.tree = _node(definition, context, compiled, count, depth=0, path="filter")
    return compiled


def _node(
    node: Any, ctx: Context, out: Compiled, count: list[int], *, depth: int, path: str
) -> tuple[str, list[Any], Any]:
    if depth > MAX_DEPTH:
        raise InvalidFilter(f"{path}: groups nest deeper than {MAX_DEPTH} levels")
    if not isinstance(node, dict):
        raise InvalidFilter(f"{path}: expected an object with field/op/value, or and/or")
    groups = [k for k in ("and", "or") if k in node]
    if groups:
        if len(node) != 1:
            raise InvalidFilter(f"{path}: a group has exactly one key, 'and' or 'or'")
        key = groups[0]
        children = node[key]
        if not isinstance(children, list):
            raise InvalidFilter(f"{path}.{key}: expected a list of conditions")
        if not children:
            if key == "or":
                raise InvalidFilter(f"{path}.or: an 'or' group needs at least one condition")
            return "1 = 1", [], {"and": []}
        parts, args, trees = [], [], []
        for i, child in enumerate(children):
            sql, child_args, tree = _node(child, ctx, out, count, depth=depth + 1, path=f"{path}.{key}[{i}]")
            parts.append(f"({sql})")
            args += child_args
            trees.append(tree)
        return f" {key.upper()} ".join(parts), args, {key: trees}
    extra = set(node) - {"field", "op", "value"}
    if extra:
        raise InvalidFilter(f"{path}: unknown key(s) {', '.join(sorted(extra))}")
    name, op = node.get("field"), node.get("op")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InvalidFilter(f"{path}: unknown field {name!r}; fields are {', '.join(sorted(FIELDS))}", field=name)
    if op not in spec.ops:
        raise InvalidFilter(
            f"{path}: operator {op!r} is not allowed for {name}; use one of {', '.join(spec.ops)}", field=name
        )
    count[0] += 1
    if count[0] > MAX_CONDITIONS:
        raise InvalidFilter(f"a filter has at most {MAX_CONDITIONS} conditions")
    sql, args = _condition(spec, str(op), node.get("value"), ctx, path)
    out.stats = out.stats or spec.stats
    out.leaves.append(Leaf(f"{name} {op} {node.get('value')!r}", sql, args))
    return sql, args, len(out.leaves) - 1


def _condition(spec: Field, op: str, value: Any, ctx: Context, path: str) -> tuple[str, list[Any]]:
    where = f"{path} ({spec.name})"
    expression = spec.expression.replace("{month}", _month_of("m.birthday"))
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidFilter(f"{where}: value must be true or false")
        if spec.name == "in_vip_group":
            sql = "EXISTS (SELECT 1 FROM vip_member vm WHERE vm.member = m.id)"
        else:
            sql = f"{expression} = {ctx.today.month}"
        return (sql if value else f"NOT ({sql}) OR m.birthday IS NULL" if "month" in spec.name else f"NOT ({sql})"), []
    if spec.kind in ("days", "years"):
        low, high = _bounds(op, value, where)
        return _since(expression, spec.kind, low, high, ctx)
    if spec.kind == "int":
        sql, args = _compare(expression, op, value, where, _int_value)
        return _without_missing(spec, op, sql, args)
    allowed: Callable[[Any, str], Any] = _choice_value(spec) if spec.kind == "choice" else _text_value
    if spec.kind == "tier":
        inner, args = _compare("t.code", "in", value, where, _text_value, op_hint=op)
        sql = f"m.tier IN (SELECT t.id FROM tier t WHERE {inner})"
        return (sql if op in ("eq", "in") else f"m.tier IS NULL OR NOT ({sql})"), args
    if spec.kind == "vip":
        inner, args = _compare("g.name", "in", value, where, _text_value, op_hint=op)
        sql = (
            'EXISTS (SELECT 1 FROM vip_member vm JOIN vip_group g ON g.id = vm."group" '
            f"WHERE vm.member = m.id AND {inner})"
        )
        return (sql if op in ("eq", "in") else f"NOT ({sql})"), args
    if op == "contains":
        text = _text_value(value, where)
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"LOWER({expression}) LIKE {{}} ESCAPE '\\'", [f"%{escaped.lower()}%"]
    if op in ("ne", "not_in"):
        # A missing value (NULL) is "not equal" too, as staff would expect.
        sql, args = _compare(expression, op, value, where, allowed)
        return f"{expression} IS NULL OR {sql}", args
    sql, args = _compare(expression, op, value, where, allowed)
    return _without_missing(spec, op, sql, args)


def _without_missing(spec: Field, op: str, sql: str, args: list[Any]) -> tuple[str, list[Any]]:
    """Compare the bare statistics column when a member without statistics cannot match anyway."""
    if not spec.column or _holds(op, spec.missing, args):
        return sql, args
    bare = spec.column + sql[len(spec.expression) :]
    if op == "in":
        # "col = col" (true exactly when col is not NULL) is implied by the IN, but SQLite turns the
        # LEFT JOIN of the statistics into an inner join only for a comparison that rules out
        # NULL, and IN is not one: the "online" preview at 1M members took 1.1 s, now 0.35 s.
        return f"{bare} AND {spec.column} = {spec.column}", args
    return bare, args


def _holds(op: str, left: Any, args: list[Any]) -> bool:
    """Whether ``left <op> args`` is true (args as compiled by ``_compare``)."""
    if op in ("in", "not_in"):
        return (left in args) == (op == "in")
    if op == "between":
        return bool(args[0] <= left <= args[1])
    right = args[0]
    return bool(
        {
            "eq": left == right,
            "ne": left != right,
            "lt": left < right,
            "lte": left <= right,
            "gt": left > right,
            "gte": left >= right,
        }[op]
    )


def _compare(
    expression: str, op: str, value: Any, where: str, check: Callable[[Any, str], Any], *, op_hint: str | None = None
) -> tuple[str, list[Any]]:
    if op_hint in ("eq", "ne"):
        value = [value]
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            raise InvalidFilter(f"{where}: value must be a list of 1-{MAX_LIST} items")
        items = [check(v, where) for v in value]
        marks = ", ".join("{}" for _ in items)
        return f"{expression} {'NOT IN' if op == 'not_in' else 'IN'} ({marks})", items
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidFilter(f"{where}: 'between' takes a list of two numbers [low, high]")
        low, high = check(value[0], where), check(value[1], where)
        if low > high:
            raise InvalidFilter(f"{where}: 'between' needs low ≤ high")
        return f"{expression} BETWEEN {{}} AND {{}}", [low, high]
    return f"{expression} {SQL_OPS[op]} {{}}", [check(value, where)]


def _int_value(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INT:
        raise InvalidFilter(f"{where}: value must be a whole number from 0 to {MAX_INT}")
    return value


def _text_value(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidFilter(f"{where}: value must be a text of 1-200 characters")
    return value.strip()


def _choice_value(spec: Field) -> Callable[[Any, str], Any]:
    def check(value: Any, where: str) -> str:
        if value not in spec.choices:
            raise InvalidFilter(f"{where}: value must be one of {', '.join(spec.choices)}, not {value!r}")
        return str(value)

    return check


def _bounds(op: str, value: Any, where: str) -> tuple[int | None, int | None]:
    """The inclusive whole-number range an operator allows: (low, high), None = open."""
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidFilter(f"{where}: 'between' takes a list of two numbers [low, high]")
        low, high = _int_value(value[0], where), _int_value(value[1], where)
        if low > high:
            raise InvalidFilter(f"{where}: 'between' needs low ≤ high")
        return low, high
    n = _int_value(value, where)
    return {
        "eq": (n, n),
        "gte": (n, None),
        "gt": (n + 1, None),
        "lte": (None, n),
        "lt": (None, n - 1),
    }[op]


def _since(column: str, unit: str, low: int | None, high: int | None, ctx: Context) -> tuple[str, list[Any]]:
    """``whole units elapsed since column`` in [low, high], as comparisons of the column itself."""

    def back(n: int) -> Any:
        if unit == "years":
            return ctx.today - relativedelta(years=n)
        return ctx.now - timedelta(days=n)

    parts, args = [], []
    if low is not None:
        parts.append(f"{column} <= {{}}")
        args.append(back(low))
    if high is not None:
        if high < 0:
            return "1 = 0", []
        parts.append(f"{column} > {{}}")
        args.append(back(high + 1))
    if not parts:
        return f"{column} IS NOT NULL", []
    return " AND ".join(parts), args
