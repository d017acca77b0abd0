"""Segments: saved, named member filters, with a preview and a per-member explanation.

Rules:

* A segment's ``definition`` is validated by ``loyalty.campaigns.segment_filters`` before it is saved;
  a bad field, operator or value raises ``InvalidFilter`` and nothing is written.
* Built-in segments (from the customer-care playbooks) are rows like any other, installed by
  :func:`install_builtins` (idempotent) and not editable. Their meaning:

  - **new**: joined 30 days ago or less (``member_since_days ≤ 30``).
  - **potential**: registered, never bought (``visits_total = 0``).
  - **regular**: 3 or more receipts in the last 90 days.
  - **occasional**: bought in the last 12 months but fewer than 3 times in the last 90 days.
  - **online**: has claimed at least one receipt in the app (``channel`` is ``claim`` or ``both``).
  - **vip**: in any VIP group, or monetary score 5 (≥ 20,000,000 đ in 12 months).
  - **at risk**: was regular (3+ receipts in 12 months) but no visit for 90 days or more.
  - **birthday this month**: birthday in the current calendar month (programme time zone).

  Statistics-based segments read ``MemberStats`` (see ``loyalty.members.statistics`` for freshness).
* Erased members are never in any segment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from loyalty import audit, db
from loyalty.campaigns.params import Params
from loyalty.campaigns.segment_filters import Compiled, Context, compile_filter
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.schema import Segment

BUILTINS: dict[str, tuple[str, dict[str, Any]]] = {
    "new": ("Joined 30 days ago or less", {"field": "member_since_days", "op": "lte", "value": 30}),
    "potential": ("Registered, never bought", {"field": "visits_total", "op": "eq", "value": 0}),
    "regular": ("3+ receipts in the last 90 days", {"field": "visits_90d", "op": "gte", "value": 3}),
    "occasional": (
        "Bought in the last 12 months, fewer than 3 times in the last 90 days",
        {"and": [{"field": "visits_12m", "op": "gte", "value": 1}, {"field": "visits_90d", "op": "lt", "value": 3}]},
    ),
    "online": ("Claimed receipts in the app", {"field": "channel", "op": "in", "value": ["claim", "both"]}),
    "vip": (
        "In a VIP group, or 20,000,000 đ+ in 12 months",
        {
            "or": [
                {"field": "in_vip_group", "op": "eq", "value": True},
                {"field": "monetary_score", "op": "eq", "value": 5},
            ]
        },
    ),
    "at risk": (
        "Was regular (3+ receipts in 12 months), no visit for 90 days",
        {
            "and": [
                {"field": "visits_12m", "op": "gte", "value": 3},
                {"field": "days_since_last_visit", "op": "gte", "value": 90},
            ]
        },
    ),
    "birthday this month": (
        "Birthday in the current month",
        {"field": "birthday_this_month", "op": "eq", "value": True},
    ),
}
NAME_MAX = 100


class SegmentNotFound(NotFound):
    code = "segment_not_found"


class Sampled(NamedTuple):
    """A member of a preview's sample, as staff recognise them."""

    id: int
    public_id: str
    name: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class Preview:
    count: int
    sample: list[Sampled]


@dataclass(frozen=True, slots=True)
class Check:
    condition: str
    result: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    member_id: int
    included: bool
    checks: list[Check]
    tree: Any  # the filter with each condition replaced by {"condition", "result"}


async def install_builtins() -> None:
    """Create the built-in segments that are missing (safe to call any time, concurrently)."""
    now = datetime.now(UTC)
    rows = [
        Segment(
            name=name,
            description=description,
            definition=_json(definition),
            builtin=True,
            created_at=now,
            updated_at=now,
        )
        for name, (description, definition) in BUILTINS.items()
    ]
    await Segment.insert(*rows).on_conflict(target=Segment.name, action="DO NOTHING")


