"""Fan-out of a campaign's gifts: set-based SQL in batches, resumable, safe with many workers.

This module holds what both kinds of gift share (:class:`GiftSpec`, the campaign's words, the
budget) and the *voucher* fan-out; *points* gifts are given by lanes of the audience, several
workers side by side, in :mod:`loyalty.campaign_points`.

Budget: the campaign's counters are raised only by one conditional UPDATE
(``gifts_issued + n <= max_gifts`` …, :func:`take_budget`); when it fails, the campaign row is
locked and only what is left is taken (:func:`budget_left`), so the caps hold across workers.

*Voucher* gifts take two phases: *choose* (``INSERT … SELECT … ON CONFLICT DO NOTHING`` of the
audience as ``pending`` rows, per member-id range, the cursor advanced by a conditional UPDATE)
and *give* (pending rows taken ``FOR UPDATE SKIP LOCKED``, budget reserved as above, vouchers
issued one by one through ``issue_voucher``, rows marked ``given`` / ``over_budget`` /
``failed``). One ``campaign_gift`` event per voucher, carrying its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from string import Template
from typing import Any

from loyalty.db import is_sqlite, write_transaction
from loyalty.events import EventKind, emit
from loyalty.points import LedgerBroken, fetch
from loyalty.schema import CampaignGift, CampaignRun, CampaignStatus, Member

CHOOSE_BATCH = 50_000
VOUCHER_BATCH = 200
LIVE = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING)
REFERENCE_PREFIX = "campaign-gift:"


@dataclass(frozen=True)
class GiftSpec:
    """What a campaign gives and says, read once per batch."""

    campaign_id: int
    name: str
    status: str
    gift_kind: str
    points: int
    reward_id: int | None
    valid_days: int | None
    texts: dict[str, str]  # title_vi, title_en, message_vi, message_en
    reward_names: dict[str, str]


def typed_param(kind: str) -> str:
    """A placeholder in VALUES or a SELECT list, typed on PostgreSQL (where a bare parameter there is text)."""
    return "{}" if is_sqlite() else f"CAST({{}} AS {kind})"


def render(template: str, values: dict[str, str]) -> str:
    """``$name``-style placeholders from a fixed mapping only (no attribute or index lookups)."""
    return Template(template).safe_substitute(values)


# --- vouchers, phase 1: choose ---------------------------------------------------------------------


async def choose_batch(
    run_id: int, *, audience_from: str, audience_where: str, audience_args: list[Any], now: datetime
) -> bool:
    """Choose the next id range of a run's audience; False once the whole audience is chosen."""
    async with write_transaction():
        run = await CampaignRun.select().where(CampaignRun.id == run_id).first()
        if run is None or run["selected_at"] is not None:
            return False
        top = await Member.raw("SELECT COALESCE(MAX(id), 0) AS top FROM member")
        highest = int(top[0]["top"])
        low = int(run["cursor"]) + 1
        high = low + CHOOSE_BATCH - 1
        done = high >= highest
        claimed = await CampaignRun.raw(
            "UPDATE campaign_run SET cursor = {}, selected_at = {} WHERE id = {} AND cursor = {} RETURNING id",
            high,
            now if done else None,
            run_id,
            run["cursor"],
        )
        if not claimed:
            return True  # another worker took this range: look again
        inserted = await CampaignGift.raw(
            f"INSERT INTO campaign_gift (campaign, occurrence, member, status, points, error, created_at) "
            f"SELECT {{}}, {{}}, m.id, 'pending', 0, '', {typed_param('TIMESTAMPTZ')} "
            f"FROM {audience_from} WHERE ({audience_where}) AND m.id BETWEEN {{}} AND {{}} "
            f"ON CONFLICT (campaign, occurrence, member) DO NOTHING RETURNING id",
            run["campaign"],
            run["occurrence"],
            now,
            *audience_args,
            low,
            high,
        )
        if inserted:
            await CampaignRun.raw(
                "UPDATE campaign_run SET selected = selected + {} WHERE id = {}", len(inserted), run_id
            )
        return not done


# --- vouchers, phase 2: give -------------------------------------------------------------


async def give_batch(spec: GiftSpec, *, now: datetime) -> int | None:
    """Give one batch of pending voucher gifts; returns how many were given, None when nothing is
    pending. (Points gifts never wait as pending: :func:`loyalty.campaign_points.gift_points_batch`
    gives them at once.)"""
    size = VOUCHER_BATCH
    async with write_transaction():
        status = await CampaignGift.raw("SELECT status FROM campaign WHERE id = {}", spec.campaign_id)
        if not status or status[0]["status"] not in LIVE:
            return None
        lock = "" if is_sqlite() else " FOR UPDATE SKIP LOCKED"
        pending = await CampaignGift.raw(
            "SELECT id, member, occurrence FROM campaign_gift WHERE campaign = {} AND status = 'pending' "
            f"ORDER BY id LIMIT {size}{lock}",
            spec.campaign_id,
        )
        if not pending:
            return None
        allowed = await reserve_budget(spec, len(pending))
        give, refuse = pending[:allowed], pending[allowed:]
        if refuse:
            await _mark_over_budget(spec.campaign_id, [g["id"] for g in refuse], everything_left=allowed == 0, now=now)
        if give:
            await _give_vouchers(spec, give, now)
            await mark_running(spec.campaign_id, now)
        return len(give)


async def mark_running(campaign_id: int, now: datetime) -> None:
    """A scheduled campaign becomes running with its first gift; any other status stays."""
    await CampaignGift.raw(
        "UPDATE campaign SET status = 'running', updated_at = {} WHERE id = {} AND status = 'scheduled'",
        now,
        campaign_id,
    )


