"""The segment filter language: validated JSON compiled to parameterised SQL.

A filter is a condition ``{"field": …, "op": …, "value": …}`` or a group ``{"and": [...]}`` /
``{"or": [...]}`` of filters (``{"and": []}`` is everyone). Fields are a fixed list
(:mod:`loyalty.campaigns.segment_fields`); each field allows some operators and a type of value.
Staff never write SQL: a field name maps to an SQL expression written there, every value is a
bound parameter (``$1 … $n``, in the order of ``Compiled.args``; a statement that adds its own
values after them goes on from there), and anything unknown raises
:class:`InvalidFilter` (an ``InvalidInput``, so a 4xx / a form message) naming what is wrong.

The compiled SQL reads ``member m`` and, when a statistics field is used, ``member_stats s``
(LEFT JOIN: a member without a statistics row has zero visits). Fields counted in days or years
("days since …", ``age``) are compiled into comparisons of the stored timestamp with a bound
date, so they use indexes and never go stale.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from loyalty.campaigns.params import Params
from loyalty.campaigns.segment_fields import (
    FIELDS,
    Field,
    InvalidFilter,
    Kind,
    choice_value,
    int_value,
    text_value,
)
from loyalty.config import PROGRAMME

MAX_CONDITIONS = 50
MAX_DEPTH = 6
MAX_LIST = 200
SQL_OPS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
PY_OPS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


@dataclass(frozen=True, slots=True)
class Leaf:
    """One compiled condition: its SQL (placeholders numbered as in the whole filter) and its
    values, for explanations."""

    text: str
    sql: str
    args: list[Any]


@dataclass(slots=True)
class Compiled:
    sql: str
    args: list[Any]  # the values of $1 … $n
    stats: bool
    leaves: list[Leaf] = field(default_factory=list)
    tree: Any = None  # the validated filter, leaves replaced by their index

    def from_clause(self) -> str:
        if self.stats:
            return "member m LEFT JOIN member_stats s ON s.member = m.id"
        return "member m"


@dataclass(frozen=True, slots=True)
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
    params = Params()
    compiled = Compiled("", [], False)
    compiled.sql, compiled.tree = _node(definition, context, compiled, params, [0], depth=0, path="filter")
    compiled.args = params.values
    return compiled


def _node(
    node: Any, ctx: Context, out: Compiled, p: Params, count: list[int], *, depth: int, path: str
) -> tuple[str, Any]:
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
            return "1 = 1", {"and": []}
        parts, trees = [], []
        for i, child in enumerate(children):
            sql, tree = _node(child, ctx, out, p, count, depth=depth + 1, path=f"{path}.{key}[{i}]")
            parts.append(f"({sql})")
            trees.append(tree)
        return f" {key.upper()} ".join(parts), {key: trees}
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
    sql, args = _condition(spec, str(op), node.get("value"), ctx, p, path)
    out.stats = out.stats or spec.stats
    out.leaves.append(Leaf(f"{name} {op} {node.get('value')!r}", sql, args))
    return sql, len(out.leaves) - 1


def _condition(spec: Field, op: str, value: Any, ctx: Context, p: Params, path: str) -> tuple[str, list[Any]]:
    where = f"{path} ({spec.name})"
    expression = spec.sql()
    if spec.kind == Kind.BOOL:
        if not isinstance(value, bool):
            raise InvalidFilter(f"{where}: value must be true or false")
        if spec.name == "in_vip_group":
            sql = "EXISTS (SELECT 1 FROM vip_member vm WHERE vm.member = m.id)"
        else:
            sql = f"{expression} = {ctx.today.month}"
        return (sql if value else f"NOT ({sql}) OR m.birthday IS NULL" if "month" in spec.name else f"NOT ({sql})"), []
    if spec.kind in (Kind.DAYS, Kind.YEARS):
        low, high = _bounds(op, value, where)
        return _since(expression, spec.kind, low, high, ctx, p)
    if spec.kind == Kind.INT:
        sql, args = _compare(expression, op, value, where, int_value, p)
        return _without_missing(spec, expression, op, sql, args)
    allowed: Callable[[Any, str], Any] = choice_value(spec) if spec.kind == Kind.CHOICE else text_value
    if spec.kind == Kind.TIER:
        inner, args = _compare("t.code", "in", value, where, text_value, p, op_hint=op)
        sql = f"m.tier IN (SELECT t.id FROM tier t WHERE {inner})"
        return (sql if op in ("eq", "in") else f"m.tier IS NULL OR NOT ({sql})"), args
    if spec.kind == Kind.VIP:
        inner, args = _compare("g.name", "in", value, where, text_value, p, op_hint=op)
        sql = (
            'EXISTS (SELECT 1 FROM vip_member vm JOIN vip_group g ON g.id = vm."group" '
            f"WHERE vm.member = m.id AND {inner})"
        )
        return (sql if op in ("eq", "in") else f"NOT ({sql})"), args
    if op == "contains":
        text = text_value(value, where)
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped.lower()}%"
        return f"LOWER({expression}) LIKE {p.add(pattern)} ESCAPE '\\'", [pattern]
    if op in ("ne", "not_in"):
        # A missing value (NULL) is "not equal" too, as staff would expect.
        sql, args = _compare(expression, op, value, where, allowed, p)
        return f"{expression} IS NULL OR {sql}", args
    sql, args = _compare(expression, op, value, where, allowed, p)
    return _without_missing(spec, expression, op, sql, args)


def _without_missing(spec: Field, expression: str, op: str, sql: str, args: list[Any]) -> tuple[str, list[Any]]:
    """Compare the bare statistics column when a member without statistics cannot match anyway."""
    if not spec.column or _holds(op, spec.missing, args):
        return sql, args
    bare = spec.column + sql[len(expression) :]
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
    return bool(PY_OPS[op](left, args[0]))


def _compare(
    expression: str,
    op: str,
    value: Any,
    where: str,
    check: Callable[[Any, str], Any],
    p: Params,
    *,
    op_hint: str | None = None,
) -> tuple[str, list[Any]]:
    """``expression <op> value`` with the value(s) checked and bound; returns the SQL and the values."""
    if op_hint in ("eq", "ne"):
        value = [value]
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            raise InvalidFilter(f"{where}: value must be a list of 1-{MAX_LIST} items")
        items = [check(v, where) for v in value]
        marks = ", ".join(p.add(item) for item in items)
        return f"{expression} {'NOT IN' if op == 'not_in' else 'IN'} ({marks})", items
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidFilter(f"{where}: 'between' takes a list of two numbers [low, high]")
        low, high = check(value[0], where), check(value[1], where)
        if low > high:
            raise InvalidFilter(f"{where}: 'between' needs low ≤ high")
        return f"{expression} BETWEEN {p.add(low)} AND {p.add(high)}", [low, high]
    checked = check(value, where)
    return f"{expression} {SQL_OPS[op]} {p.add(checked)}", [checked]


def _bounds(op: str, value: Any, where: str) -> tuple[int | None, int | None]:
    """The inclusive whole-number range an operator allows: (low, high), None = open."""
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidFilter(f"{where}: 'between' takes a list of two numbers [low, high]")
        low, high = int_value(value[0], where), int_value(value[1], where)
        if low > high:
            raise InvalidFilter(f"{where}: 'between' needs low ≤ high")
        return low, high
    n = int_value(value, where)
    return {
        "eq": (n, n),
        "gte": (n, None),
        "gt": (n + 1, None),
        "lte": (None, n),
        "lt": (None, n - 1),
    }[op]


def _since(
    column: str, unit: Kind, low: int | None, high: int | None, ctx: Context, p: Params
) -> tuple[str, list[Any]]:
    """``whole units elapsed since column`` in [low, high], as comparisons of the column itself."""

    def back(n: int) -> Any:
        if unit == Kind.YEARS:
            return ctx.today - relativedelta(years=n)
        return ctx.now - timedelta(days=n)

    if high is not None and high < 0:
        return "1 = 0", []
    parts, args = [], []
    if low is not None:
        args.append(back(low))
        parts.append(f"{column} <= {p.add(args[-1])}")
    if high is not None:
        args.append(back(high + 1))
        parts.append(f"{column} > {p.add(args[-1])}")
    if not parts:
        return f"{column} IS NOT NULL", []
    return " AND ".join(parts), args
