"""What the guided forms' pickers find as staff type: segments, VIP groups and rewards by name,
members by phone. Read-only look-ups, a few rows each, answered as ``{"id", "label"}`` choices.

Names are matched anywhere in them, case-insensitively (LIKE with the user's text escaped); a
phone as a clerk types it (``0907 65``) matches the start of the stored E.164 number.
"""

from __future__ import annotations

from typing import Any, TypedDict

from loyalty.members import phone_search_term
from loyalty.schema import Member, Reward, Segment, VipGroup

LIMIT = 20
MAX_QUERY = 100


class Choice(TypedDict):
    id: int
    label: str


def _pattern(query: str) -> str:
    text = query.strip()[:MAX_QUERY].replace("\\", "").replace("%", "").replace("_", " ")
    return f"%{text}%"


async def segments(query: str) -> list[Choice]:
    rows = (
        await Segment.select(Segment.id, Segment.name)
        .where(Segment.name.ilike(_pattern(query)))
        .order_by(Segment.name)
        .limit(LIMIT)
    )
    return [Choice(id=int(r["id"]), label=str(r["name"])) for r in rows]


async def vip_groups(query: str) -> list[Choice]:
    rows = (
        await VipGroup.select(VipGroup.id, VipGroup.name)
        .where(VipGroup.name.ilike(_pattern(query)))
        .order_by(VipGroup.name)
        .limit(LIMIT)
    )
    return [Choice(id=int(r["id"]), label=str(r["name"])) for r in rows]


async def rewards(query: str) -> list[Choice]:
    pattern = _pattern(query)
    rows = (
        await Reward.select(Reward.id, Reward.name_vi, Reward.name_en, Reward.points_cost)
        .where(Reward.name_vi.ilike(pattern) | Reward.name_en.ilike(pattern))
        .order_by(Reward.name_vi)
        .limit(LIMIT)
    )
    return [Choice(id=int(r["id"]), label=f"{r['name_vi']} / {r['name_en']} · {r['points_cost']:,} điểm") for r in rows]


async def members(phone: str) -> list[Choice]:
    term = phone_search_term(phone[:MAX_QUERY])
    if not term.strip():
        return []
    rows: list[dict[str, Any]] = (
        await Member.select(Member.id, Member.name, Member.phone, Member.public_id)
        .where(Member.phone.like(term.replace("%", "").replace("_", "") + "%") & Member.erased_at.is_null())
        .order_by(Member.phone)
        .limit(LIMIT)
    )
    return [Choice(id=int(r["id"]), label=f"{r['phone']} · {r['name'] or r['public_id']}") for r in rows]


async def name_of(table: type[Segment] | type[VipGroup], chosen: int | None) -> str:
    """The name a picker shows for an id already chosen (an edited campaign)."""
    if not chosen:
        return ""
    row = await table.select(table.name).where(table.id == chosen).first()
    return str(row["name"]) if row else ""


async def reward_name(chosen: int | None) -> str:
    if not chosen:
        return ""
    row = await Reward.select(Reward.name_vi, Reward.name_en).where(Reward.id == chosen).first()
    return f"{row['name_vi']} / {row['name_en']}" if row else ""


async def id_by_name(table: type[Segment] | type[VipGroup], name: str) -> int | None:
    """The id of the one row with exactly this name (a name typed without the picker's list)."""
    if not name.strip():
        return None
    row = await table.select(table.id).where(table.name == name.strip()).first()
    return int(row["id"]) if row else None
