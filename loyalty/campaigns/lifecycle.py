"""Gift campaigns: who gets what, when, within which budget, and the job that gives.

Rules:

* A campaign has an audience (``everyone``, a ``segment``, a ``vip_group`` or a ``tier``; erased
  members never), a gift (``points`` > 0, or a ``voucher`` of a reward through
  ``loyalty.vouchers.issue_voucher``), vi/en title and message templates with ``$name``,
  ``$points``, ``$reward``, ``$campaign`` and ``$code`` (``string.Template``: no attribute or index
  lookups), a schedule (``once`` at ``run_at``, a time without an offset being the programme's
  local time; ``birthday`` ``days_before``; ``anniversary``; ``holiday`` by name; ``lunar``
  month/day — see ``loyalty.campaign_schedule``), optional
  ``starts_on``/``ends_on`` dates and caps (``max_gifts``, ``max_points``).
* Status: ``draft`` (editable) → ``scheduled`` (launched) → ``running`` (first gift given) →
  ``finished`` (a ``once`` campaign done, the end date passed, or the budget spent);
  ``paused`` stops giving until it is launched again; ``cancelled`` is final. Every move is a
  guarded UPDATE on the status it leaves.
* One gift per member per occurrence (UNIQUE in the database); the caps hold across workers
  (see ``loyalty.campaign_fanout``). The gift is given even when the push is held back: the
  event carries it, and the notifications side applies consent, quiet hours and the cap.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from string import Template
from typing import Any

from loyalty.audit import StaffActor
from loyalty.campaigns import schedule
from loyalty.campaigns.fanout import LIVE, GiftSpec, choose_batch, finish_campaign, give_batch
from loyalty.campaigns.gift_points import gift_points_batch, plan_lanes, refuse_the_rest
from loyalty.campaigns.segment_filters import Context, compile_filter
from loyalty.campaigns.segments import definition_of
from loyalty.config import PROGRAMME
from loyalty.db import is_sqlite, write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.jobs import job
from loyalty.schema import Campaign, CampaignRun, CampaignStatus, Member, Reward, Segment, Tier, VipGroup

AUDIENCES = ("everyone", "segment", "vip_group", "tier")
GIFTS = ("points", "voucher")
SCHEDULES = ("once", "birthday", "anniversary", "holiday", "lunar")
PLACEHOLDERS = {"name", "points", "reward", "campaign", "code"}
EDITABLE = (
    "name",
    "audience",
    "segment",
    "vip_group",
    "tier",
    "gift_kind",
    "gift_points",
    "reward",
    "voucher_valid_days",
    "title_vi",
    "title_en",
    "message_vi",
    "message_en",
    "schedule",
    "run_at",
    "days_before",
    "holiday",
    "lunar_month",
    "lunar_day",
    "starts_on",
    "ends_on",
    "max_gifts",
    "max_points",
)
MAX_BATCHES_PER_JOB = 400


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignStateConflict(Conflict):
    code = "campaign_state"
    title = "The campaign is not in a state that allows this"


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


async def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check a campaign's fields (all of them, after a change); returns them cleaned."""
    v = {k: values.get(k) for k in EDITABLE}
    name = (v["name"] or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("a campaign name is 1-200 characters", field="name")
    v["name"] = name
    if v["audience"] not in AUDIENCES:
        raise InvalidInput(f"audience must be one of {', '.join(AUDIENCES)}", field="audience")
    for kind, table in (("segment", Segment), ("vip_group", VipGroup), ("tier", Tier)):
        if v["audience"] == kind:
            if not v[kind] or not await table.exists().where(table.id == v[kind]):
                raise InvalidInput(f"choose an existing {kind.replace('_', ' ')} for this audience", field=kind)
        else:
            v[kind] = None
    if v["gift_kind"] not in GIFTS:
        raise InvalidInput("gift must be points or voucher", field="gift_kind")
    if v["gift_kind"] == "points":
        points = v["gift_points"]
        if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= 10_000_000:
            raise InvalidInput("gift points must be a whole number from 1 to 10,000,000", field="gift_points")
        v["reward"] = None
    else:
        if not v["reward"] or not await Reward.exists().where(Reward.id == v["reward"]):
            raise InvalidInput("choose an existing reward for a voucher gift", field="reward")
        v["gift_points"] = 0
    for field in ("title_vi", "title_en", "message_vi", "message_en"):
        text = str(v[field] or "").strip()
        if not text:
            raise InvalidInput(f"{field} is required (the members read it in their language)", field=field)
        _check_template(text, field)
        v[field] = text
    if v["schedule"] not in SCHEDULES:
        raise InvalidInput(f"schedule must be one of {', '.join(SCHEDULES)}", field="schedule")
    if v["schedule"] == "once" and not isinstance(v["run_at"], datetime):
        raise InvalidInput("a one-off campaign needs run_at (date and time)", field="run_at")
    if isinstance(v["run_at"], datetime):
        v["run_at"] = schedule.staff_time(v["run_at"], PROGRAMME.timezone)
    days_before = v["days_before"] or 0
    if not isinstance(days_before, int) or not 0 <= days_before <= 60:
        raise InvalidInput("days before the birthday: 0 to 60", field="days_before")
    v["days_before"] = days_before
    if v["schedule"] == "holiday" and v["holiday"] not in schedule.holiday_names():
        raise InvalidInput(f"holiday must be one of: {', '.join(schedule.holiday_names())}", field="holiday")
    if v["schedule"] == "lunar":
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
    return v


async def create_campaign(values: dict[str, Any], *, actor: StaffActor | None = None) -> int:
    from loyalty import audit

    clean = await validate(values)
    async with write_transaction():
        if await Campaign.exists().where(Campaign.name == clean["name"]):
            raise Conflict(f"a campaign named {clean['name']!r} exists already", field="name")
        campaign = Campaign(**clean, status=CampaignStatus.DRAFT, created_by=actor.user_id if actor else None)
        await campaign.save()
        if actor:
            await audit.record(actor, "campaign.create", "campaign", campaign.id, name=clean["name"])
        return int(campaign.id)


async def update_campaign(campaign_id: int, changes: dict[str, Any], *, actor: StaffActor | None = None) -> None:
    """Change a campaign in draft or paused (not while it gives, nor once it is over)."""
    from loyalty import audit

    async with write_transaction():
        row = await Campaign.select().where(Campaign.id == campaign_id).first()
        if row is None:
            raise CampaignNotFound(f"campaign {campaign_id} not found")
        if row["status"] not in (CampaignStatus.DRAFT, CampaignStatus.PAUSED, CampaignStatus.SCHEDULED):
            raise CampaignStateConflict(f"a {row['status']} campaign cannot be changed")
        clean = await validate({**row, **changes})
        clean["updated_at"] = datetime.now(UTC)
        await Campaign.update({getattr(Campaign, k): val for k, val in clean.items()}).where(
            (Campaign.id == campaign_id) & (Campaign.status == row["status"])
        )
        if actor:
            changed = sorted(k for k, val in clean.items() if k != "updated_at" and row.get(k) != val)
            await audit.record(actor, "campaign.update", "campaign", campaign_id, changed=changed)


TRANSITIONS = {
    "launch": ((CampaignStatus.DRAFT, CampaignStatus.PAUSED), CampaignStatus.SCHEDULED),
    "pause": ((CampaignStatus.SCHEDULED, CampaignStatus.RUNNING), CampaignStatus.PAUSED),
    "cancel": (
        (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED),
        CampaignStatus.CANCELLED,
    ),
}


async def change_status(campaign_id: int, action: str, *, actor: StaffActor | None = None) -> str:
    """Launch, pause or cancel: one guarded UPDATE from the statuses that allow it."""
    from loyalty import audit

    if action not in TRANSITIONS:
        raise InvalidInput(f"action must be one of {', '.join(TRANSITIONS)}", field="action")
    allowed, target = TRANSITIONS[action]
    async with write_transaction():
        row = await Campaign.select(Campaign.status).where(Campaign.id == campaign_id).first()
        if row is None:
            raise CampaignNotFound(f"campaign {campaign_id} not found")
        if action == "launch":
            full = await Campaign.select().where(Campaign.id == campaign_id).first()
            await validate(dict(full or {}))
        moved = (
            await Campaign.update({Campaign.status: target, Campaign.updated_at: datetime.now(UTC)})
            .where((Campaign.id == campaign_id) & Campaign.status.is_in(list(allowed)))
            .returning(Campaign.id)
        )
        if not moved:
            raise CampaignStateConflict(f"cannot {action} a {row['status']} campaign")
        if actor:
            await audit.record(actor, f"campaign.{action}", "campaign", campaign_id)
        return target


# --- the audience ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    from_clause: str
    where: str
    args: list[Any]


async def audience_of(campaign: dict[str, Any], *, now: datetime) -> Audience:
    base = "m.erased_at IS NULL"
    if campaign["audience"] == "segment":
        compiled = compile_filter(await definition_of(campaign["segment"]), Context.at(now))
        return Audience(compiled.from_clause(), f"{base} AND ({compiled.sql})", compiled.args)
    if campaign["audience"] == "vip_group":
        where = f'{base} AND EXISTS (SELECT 1 FROM vip_member vm WHERE vm.member = m.id AND vm."group" = {{}})'
        return Audience("member m", where, [campaign["vip_group"]])
    if campaign["audience"] == "tier":
        return Audience("member m", f"{base} AND m.tier = {{}}", [campaign["tier"]])
    return Audience("member m", base, [])


async def audience_size(campaign_id: int, *, now: datetime | None = None) -> int:
    campaign = await _campaign(campaign_id)
    audience = await audience_of(campaign, now=now or datetime.now(UTC))
    rows = await Member.raw(f"SELECT COUNT(*) AS n FROM {audience.from_clause} WHERE {audience.where}", *audience.args)
    return int(rows[0]["n"])


def _birthday_sql() -> str:
    from loyalty.db import is_sqlite

    return "strftime('%m-%d', m.birthday)" if is_sqlite() else "to_char(m.birthday, 'MM-DD')"


# --- the runs that fall due -----------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    key: str  # unique per campaign: what was chosen once
    occurrence: str  # one gift per member per occurrence
    where: str  # extra condition on m
    args: list[Any]


async def due_runs(campaign: dict[str, Any], now: datetime) -> list[Due]:
    kind = campaign["schedule"]
    today = schedule.local_today(now, PROGRAMME.timezone)
    if not _within_dates(campaign, today):
        return []
    if kind == "once":
        return [Due("once", "once", "1 = 1", [])] if campaign["run_at"] and campaign["run_at"] <= now else []
    if kind in ("holiday", "lunar"):
        dates = schedule.dated_occurrences(
            kind,
            today,
            holiday=campaign["holiday"],
            lunar_month=campaign["lunar_month"],
            lunar_day=campaign["lunar_day"],
        )
        return [Due(d.isoformat(), d.isoformat(), "1 = 1", []) for d in dates]
    zones = await Member.raw("SELECT DISTINCT timezone FROM member WHERE erased_at IS NULL")
    runs = []
    for row in zones:
        tz = row["timezone"]
        local = schedule.local_today(now, tz)
        if not _within_dates(campaign, local):
            continue
        if kind == "birthday":
            year, days = schedule.birthday_match(local, campaign["days_before"] or 0)
            marks = ", ".join("{}" for _ in days)
            where = f"m.timezone = {{}} AND {_birthday_sql()} IN ({marks})"
            runs.append(Due(f"{local.isoformat()} {tz}", year, where, [tz, *days]))
        elif kind == "anniversary":
            windows = schedule.anniversary_windows(local, tz)
            ranges = " OR ".join("(m.created_at >= {} AND m.created_at < {})" for _ in windows)
            args: list[Any] = [tz] + [t for w in windows for t in w]
            runs.append(Due(f"{local.isoformat()} {tz}", str(local.year), f"m.timezone = {{}} AND ({ranges})", args))
    return runs


def _within_dates(campaign: dict[str, Any], day: date) -> bool:
    starts, ends = campaign["starts_on"], campaign["ends_on"]
    return not (starts and day < starts) and not (ends and day > ends)


async def _campaign(campaign_id: int) -> dict[str, Any]:
    row = await Campaign.select().where(Campaign.id == campaign_id).first()
    if row is None:
        raise CampaignNotFound(f"campaign {campaign_id} not found")
    return dict(row)


async def _spec(campaign: dict[str, Any]) -> GiftSpec:
    names = {"vi": "", "en": ""}
    if campaign["reward"]:
        reward = await Reward.select(Reward.name_vi, Reward.name_en).where(Reward.id == campaign["reward"]).first()
        if reward:
            names = {"vi": reward["name_vi"], "en": reward["name_en"]}
    return GiftSpec(
        campaign_id=campaign["id"],
        name=campaign["name"],
        status=campaign["status"],
        gift_kind=campaign["gift_kind"],
        points=int(campaign["gift_points"]),
        reward_id=campaign["reward"],
        valid_days=campaign["voucher_valid_days"],
        texts={k: campaign[k] for k in ("title_vi", "title_en", "message_vi", "message_en")},
        reward_names=names,
    )


async def run_campaign(campaign_id: int, *, now: datetime | None = None, max_batches: int = MAX_BATCHES_PER_JOB) -> int:
    """Choose and give what is due for one campaign, in bounded batches; returns gifts given."""
    now = now or datetime.now(UTC)
    campaign = await _campaign(campaign_id)
    if campaign["status"] not in LIVE:
        return 0
    today = schedule.local_today(now, PROGRAMME.timezone)
    if campaign["ends_on"] and today > campaign["ends_on"] + timedelta(days=1):
        await finish_campaign(campaign_id, now)
        return 0
    audience = await audience_of(campaign, now=now)
    spec = await _spec(campaign)
    batches = 0
    given = 0
    for due in await due_runs(campaign, now):
        await CampaignRun.raw(
            "INSERT INTO campaign_run (campaign, key, occurrence, cursor, selected, created_at) "
            "VALUES ({}, {}, {}, 0, 0, {}) ON CONFLICT (campaign, key) DO NOTHING",
            campaign_id,
            due.key,
            due.occurrence,
            now,
        )
        run = (
            await CampaignRun.select(CampaignRun.id)
            .where((CampaignRun.campaign == campaign_id) & (CampaignRun.key == due.key))
            .first()
        )
        assert run is not None
        chosen: dict[str, Any] = {
            "audience_from": audience.from_clause,
            "audience_where": f"({audience.where}) AND ({due.where})",
            "audience_args": [*audience.args, *due.args],
            "now": now,
        }
        if spec.gift_kind == "points":
            # One pass: each batch chooses, credits and records its gifts (no pending rows),
            # on lanes of member ids that several workers give side by side.
            await plan_lanes(run["id"], now=now)
            points_given, count = await _give_points(run["id"], spec, chosen, max_batches - batches)
            batches += count
            given += points_given
            continue
        while batches < max_batches and await choose_batch(run["id"], **chosen):
            batches += 1
    while spec.gift_kind != "points" and batches < max_batches:
        batches += 1
        done = await give_batch(spec, now=now)
        if done is None:
            break
        given += done
    if campaign["schedule"] == "once" and batches < max_batches:
        left = await CampaignRun.raw(
            "SELECT COUNT(*) AS n FROM campaign_run WHERE campaign = {} AND selected_at IS NULL", campaign_id
        )
        pending = await CampaignRun.raw(
            "SELECT COUNT(*) AS n FROM campaign_gift WHERE campaign = {} AND status = 'pending'", campaign_id
        )
        runs = await CampaignRun.count().where(CampaignRun.campaign == campaign_id)
        if runs and not left[0]["n"] and not pending[0]["n"]:
            await finish_campaign(campaign_id, now)
    return given


async def _give_points(run_id: int, spec: GiftSpec, chosen: dict[str, Any], max_batches: int) -> tuple[int, int]:
    """Points batches of one run by ``PROGRAMME.fanout_workers`` workers at once (one on SQLite,
    whose single writer gains nothing from more); each takes a free lane per batch and stops when
    none is left. Returns (gifts given, batches run)."""
    given = 0
    batches = 0
    failed: list[Exception] = []

    async def worker() -> None:
        nonlocal given, batches
        while batches < max_batches and not failed:
            batches += 1
            try:
                outcome = await gift_points_batch(run_id, spec, **chosen)
            except Exception as exc:
                failed.append(exc)
                return
            if outcome is None:
                batches -= 1
                return
            given += outcome.given
            if outcome.budget_spent:
                await refuse_the_rest(run_id, spec, **chosen)
                return

    # When one worker fails, the others end the batch they are in and stop, rather than being
    # cancelled halfway through one.
    await asyncio.gather(*(worker() for _ in range(1 if is_sqlite() else PROGRAMME.fanout_workers)))
    if failed:
        raise failed[0]
    return given, batches


@job("campaigns.run", every=timedelta(minutes=5))
async def run_due_campaigns(now: datetime) -> int:
    live = await Campaign.select(Campaign.id).where(Campaign.status.is_in(list(LIVE)))
    given = 0
    for row in live:
        given += await run_campaign(row["id"], now=now)
    return given
