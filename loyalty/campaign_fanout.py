"""Fan-out of a campaign's gifts: set-based SQL in batches, resumable, safe with many workers.

*Points* gifts take one pass (:func:`gift_points_batch`), each batch one write transaction: the
run's row is locked (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction serialises), the
next ``GIVE_BATCH`` audience members after its ``cursor`` not yet gifted this occurrence are
chosen, the budget is reserved with one conditional UPDATE of the campaign's counters
(``gifts_issued + n <= max_gifts`` …; when it fails, the campaign row is locked and only what is
left is reserved), the points credited set-wise, and each gift row written once, already
``given`` with its ledger entry (or ``over_budget``; then the rest of the run's audience is
recorded ``over_budget`` and the campaign finished), and the cursor moved to the last member
taken. A crash rolls the whole batch back; the next run carries on after the cursor, and
UNIQUE (campaign, occurrence, member) makes a second gift impossible. Two workers on the same
run queue on its row and take consecutive batches.

*Voucher* gifts take two phases: *choose* (``INSERT … SELECT … ON CONFLICT DO NOTHING`` of the
audience as ``pending`` rows, per member-id range, the cursor advanced by a conditional UPDATE)
and *give* (pending rows taken ``FOR UPDATE SKIP LOCKED``, budget reserved as above, vouchers
issued one by one, rows marked ``given`` / ``over_budget`` / ``failed``). One event per gift.

Points are credited by :func:`loyalty.bulk_ledger.bulk_credit`, which keeps every ledger
invariant exactly like ``loyalty.ledger.credit``: one ``gift`` entry per gift (reference
``campaign-gift:<id>``, so the unique reference makes a repeat impossible), one new lot each,
``balance_after`` and the hash chain computed with ``loyalty.ledger.entry_hash`` in Python, and
the balances moved by one guarded statement that checks every member's balance is still the one
the entries were computed from. Entries, lots and events are written with COPY (PostgreSQL) or
``executemany`` (SQLite); on SQLite the batch runs with a larger page cache
(``bulk_ledger.larger_cache``; durability pragmas untouched).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from string import Template
from typing import Any

from loyalty.bulk_ledger import bulk_credit, execute, fetch, insert_rows, larger_cache, next_ids, update_rows
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


async def gift_points_batch(
    run_id: int, spec: GiftSpec, *, audience_from: str, audience_where: str, audience_args: list[Any], now: datetime
) -> int | None:
    """Give points to the next ``GIVE_BATCH`` members of a run's audience after its cursor, in one
    transaction: the gift rows are written once, already ``given`` (with their ledger entry), the
    cursor moves to the last member taken. Returns gifts given, None when the run is done."""
    async with write_transaction(), larger_cache():
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
        # Members already gifted this occurrence (an earlier run of it, or a restarted run) are skipped.
        chosen = await CampaignGift.raw(
            f"SELECT m.id FROM {audience_from} WHERE ({audience_where}) AND m.id > {{}} AND NOT EXISTS "
            "(SELECT 1 FROM campaign_gift g WHERE g.campaign = {} AND g.occurrence = {} AND g.member = m.id) "
            f"ORDER BY m.id LIMIT {GIVE_BATCH}",
            *audience_args,
            cursor,
            spec.campaign_id,
            occurrence,
        )
        members = [int(r["id"]) for r in chosen]
        done = len(members) < GIVE_BATCH
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
        give, refuse = members[:allowed], members[allowed:]
        gift_ids = await next_ids("campaign_gift", len(members))
        rows: list[tuple[Any, ...]] = []
        if give:
            references = [f"{REFERENCE_PREFIX}{g}" for g in gift_ids[: len(give)]]
            credited = await bulk_credit(
                list(zip(give, references, strict=True)), spec.points, description=f"Gift: {spec.name}"[:500], now=now
            )
            for gift_id, member_id, entry in zip(gift_ids, give, credited.entry_ids, strict=False):
                rows.append(
                    (gift_id, spec.campaign_id, occurrence, member_id, "given", spec.points, entry, "", now, now)
                )
        for gift_id, member_id in zip(gift_ids[len(give) :], refuse, strict=True):
            rows.append((gift_id, spec.campaign_id, occurrence, member_id, "over_budget", 0, None, "", now, None))
        await insert_rows("campaign_gift", GIFT_COLUMNS, rows)
        if give:
            payload = PayloadWriter(spec)
            events = [
                (
                    EventKind.CAMPAIGN_GIFT.value,
                    member_id,
                    payload.json({"id": gift_id, "occurrence": occurrence}, balance, credited.names[member_id]),
                    now,
                )
                for gift_id, member_id, balance in zip(gift_ids, give, credited.balances, strict=False)
            ]
            await insert_rows("domain_event", ("kind", "member", "payload", "created_at"), events)
            await CampaignGift.raw(
                "UPDATE campaign SET status = 'running', updated_at = {} WHERE id = {} AND status = 'scheduled'",
                now,
                spec.campaign_id,
            )
        if refuse:
            await _refuse_the_rest(spec, run_id, occurrence, high, audience_from, audience_where, audience_args, now)
        return len(give)


GIFT_COLUMNS = (
    "id",
    "campaign",
    "occurrence",
    "member",
    "status",
    "points",
    "entry",
    "error",
    "created_at",
    "given_at",
)


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
    """The budget is spent: the rest of the run's audience is recorded ``over_budget`` set-wise,
    the run is done and the campaign finished (nothing more can be given)."""
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
    """Give one batch of pending gifts; returns how many were given, None when nothing is pending."""
    size = GIVE_BATCH if spec.gift_kind == "points" else VOUCHER_BATCH
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
            if spec.gift_kind == "points":
                await _give_points(spec, give, now)
            else:
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


async def _give_points(spec: GiftSpec, gifts: list[dict[str, Any]], now: datetime) -> None:
    credited = await bulk_credit(
        [(int(g["member"]), f"{REFERENCE_PREFIX}{g['id']}") for g in gifts],
        spec.points,
        description=f"Gift: {spec.name}"[:500],
        now=now,
    )
    marked = await update_rows(
        "UPDATE campaign_gift SET given_at = ?, points = ?, status = 'given', entry = ? "
        "WHERE id = ? AND status = 'pending'",
        "UPDATE campaign_gift AS g SET given_at = $3, points = $4, status = 'given', entry = v.entry "
        "FROM unnest($1::bigint[], $2::bigint[]) AS v(entry, id) WHERE g.id = v.id AND g.status = 'pending'",
        [(entry, g["id"]) for entry, g in zip(credited.entry_ids, gifts, strict=True)],
        now,
        spec.points,
    )
    if marked != len(gifts):
        raise LedgerBroken(f"campaign {spec.campaign_id}: a gift left 'pending' under its giver")
    payload = PayloadWriter(spec)
    events = [
        (
            EventKind.CAMPAIGN_GIFT.value,
            int(g["member"]),
            payload.json(g, balance, credited.names[int(g["member"])]),
            now,
        )
        for g, balance in zip(gifts, credited.balances, strict=True)
    ]
    await insert_rows("domain_event", ("kind", "member", "payload", "created_at"), events)


class PayloadWriter:
    """The ``campaign_gift`` event's JSON, exactly ``json.dumps`` of the payload ``_texts`` gives,
    built from pieces escaped once per batch: only the member's name, the gift id, occurrence and
    balance change from one gift to the next (a million ``json.dumps`` calls cost seconds)."""

    SENTINEL = "\x00name\x00"

    def __init__(self, spec: GiftSpec) -> None:
        self.spec = spec
        head = json.dumps({"campaign_id": spec.campaign_id, "campaign": spec.name}, ensure_ascii=False)
        self.head = head[:-1] + ', "occurrence": '
        self.points = f', "points": {spec.points}, "balance": '
        rendered = _texts(spec, {"name": self.SENTINEL})
        fixed = [spec.name, *spec.reward_names.values()]
        self.exact = not any(self.SENTINEL in value for value in fixed)
        # Each text as its JSON-escaped pieces around the name (escaping is per character).
        self.pieces = {k: [_escape(part) for part in text.split(self.SENTINEL)] for k, text in rendered.items()}

    def json(self, gift: dict[str, Any], balance: int, name: str) -> str:
        occurrence = json.dumps(gift["occurrence"], ensure_ascii=False)
        start = f'{self.head}{occurrence}, "gift_id": {gift["id"]}{self.points}{balance}'
        if not self.exact:
            payload = {
                "campaign_id": self.spec.campaign_id,
                "campaign": self.spec.name,
                "occurrence": gift["occurrence"],
                "gift_id": gift["id"],
                "points": self.spec.points,
                "balance": balance,
                **_texts(self.spec, {"name": name}),
            }
            return json.dumps(payload, ensure_ascii=False)
        shown = name.strip()[:100]
        texts = []
        for key, pieces in self.pieces.items():
            value = shown or ("bạn" if key.endswith("_vi") else "there")
            texts.append(f'"{key}": "{_escape(value).join(pieces)}"')
        return f"{start}, {', '.join(texts)}}}"


def _escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


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
