"""Fan-out of a campaign's gifts: set-based SQL in batches, resumable, safe with many workers.

*Points* gifts take one pass (:func:`gift_points_batch`), each batch one write transaction: the
run's row is locked (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction serialises), the
next ``GIVE_BATCH`` audience members after its ``cursor`` not yet gifted this occurrence are
chosen, the budget is reserved with one conditional UPDATE of the campaign's counters
(``gifts_issued + n <= max_gifts`` …; when it fails, the campaign row is locked and only what is
left is reserved), the points credited set-wise, each gift row written once, already ``given``
with its ledger entry, one ``campaign_gifts`` event written for the batch, and the cursor moved
to the last member taken. When the budget runs out, the rest of the run's audience is recorded
``over_budget`` and the campaign finished. A crash rolls the whole batch back; the next run
carries on after the cursor, and UNIQUE (campaign, occurrence, member), on the gift rows and in
the ledger reference (``campaign-gift:<campaign>:<occurrence>:<member>``), makes a second gift
impossible. Two workers on the same run queue on its row and take consecutive batches.

Points are credited by :func:`loyalty.bulk_ledger.bulk_credit`, which keeps every ledger
invariant exactly like ``loyalty.ledger.credit`` (one entry and one lot per gift, the hash chain,
guarded balance moves). The batch's event names its gift id range and carries the campaign's
words; the notifications side writes each member's message from it (:class:`GiftBatch`), in
the member's locale and under the consent, quiet-hour and cap rules. One event per batch instead
of one per gift: a million gifts would otherwise write a million payloads nobody reads twice.

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

from loyalty.bulk_ledger import (
    Holder,
    bulk_credit,
    bulk_settings,
    execute,
    fetch,
    fetch_template,
    holders,
    next_sqlite_id,
    sqlite_timestamp,
)
from loyalty.campaign_tables import CampaignGift, CampaignRun
from loyalty.db import is_sqlite, write_transaction
from loyalty.events import EventKind, emit
from loyalty.ledger import LedgerBroken
from loyalty.tables import Member

CHOOSE_BATCH = 50_000
GIVE_BATCH = 20_000  # one write transaction: ~0.5 s of SQLite's write lock
VOUCHER_BATCH = 200
LIVE = ("scheduled", "running")
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


def _cast(kind: str) -> str:
    """A VALUES placeholder, typed on PostgreSQL (where a bare parameter in VALUES is text)."""
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
        points_sql = "{}"
        inserted = await CampaignGift.raw(
            f"INSERT INTO campaign_gift (campaign, occurrence, member, status, points, error, created_at) "
            f"SELECT {{}}, {{}}, m.id, 'pending', {points_sql}, '', {_cast('TIMESTAMPTZ')} "
            f"FROM {audience_from} WHERE ({audience_where}) AND m.id BETWEEN {{}} AND {{}} "
            f"ON CONFLICT (campaign, occurrence, member) DO NOTHING RETURNING id",
            run["campaign"],
            run["occurrence"],
            0,
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


# --- points: choose and give in one go ---------------------------------------------------


def gift_reference(campaign_id: int, occurrence: str, member_id: int) -> str:
    """The ledger reference of a points gift: unique exactly when (campaign, occurrence, member) is."""
    return f"{REFERENCE_PREFIX}{campaign_id}:{occurrence}:{member_id}"


async def gift_points_batch(
    run_id: int, spec: GiftSpec, *, audience_from: str, audience_where: str, audience_args: list[Any], now: datetime
) -> int | None:
    """Give points to the next ``GIVE_BATCH`` members of a run's audience after its cursor, in one
    transaction: the gift rows are written once, already ``given`` (with their ledger entry), one
    event reports the batch, the cursor moves to the last member taken. Returns gifts given, None
    when the run is done."""
    async with write_transaction(), bulk_settings():
        lock = "" if is_sqlite() else " FOR UPDATE"
        run = await fetch(
            f"SELECT campaign, occurrence, cursor, selected_at FROM campaign_run WHERE id = $1{lock}", run_id
        )
        if not run or run[0]["selected_at"] is not None:
            return None
        status = await fetch("SELECT status FROM campaign WHERE id = $1", spec.campaign_id)
        if not status or status[0]["status"] not in LIVE:
            return None
        occurrence, cursor = str(run[0]["occurrence"]), int(run[0]["cursor"])
        # The balances read here are current: SQLite's IMMEDIATE transaction is the only writer;
        # on PostgreSQL the chosen members are locked as they are read, in id order (the order
        # every bulk writer locks in), and a row changed meanwhile is read again.
        lock = "" if is_sqlite() else " FOR UPDATE OF m"
        # Members already gifted this occurrence (an earlier run of it, or a restarted run) are skipped.
        audience = (
            f"FROM {audience_from} WHERE ({audience_where}) AND m.id > {{}} AND NOT EXISTS "
            "(SELECT 1 FROM campaign_gift g WHERE g.campaign = {} AND g.occurrence = {} AND g.member = m.id)"
        )
        chosen = await fetch_template(
            f"SELECT m.id, m.points_balance, m.ledger_head {audience} ORDER BY m.id LIMIT {GIVE_BATCH}{lock}",
            *audience_args,
            cursor,
            spec.campaign_id,
            occurrence,
        )
        members = [int(r["id"]) for r in chosen]
        # A short batch means the end, unless a member left the audience while being locked (a
        # concurrent change re-read on PostgreSQL): look once more before calling the run done.
        done = len(members) < GIVE_BATCH and not await fetch_template(
            f"SELECT 1 AS more {audience} LIMIT 1",
            *audience_args,
            members[-1] if members else cursor,
            spec.campaign_id,
            occurrence,
        )
        high = members[-1] if members else cursor
        await execute(
            "UPDATE campaign_run SET cursor = $1, selected = selected + $2, selected_at = $3 WHERE id = $4",
            high,
            len(members),
            now if done else None,
            run_id,
        )
        if not members:
            return 0 if not done else None
        allowed = await _reserve(spec, len(members))
        if allowed:
            given = holders(chosen[:allowed])
            references = [gift_reference(spec.campaign_id, occurrence, h.id) for h in given]
            async with bulk_credit(
                given, references, spec.points, description=f"Gift: {spec.name}"[:500], now=now
            ) as credited:
                first, last = await _record_given(spec, occurrence, given, credited.entry_ids, now)
            await emit(EventKind.CAMPAIGN_GIFTS, None, **batch_payload(spec, occurrence, first, last))
            await execute(
                "UPDATE campaign SET status = 'running', updated_at = $1 WHERE id = $2 AND status = 'scheduled'",
                now,
                spec.campaign_id,
            )
        if allowed < len(members):
            after = members[allowed - 1] if allowed else cursor
            await _refuse_the_rest(spec, run_id, occurrence, after, audience_from, audience_where, audience_args, now)
        return allowed


async def _record_given(
    spec: GiftSpec, occurrence: str, given: list[Holder], entry_ids: list[int], now: datetime
) -> tuple[int, int]:
    """One ``given`` gift row per credit, set-wise; returns the first and last gift id written.
    SQLite: from the entries' id range (the only writer, so ids run on from MAX(id)).
    PostgreSQL: from arrays, ids from the sequence."""
    if is_sqlite():
        first = await next_sqlite_id("campaign_gift")
        at = sqlite_timestamp(now)
        await execute(
            "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, entry, error, created_at, "
            "given_at) SELECT $1, $2, member, 'given', delta, id, '', $3, $4 FROM ledger_entry "
            "WHERE id BETWEEN $5 AND $6 ORDER BY id",
            spec.campaign_id,
            occurrence,
            at,
            at,
            entry_ids[0],
            entry_ids[-1],
        )
        return first, first + len(given) - 1
    rows = await fetch(
        "WITH g AS (INSERT INTO campaign_gift (campaign, occurrence, member, status, points, entry, error, "
        "created_at, given_at) SELECT $1, $2, v.member, 'given', $3, v.entry, '', $4, $4 "
        "FROM unnest($5::bigint[], $6::bigint[]) AS v(member, entry) RETURNING id) "
        "SELECT MIN(id) AS first, MAX(id) AS last FROM g",
        spec.campaign_id,
        occurrence,
        spec.points,
        now,
        [h.id for h in given],
        entry_ids,
    )
    return int(rows[0]["first"]), int(rows[0]["last"])


def batch_payload(spec: GiftSpec, occurrence: str, first: int, last: int) -> dict[str, Any]:
    """The ``campaign_gifts`` event: one per batch, naming its gift id range and carrying the
    campaign's words as they were when given; the notifications side writes each member's message
    from it (:class:`GiftBatch`)."""
    return {
        "campaign_id": spec.campaign_id,
        "campaign": spec.name,
        "occurrence": occurrence,
        "first_gift": first,
        "last_gift": last,
        "points": spec.points,
        "texts": spec.texts,
        "reward_names": spec.reward_names,
    }


class GiftBatch:
    """A ``campaign_gifts`` event's payload, read once; :meth:`message` gives each member's
    ``campaign_gift`` message payload (the campaign's words with the member's name)."""

    def __init__(self, batch: dict[str, Any]) -> None:
        self.occurrence = batch["occurrence"]
        self.spec = GiftSpec(
            campaign_id=int(batch["campaign_id"]),
            name=str(batch["campaign"]),
            status="",
            gift_kind="points",
            points=int(batch["points"]),
            reward_id=None,
            valid_days=None,
            texts={k: str(v) for k, v in dict(batch["texts"]).items()},
            reward_names={k: str(v) for k, v in dict(batch.get("reward_names") or {}).items()},
        )

    def message(self, gift_id: int, name: str, balance: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "campaign_id": self.spec.campaign_id,
            "campaign": self.spec.name,
            "occurrence": self.occurrence,
            "gift_id": gift_id,
            "points": self.spec.points,
        }
        if balance is not None:
            payload["balance"] = balance
        payload.update(_texts(self.spec, {"name": name}))
        return payload


async def _refuse_the_rest(
    spec: GiftSpec,
    run_id: int,
    occurrence: str,
    after: int,
    audience_from: str,
    audience_where: str,
    audience_args: list[Any],
    now: datetime,
) -> None:
    """The budget is spent: the rest of the run's audience (after member ``after``) is recorded
    ``over_budget`` set-wise, the run is done and the campaign finished (nothing more can be given)."""
    await CampaignGift.raw(
        "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, error, created_at) "
        f"SELECT {{}}, {{}}, m.id, 'over_budget', 0, '', {_cast('TIMESTAMPTZ')} "
        f"FROM {audience_from} WHERE ({audience_where}) AND m.id > {{}} "
        "ON CONFLICT (campaign, occurrence, member) DO NOTHING",
        spec.campaign_id,
        occurrence,
        now,
        *audience_args,
        after,
    )
    top = await fetch("SELECT COALESCE(MAX(id), 0) AS top FROM member")
    await execute(
        "UPDATE campaign_run SET cursor = $1, selected_at = $2 WHERE id = $3", int(top[0]["top"]), now, run_id
    )
    await CampaignGift.raw(
        "UPDATE campaign SET status = 'finished' WHERE id = {} AND status IN ('scheduled', 'running')",
        spec.campaign_id,
    )


# --- vouchers, phase 2: give -------------------------------------------------------------


async def give_batch(spec: GiftSpec, *, now: datetime) -> int | None:
    """Give one batch of pending voucher gifts; returns how many were given, None when nothing is
    pending. (Points gifts never wait as pending: :func:`gift_points_batch` gives them at once.)"""
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
        allowed = await _reserve(spec, len(pending))
        give, refuse = pending[:allowed], pending[allowed:]
        if refuse:
            await _mark_over_budget(spec.campaign_id, [g["id"] for g in refuse], everything_left=allowed == 0)
        if give:
            await _give_vouchers(spec, give, now)
            await CampaignGift.raw(
                "UPDATE campaign SET status = 'running', updated_at = {} WHERE id = {} AND status = 'scheduled'",
                now,
                spec.campaign_id,
            )
        return len(give)


async def _reserve(spec: GiftSpec, wanted: int) -> int:
    """Raise the campaign's counters for up to ``wanted`` gifts within the caps; how many fit."""
    points = spec.points if spec.gift_kind == "points" else 0

    async def take(n: int) -> bool:
        rows = await CampaignGift.raw(
            "UPDATE campaign SET gifts_issued = gifts_issued + {}, points_given = points_given + {} "
            "WHERE id = {} AND (max_gifts IS NULL OR gifts_issued + {} <= max_gifts) "
            "AND (max_points IS NULL OR points_given + {} <= max_points) RETURNING id",
            n,
            n * points,
            spec.campaign_id,
            n,
            n * points,
        )
        return bool(rows)

    if await take(wanted):
        return wanted
    lock = "" if is_sqlite() else " FOR UPDATE"
    row = (
        await CampaignGift.raw(
            f"SELECT max_gifts, max_points, gifts_issued, points_given FROM campaign WHERE id = {{}}{lock}",
            spec.campaign_id,
        )
    )[0]
    left = wanted
    if row["max_gifts"] is not None:
        left = min(left, int(row["max_gifts"]) - int(row["gifts_issued"]))
    if row["max_points"] is not None and points:
        left = min(left, (int(row["max_points"]) - int(row["points_given"])) // points)
    left = max(left, 0)
    if left and not await take(left):
        raise LedgerBroken(f"campaign {spec.campaign_id}: budget moved under a locked row")
    return left


async def _mark_over_budget(campaign_id: int, gift_ids: list[int], *, everything_left: bool) -> None:
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
        await CampaignGift.raw(
            "UPDATE campaign SET status = 'finished' WHERE id = {} AND status IN ('scheduled', 'running')",
            campaign_id,
        )


def _texts(spec: GiftSpec, member: dict[str, Any], voucher_code: str = "") -> dict[str, str]:
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
    from loyalty.vouchers import OutOfStock, issue_voucher

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
            **_texts(spec, dict(member), voucher.code),
        )
