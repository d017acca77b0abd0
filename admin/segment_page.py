"""The segment pages (``templates/segments.html``, ``templates/segment.html``): the list, and the
builder's context (its rows, the fields with their Vietnamese labels, tiers, VIP groups and the
cities members live in, the audience now)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from admin.segment_builder import JOINS, OP_LABELS, Row, field_label, field_options
from loyalty import campaigns
from loyalty.campaigns import SEGMENT_FIELDS
from loyalty.schema import Member, Segment, Tier

LIST_TEMPLATE = "segments.html"
TEMPLATE = "segment.html"
SPARE_ROWS = 2
SAMPLE = 5
CITIES = 200
GROUPS = [str(n) for n in range(1, 10)]


async def segment_list() -> list[dict[str, Any]]:
    await campaigns.install_builtins()
    rows = await Segment.select(Segment.id, Segment.name, Segment.description, Segment.builtin).order_by(Segment.name)
    return [dict(row) for row in rows]


async def choices() -> dict[str, Any]:
    """What the value inputs offer: tiers, VIP groups, and (as suggestions) the cities on file."""
    tiers = await Tier.select(Tier.code, Tier.name_vi).order_by(Tier.rank)
    groups = await campaigns.groups()
    cities = (
        await Member.select(Member.city)
        .where(Member.city.is_not_null() & (Member.city != ""))
        .distinct()
        .order_by(Member.city)
        .limit(CITIES)
    )
    return {
        "fields": field_options([(t["code"], t["name_vi"]) for t in tiers], [g.name for g in groups]),
        "cities": [str(c["city"]) for c in cities],
    }


def _row_view(row: Row) -> dict[str, Any]:
    spec = SEGMENT_FIELDS.get(row.field)
    ops = spec.ops if spec else tuple(OP_LABELS)
    return {
        **asdict(row),
        "text": ", ".join(row.values),
        "ops": [{"op": op, "label": OP_LABELS[op]} for op in ops],
    }


async def builder_context(
    username: str,
    token: str,
    *,
    segment_id: int | None = None,
    name: str = "",
    description: str = "",
    join: str = "and",
    rows: Sequence[Row] = (),
    builtin: bool = False,
    nested: bool = False,
    definition: str = "",
    error: str = "",
    saved: bool = False,
    preview: campaigns.Preview | None = None,
) -> dict[str, Any]:
    shown = [*rows, *[Row("", "") for _ in range(SPARE_ROWS)]]
    return {
        "username": username,
        "token": token,
        "segment_id": segment_id,
        "name": name,
        "description": description,
        "join": join,
        "joins": JOINS,
        "groups": GROUPS,
        "rows": [_row_view(row) for row in shown],
        "field_label": field_label,
        "builtin": builtin,
        "nested": nested,
        "definition": definition,
        "error": error,
        "saved": saved,
        "preview": preview,
        **await choices(),
    }