async def save_segment(
    name: str,
    definition: Any,
    *,
    description: str = "",
    segment_id: int | None = None,
    actor: audit.StaffActor | None = None,
) -> int:
    """Create (or, with ``segment_id``, change) a segment after validating its filter."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(f"a segment name is 1-{NAME_MAX} characters", field="name")
    compile_filter(definition)
    async with db.write_transaction():
        same_name = await Segment.select(Segment.id).where(Segment.name == name).first()
        if same_name and same_name["id"] != segment_id:
            raise Conflict(f"a segment named {name!r} exists already", field="name")
        if segment_id is None:
            segment = Segment(name=name, description=description, definition=_json(definition))
            await segment.save()
            if actor:
                await audit.record(actor, "segment.save", "segment", segment.id, name=name)
            return int(segment.id)
        current = await Segment.select(Segment.builtin).where(Segment.id == segment_id).first()
        if current is None:
            raise SegmentNotFound(f"segment {segment_id} not found")
        if current["builtin"]:
            raise Conflict("built-in segments cannot be changed; save a copy under another name")
        await Segment.update(
            {
                Segment.name: name,
                Segment.description: description,
                Segment.definition: _json(definition),
                Segment.updated_at: datetime.now(UTC),
            }
        ).where(Segment.id == segment_id)
        if actor:
            await audit.record(actor, "segment.save", "segment", segment_id, name=name)
        return segment_id


async def definition_of(segment_id: int) -> Any:
    row = await Segment.select(Segment.definition).where(Segment.id == segment_id).first()
    if row is None:
        raise SegmentNotFound(f"segment {segment_id} not found")
    return _parse(row["definition"])


async def segment_id_by_name(name: str) -> int:
    await install_builtins()
    row = await Segment.select(Segment.id).where(Segment.name == name).first()
    if row is None:
        raise SegmentNotFound(f"no segment named {name!r}")
    return int(row["id"])


def audience_where(compiled: Compiled) -> str:
    return f"m.erased_at IS NULL AND ({compiled.sql})"


async def preview(definition: Any, *, sample: int = 10, now: datetime | None = None) -> Preview:
    """How many members the filter selects, and the first few of them (by id)."""
    compiled = compile_filter(definition, Context.at(now))
    where = audience_where(compiled)
    counted = await db.fetchrow(f"SELECT COUNT(*) AS n FROM {compiled.from_clause()} WHERE {where}", *compiled.args)
    assert counted is not None  # an aggregate always has its row
    rows = await db.fetch_tuples(
        f"SELECT m.id, m.public_id, m.name, m.phone FROM {compiled.from_clause()} WHERE {where} "
        f"ORDER BY m.id LIMIT {int(sample)}",
        *compiled.args,
    )
    return Preview(int(counted["n"]), [Sampled._make(row) for row in rows])


async def explain(definition: Any, member_id: int, *, now: datetime | None = None) -> Explanation:
    """Each condition's truth for this member, and whether the whole filter includes it."""
    compiled = compile_filter(definition, Context.at(now))
    # The leaves hold every placeholder of the filter, numbered as compiled: the member comes last.
    columns = [f"CASE WHEN ({leaf.sql}) THEN 1 ELSE 0 END AS c{i}" for i, leaf in enumerate(compiled.leaves)]
    select = ", ".join(["m.id", "CASE WHEN m.erased_at IS NULL THEN 1 ELSE 0 END AS live", *columns])
    p = Params(compiled.args)
    row = await db.fetchrow(f"SELECT {select} FROM {compiled.from_clause()} WHERE m.id = {p.add(member_id)}", *p.values)
    if row is None:
        raise NotFound(f"member {member_id} not found")
    results = [bool(row[f"c{i}"]) for i in range(len(compiled.leaves))]
    checks = [Check(leaf.text, results[i]) for i, leaf in enumerate(compiled.leaves)]

    def evaluate(node: Any) -> tuple[bool, Any]:
        if isinstance(node, int):
            return results[node], {"condition": compiled.leaves[node].text, "result": results[node]}
        key = "and" if "and" in node else "or"
        parts = [evaluate(child) for child in node[key]]
        values = [p[0] for p in parts]
        value = all(values) if key == "and" else any(values)
        return value, {key: [p[1] for p in parts], "result": value}

    included, tree = evaluate(compiled.tree)
    return Explanation(member_id, included and bool(row["live"]), checks, tree)


def _json(definition: Any) -> str:
    return json.dumps(definition, ensure_ascii=False)


def _parse(stored: Any) -> Any:
    return json.loads(stored) if isinstance(stored, str) else stored
