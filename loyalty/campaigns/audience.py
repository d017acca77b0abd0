"""Who a campaign is for: its audience as SQL, and which occurrences of it fall due now.

Rules:

* The audience is a condition on ``member m`` (with ``member_stats s`` for a segment on
  statistics): everyone, a segment's compiled filter, a VIP group's members or a tier's; erased
  members never.
* An occurrence is what "one gift per member" counts in: ``once``; the year of a birthday or
  a membership anniversary; the date of a holiday or a lunar date. Birthdays and anniversaries
  fall on each member's own local day, so an occurrence is due per time zone that members live
  in, narrowed to the members of that zone whose day it is.
* A campaign gives only between its ``starts_on`` and ``ends_on`` (local dates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from loyalty import db
from loyalty.campaigns import schedule
from loyalty.campaigns.fields import AudienceKind, CampaignFields, ScheduleKind, StoredCampaign
from loyalty.campaigns.lifecycle import load_campaign
from loyalty.campaigns.params import Params
from loyalty.campaigns.segment_filters import Context, compile_filter
from loyalty.campaigns.segments import definition_of
from loyalty.config import PROGRAMME
from loyalty.schema import Member

LIVE_MEMBERS = "m.erased_at IS NULL"


@dataclass(frozen=True, slots=True)
class Audience:
    """``FROM {from_clause} WHERE {where}`` selects the members; ``args`` are its ``$1 … $n``."""

    from_clause: str
    where: str
    args: tuple[Any, ...]

    def params(self) -> Params:
        """The audience's values, for a statement that adds its own after them."""
        return Params(self.args)

    def narrowed(self, condition: Callable[[Params], str]) -> Audience:
        """Only the members that also meet ``condition`` (written with the numbers it is given)."""
        p = self.params()
        where = f"({self.where}) AND ({condition(p)})"
        return Audience(self.from_clause, where, tuple(p.values))


@dataclass(frozen=True, slots=True)
class Due:
    key: str  # unique per campaign: what was chosen once
    occurrence: str  # one gift per member per occurrence
    audience: Audience  # the campaign's audience, narrowed to this occurrence


async def audience_of(campaign: CampaignFields, *, now: datetime) -> Audience:
    if campaign.audience == AudienceKind.SEGMENT:
        assert campaign.segment is not None
        compiled = compile_filter(await definition_of(campaign.segment), Context.at(now))
        return Audience(compiled.from_clause(), f"{LIVE_MEMBERS} AND ({compiled.sql})", tuple(compiled.args))
    if campaign.audience == AudienceKind.VIP_GROUP:
        where = f'{LIVE_MEMBERS} AND EXISTS (SELECT 1 FROM vip_member vm WHERE vm.member = m.id AND vm."group" = $1)'
        return Audience("member m", where, (campaign.vip_group,))
    if campaign.audience == AudienceKind.TIER:
        return Audience("member m", f"{LIVE_MEMBERS} AND m.tier = $1", (campaign.tier,))
    return Audience("member m", LIVE_MEMBERS, ())


async def audience_size(campaign_id: int, *, now: datetime | None = None) -> int:
    """How many members the campaign's audience holds now (the preview staff see)."""
    audience = await audience_of(await load_campaign(campaign_id), now=now or datetime.now(UTC))
    row = await db.fetchrow(f"SELECT COUNT(*) AS n FROM {audience.from_clause} WHERE {audience.where}", *audience.args)
    assert row is not None  # an aggregate always has its row
    return int(row["n"])


def _everyone(_: Params) -> str:
    return "1 = 1"


async def due_runs(campaign: StoredCampaign, audience: Audience, now: datetime) -> list[Due]:
    """The occurrences of ``campaign`` due at ``now``, each with its audience."""
    kind = campaign.schedule
    today = schedule.local_today(now, PROGRAMME.timezone)
    if not _within_dates(campaign, today):
        return []
    if kind == ScheduleKind.ONCE:
        due = campaign.run_at is not None and campaign.run_at <= now
        return [Due("once", "once", audience.narrowed(_everyone))] if due else []
    if kind in (ScheduleKind.HOLIDAY, ScheduleKind.LUNAR):
        dates = schedule.dated_occurrences(
            kind,
            today,
            holiday=campaign.holiday,
            lunar_month=campaign.lunar_month,
            lunar_day=campaign.lunar_day,
        )
        return [Due(d.isoformat(), d.isoformat(), audience.narrowed(_everyone)) for d in dates]
    zones = await Member.select(Member.timezone).where(Member.erased_at.is_null()).distinct()
    runs = []
    for row in zones:
        tz = row["timezone"]
        local = schedule.local_today(now, tz)
        if not _within_dates(campaign, local):
            continue
        key = f"{local.isoformat()} {tz}"
        if kind == ScheduleKind.BIRTHDAY:
            year, days = schedule.birthday_match(local, campaign.days_before or 0)
            runs.append(Due(key, year, audience.narrowed(_birthdays(tz, days))))
        elif kind == ScheduleKind.ANNIVERSARY:
            windows = schedule.anniversary_windows(local, tz)
            runs.append(Due(key, str(local.year), audience.narrowed(_joined_within(tz, windows))))
    return runs


def _birthdays(tz: str, days: list[str]) -> Callable[[Params], str]:
    def condition(p: Params) -> str:
        zone = p.add(tz)
        marks = ", ".join(p.add(day) for day in days)
        return f"m.timezone = {zone} AND {db.month_day('m.birthday')} IN ({marks})"

    return condition


def _joined_within(tz: str, windows: list[tuple[datetime, datetime]]) -> Callable[[Params], str]:
    def condition(p: Params) -> str:
        zone = p.add(tz)
        ranges = " OR ".join(
            f"(m.created_at >= {p.add(start)} AND m.created_at < {p.add(end)})" for start, end in windows
        )
        return f"m.timezone = {zone} AND ({ranges})"

    return condition


def _within_dates(campaign: CampaignFields, day: date) -> bool:
    starts, ends = campaign.starts_on, campaign.ends_on
    return not (starts and day < starts) and not (ends and day > ends)