async def finish_campaign(campaign_id: int, now: datetime) -> None:
    """A live (scheduled or running) campaign becomes finished; paused or cancelled ones stay so."""
    await CampaignGift.raw(
        "UPDATE campaign SET status = 'finished', updated_at = {} WHERE id = {} AND status IN ('scheduled', 'running')",
        now,
        campaign_id,
    )


async def reserve_budget(spec: GiftSpec, wanted: int) -> int:
    """Raise the campaign's counters for up to ``wanted`` gifts within the caps; how many fit."""
    return wanted if await take_budget(spec, wanted) else await take_what_is_left(spec, wanted)


async def take_what_is_left(spec: GiftSpec, wanted: int) -> int:
    """After :func:`take_budget` refused ``wanted``: lock the campaign row, raise the counters by
    what still fits, and return that (0 when the budget is spent)."""
    left = await budget_left(spec, wanted)
    if left and not await take_budget(spec, left):
        raise LedgerBroken(f"campaign {spec.campaign_id}: budget moved under a locked row")
    return left


async def take_budget(spec: GiftSpec, n: int) -> bool:
    """Raise the campaign's counters by ``n`` gifts if that stays within its caps (one guarded UPDATE)."""
    points = n * (spec.points if spec.gift_kind == "points" else 0)
    rows = await fetch(
        "UPDATE campaign SET gifts_issued = gifts_issued + $1, points_given = points_given + $2 "
        "WHERE id = $3 AND (max_gifts IS NULL OR gifts_issued + $4 <= max_gifts) "
        "AND (max_points IS NULL OR points_given + $5 <= max_points) RETURNING id",
        n,
        points,
        spec.campaign_id,
        n,
        points,
    )
    return bool(rows)


async def budget_left(spec: GiftSpec, wanted: int) -> int:
    """How many of ``wanted`` gifts still fit the caps, with the campaign's row locked until the
    transaction ends (FOR NO KEY UPDATE: the foreign-key checks of gift rows still pass it)."""
    lock = "" if is_sqlite() else " FOR NO KEY UPDATE"
    row = (
        await fetch(
            f"SELECT max_gifts, max_points, gifts_issued, points_given FROM campaign WHERE id = $1{lock}",
            spec.campaign_id,
        )
    )[0]
    left = wanted
    if row["max_gifts"] is not None:
        left = min(left, int(row["max_gifts"]) - int(row["gifts_issued"]))
    points = spec.points if spec.gift_kind == "points" else 0
    if row["max_points"] is not None and points:
        left = min(left, (int(row["max_points"]) - int(row["points_given"])) // points)
    return max(left, 0)


async def _mark_over_budget(campaign_id: int, gift_ids: list[int], *, everything_left: bool, now: datetime) -> None:
    marks = ", ".join("{}" for _ in gift_ids)
    await CampaignGift.raw(
        f"UPDATE campaign_gift SET status = 'over_budget' WHERE status = 'pending' AND id IN ({marks})", *gift_ids
    )
    if everything_left:
        # The budget is spent: nothing pending can ever be given, and the campaign is over.
        # Rows another worker holds are skipped: that worker finds the budget spent and marks them.
        skip = "" if is_sqlite() else " FOR UPDATE SKIP LOCKED"
        await CampaignGift.raw(
            "UPDATE campaign_gift SET status = 'over_budget' WHERE id IN (SELECT id FROM campaign_gift "
            f"WHERE campaign = {{}} AND status = 'pending'{skip})",
            campaign_id,
        )
        await finish_campaign(campaign_id, now)


def gift_texts(spec: GiftSpec, member: dict[str, Any], voucher_code: str = "") -> dict[str, str]:
    out = {}
    for locale in ("vi", "en"):
        values = {
            "name": (member.get("name") or "").strip()[:100] or ("bạn" if locale == "vi" else "there"),
            "points": f"{spec.points:,}".replace(",", "." if locale == "vi" else ","),
            "reward": spec.reward_names.get(locale, ""),
            "campaign": spec.name,
            "code": voucher_code,
        }
        out[f"title_{locale}"] = render(spec.texts[f"title_{locale}"], values)
        out[f"body_{locale}"] = render(spec.texts[f"message_{locale}"], values)
    return out


async def _give_vouchers(spec: GiftSpec, gifts: list[dict[str, Any]], now: datetime) -> None:
    """Vouchers go one by one through ``issue_voucher`` (idempotent on the gift's reference)."""
    from loyalty.rewards import OutOfStock, issue_voucher

    assert spec.reward_id is not None
    for g in gifts:
        reference = f"{REFERENCE_PREFIX}{g['id']}"
        try:
            async with write_transaction():
                voucher = await issue_voucher(
                    int(g["member"]), spec.reward_id, source="campaign", reference=reference, valid_days=spec.valid_days
                )
        except OutOfStock:
            await CampaignGift.raw(
                "UPDATE campaign_gift SET status = 'failed', error = 'out of stock' WHERE id = {}", g["id"]
            )
            await CampaignGift.raw(
                "UPDATE campaign SET gifts_issued = gifts_issued - 1 WHERE id = {}", spec.campaign_id
            )
            continue
        await CampaignGift.raw(
            "UPDATE campaign_gift SET status = 'given', given_at = {}, voucher = {} WHERE id = {}",
            now,
            voucher.id,
            g["id"],
        )
        member = await Member.select(Member.name).where(Member.id == g["member"]).first() or {}
        await emit(
            EventKind.CAMPAIGN_GIFT,
            int(g["member"]),
            campaign_id=spec.campaign_id,
            campaign=spec.name,
            occurrence=g["occurrence"],
            gift_id=g["id"],
            voucher_id=voucher.id,
            code=voucher.code,
            **gift_texts(spec, dict(member), voucher.code),
        )
