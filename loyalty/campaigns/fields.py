"""What staff write for a campaign, checked: audience, gift, words, schedule, dates and caps.

Rules:

* An audience is ``everyone``, a ``segment``, a ``vip_group`` or a ``tier`` (the chosen one must
  exist; the others are cleared). A gift is ``points`` (1 to 10,000,000) or a ``voucher`` of an
  existing reward.
* The vi/en title and message are ``string.Template`` texts with ``$name``, ``$points``,
  ``$reward``, ``$campaign`` and ``$code`` only (no attribute or index lookups), all four required.
* A schedule is ``once`` at ``run_at`` (a time without an offset is the programme's local time),
  ``birthday`` ``days_before`` (0-60), ``anniversary``, a ``holiday`` by name or a ``lunar``
  month/day (see :mod:`loyalty.campaigns.schedule`); ``starts_on`` ≤ ``ends_on`` when both are set;
  caps (``max_gifts``, ``max_points``) are positive or absent.
* Its messages take only its ``channels`` (push, zalo, sms, email; push by default), each where
  the member consented; a ``message_budget_vnd`` (positive, or absent for none) bounds what they
  cost (``loyalty.campaigns.message_cost``).
* :func:`validate` checks every field at once (after a change too) and returns them clean, or
  raises ``InvalidInput`` naming the field, so nothing half-checked is ever written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from string import Template
from typing import Any, TypeVar

from loyalty.campaigns import schedule
from loyalty.config import PROGRAMME
from loyalty.errors import InvalidInput
from loyalty.members import CHANNELS
from loyalty.schema import AudienceKind as AudienceKind
from loyalty.schema import (
    CampaignStatus,
    Reward,
    Segment,
    Tier,
    VipGroup,
)
from loyalty.schema import GiftKind as GiftKind
from loyalty.schema import ScheduleKind as ScheduleKind

PLACEHOLDERS = {"name", "points", "reward", "campaign", "code"}
TEXTS = ("title_vi", "title_en", "message_vi", "message_en")


@dataclass(frozen=True, slots=True)
class CampaignFields:
    """A campaign's editable fields, as :func:`validate` leaves them."""

    name: str
    audience: AudienceKind
    segment: int | None
    vip_group: int | None
    tier: int | None
    gift_kind: GiftKind
    gift_points: int
    reward: int | None
    voucher_valid_days: int | None
    title_vi: str
    title_en: str
    message_vi: str
    message_en: str
    schedule: ScheduleKind
    run_at: datetime | None
    days_before: int
    holiday: str
    lunar_month: int | None
    lunar_day: int | None
    starts_on: date | None
    ends_on: date | None
    max_gifts: int | None
    max_points: int | None
    channels: str
    message_budget_vnd: int | None

    def values(self) -> dict[str, Any]:
        """Field name to value, as the ``campaign`` table's columns of the same names take them."""
        return {name: getattr(self, name) for name in EDITABLE}

    def texts(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in TEXTS}


@dataclass(frozen=True, slots=True)
class StoredCampaign(CampaignFields):
    """A campaign as it is stored: its fields, id and status."""

    id: int
    status: CampaignStatus

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StoredCampaign:
        values = {name: row[name] for name in EDITABLE}
        values.update(
            audience=AudienceKind(row["audience"]),
            gift_kind=GiftKind(row["gift_kind"]),
            schedule=ScheduleKind(row["schedule"]),
            gift_points=int(row["gift_points"]),
        )
        return cls(**values, id=int(row["id"]), status=CampaignStatus(row["status"]))

    def fields(self) -> CampaignFields:
        return CampaignFields(**{name: getattr(self, name) for name in EDITABLE})


EDITABLE = tuple(f.name for f in fields(CampaignFields))
Kind = TypeVar("Kind", AudienceKind, GiftKind, ScheduleKind)


def _one_of(kinds: type[Kind], value: Any, field: str, message: str) -> Kind:
    try:
        return kinds(value)
    except ValueError:
        raise InvalidInput(message, field=field) from None


def _check_template(text: str, field: str) -> None:
    template = Template(text)
    if not template.is_valid():
        raise InvalidInput(
            f"{field}: a '$' must start a placeholder such as $name (write $$ for a dollar)", field=field
        )
    unknown = set(template.get_identifiers()) - PLACEHOLDERS
    if unknown:
        raise InvalidInput(
            f"{field}: unknown placeholder(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(PLACEHOLDERS))}",
            field=field,
        )


async def validate(values: Mapping[str, Any]) -> CampaignFields:
    """Check a campaign's fields (all of them, after a change); returns them cleaned."""
    v: dict[str, Any] = {k: values.get(k) for k in EDITABLE}
    name = (v["name"] or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("a campaign name is 1-200 characters", field="name")
    v["name"] = name
    audiences = ", ".join(AudienceKind)
    v["audience"] = _one_of(AudienceKind, v["audience"], "audience", f"audience must be one of {audiences}")
    chosen: dict[AudienceKind, type[Segment] | type[VipGroup] | type[Tier]] = {
        AudienceKind.SEGMENT: Segment,
        AudienceKind.VIP_GROUP: VipGroup,
        AudienceKind.TIER: Tier,
    }
    for kind, table in chosen.items():
        if v["audience"] == kind:
            if not v[kind] or not await table.exists().where(table.id == v[kind]):
                raise InvalidInput(f"choose an existing {kind.replace('_', ' ')} for this audience", field=kind.value)
        else:
            v[kind] = None
    v["gift_kind"] = _one_of(GiftKind, v["gift_kind"], "gift_kind", "gift must be points or voucher")
    if v["gift_kind"] == GiftKind.POINTS:
        points = v["gift_points"]
        if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= 10_000_000:
            raise InvalidInput("gift points must be a whole number from 1 to 10,000,000", field="gift_points")
        v["reward"] = None
    else:
        if not v["reward"] or not await Reward.exists().where(Reward.id == v["reward"]):
            raise InvalidInput("choose an existing reward for a voucher gift", field="reward")
        v["gift_points"] = 0
    for field in TEXTS:
        text = str(v[field] or "").strip()
        if not text:
            raise InvalidInput(f"{field} is required (the members read it in their language)", field=field)
        _check_template(text, field)
        v[field] = text
    schedules = ", ".join(ScheduleKind)
    v["schedule"] = _one_of(ScheduleKind, v["schedule"], "schedule", f"schedule must be one of {schedules}")
    if v["schedule"] == ScheduleKind.ONCE and not isinstance(v["run_at"], datetime):
        raise InvalidInput("a one-off campaign needs run_at (date and time)", field="run_at")
    if isinstance(v["run_at"], datetime):
        v["run_at"] = schedule.staff_time(v["run_at"], PROGRAMME.timezone)
    days_before = v["days_before"] or 0
    if not isinstance(days_before, int) or not 0 <= days_before <= 60:
        raise InvalidInput("days before the birthday: 0 to 60", field="days_before")
    v["days_before"] = days_before
    if v["schedule"] == ScheduleKind.HOLIDAY and v["holiday"] not in schedule.holiday_names():
        raise InvalidInput(f"holiday must be one of: {', '.join(schedule.holiday_names())}", field="holiday")
    if v["schedule"] == ScheduleKind.LUNAR:
        month, day = v["lunar_month"], v["lunar_day"]
        if not isinstance(month, int) or not 1 <= month <= 12 or not isinstance(day, int) or not 1 <= day <= 30:
            raise InvalidInput("a lunar date needs month 1-12 and day 1-30", field="lunar_day")
    if v["starts_on"] and v["ends_on"] and v["ends_on"] < v["starts_on"]:
        raise InvalidInput("the end date is before the start date", field="ends_on")
    for cap in ("max_gifts", "max_points"):
        limit = v[cap]
        if limit is not None and (not isinstance(limit, int) or limit <= 0):
            raise InvalidInput(f"{cap} must be a positive whole number, or empty for no cap", field=cap)
    v["holiday"] = v["holiday"] or ""
    v["channels"] = _channels(v["channels"])
    budget = v["message_budget_vnd"]
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0):
        raise InvalidInput(
            "the message budget is a positive whole number of đồng, or empty for no limit", field="message_budget_vnd"
        )
    return CampaignFields(**v)


def _channels(raw: Any) -> str:
    """A list or a comma-separated text of channels, kept in the routing order; push by default."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    chosen = {str(item).strip().lower() for item in items if str(item).strip()}
    unknown = chosen - set(CHANNELS)
    if unknown:
        raise InvalidInput(
            f"unknown channel(s) {', '.join(sorted(unknown))}; choose from {', '.join(CHANNELS)}", field="channels"
        )
    return ",".join(c for c in CHANNELS if c in chosen) or "push"


# What each schedule asks for besides the fields every campaign has (the guided form shows only
# these): a one-off its time, a birthday how many days before, dated ones their date; the
# recurring ones may be bounded by a first and a last day.
_BOUNDS = ("starts_on", "ends_on")
SCHEDULE_FIELDS: dict[ScheduleKind, tuple[str, ...]] = {
    ScheduleKind.ONCE: ("run_at",),
    ScheduleKind.BIRTHDAY: ("days_before", *_BOUNDS),
    ScheduleKind.ANNIVERSARY: _BOUNDS,
    ScheduleKind.HOLIDAY: ("holiday", *_BOUNDS),
    ScheduleKind.LUNAR: ("lunar_month", "lunar_day", *_BOUNDS),
}
AUDIENCE_FIELDS: dict[AudienceKind, tuple[str, ...]] = {
    AudienceKind.EVERYONE: (),
    AudienceKind.SEGMENT: ("segment",),
    AudienceKind.VIP_GROUP: ("vip_group",),
    AudienceKind.TIER: ("tier",),
}
GIFT_FIELDS: dict[GiftKind, tuple[str, ...]] = {
    GiftKind.POINTS: ("gift_points",),
    GiftKind.VOUCHER: ("reward", "voucher_valid_days"),
}
ALWAYS = (
    "name",
    "audience",
    "gift_kind",
    *TEXTS,
    "schedule",
    "max_gifts",
    "max_points",
    "channels",
    "message_budget_vnd",
)


def fields_for(
    schedule: ScheduleKind | str,
    audience: AudienceKind | str = AudienceKind.EVERYONE,
    gift_kind: GiftKind | str = GiftKind.POINTS,
) -> tuple[str, ...]:
    """The fields a campaign with this schedule (and audience and gift) uses, in the table's order;
    the others are cleared or ignored by :func:`validate`. Unknown kinds raise ``InvalidInput``."""
    chosen = {
        *ALWAYS,
        *SCHEDULE_FIELDS[_one_of(ScheduleKind, schedule, "schedule", "unknown schedule")],
        *AUDIENCE_FIELDS[_one_of(AudienceKind, audience, "audience", "unknown audience")],
        *GIFT_FIELDS[_one_of(GiftKind, gift_kind, "gift_kind", "unknown gift")],
    }
    return tuple(name for name in EDITABLE if name in chosen)
