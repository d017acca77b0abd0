"""Vouchers: issued for a reward, redeemed once at a till, expired by a job, cancelled by staff.

Rules and invariants:

* A voucher moves ``issued → redeemed | expired | cancelled`` and never back; each move is one
  guarded ``UPDATE … WHERE status = 'issued' … RETURNING``, so two tills scanning the same code
  at once get exactly one success and the other ``voucher_redeemed``.
* Codes are 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L): ~59 bits, so
  they cannot be guessed; the code is what the QR carries.
* ``reference`` is unique: issuing again with the same reference returns the first voucher
  (idempotency for campaigns, compensation, birthdays and redemptions).
* A limited reward's stock only moves through :func:`take_stock` / :func:`restore_stock`,
  a guarded ``stock_left = stock_left - 1 WHERE stock_left > 0``: stock never goes below zero.
* Lock order (PostgreSQL): member row, then reward row, then voucher rows; every path keeps it.
* Cancelling gives the points of its spend back through ``ledger.give_back`` and restores the
  stock, in one transaction with the audit row and the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty import audit, points
from loyalty.audit import StaffActor
from loyalty.codes import READABLE_ALPHABET, readable_code
from loyalty.db import is_sqlite, write_transaction
from loyalty.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from loyalty.events import EventKind, emit
from loyalty.jobs import job
from loyalty.schema import Member, Reward, Store, Terminal, Voucher, VoucherStatus

CODE_ALPHABET = READABLE_ALPHABET
CODE_LENGTH = 12
SOURCES = ("redemption", "campaign", "compensation", "birthday")
ISSUED, REDEEMED, EXPIRED, CANCELLED = (
    VoucherStatus.ISSUED,
    VoucherStatus.REDEEMED,
    VoucherStatus.EXPIRED,
    VoucherStatus.CANCELLED,
)


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = "This reward is out of stock"


class VoucherNotFound(NotFound):
    code = "not_found"
    title = "No such voucher"


class VoucherRedeemed(Conflict):
    code = "voucher_redeemed"
    title = "This voucher was already redeemed"


class VoucherNotUsable(Conflict):
    code = "voucher_not_usable"
    title = "This voucher can no longer be used"


class VoucherExpired(Gone):
    code = "voucher_expired"
    title = "This voucher has expired"


class VoucherOtherStore(Forbidden):
    code = "voucher_other_store"
    title = "This voucher is for another store"


class VoucherReferenceReused(Conflict):
    code = "reference_reused"
    title = "This reference issued a voucher for another member or reward"


def new_code() -> str:
    return readable_code(CODE_LENGTH)


def normalise_code(code: str) -> str:
    """What a cashier types or a scanner reads: case and separators do not matter."""
    return "".join(ch for ch in code.upper() if ch not in " -")


# --- issuing ----------------------------------------------------------------------------


async def take_stock(reward_id: int) -> None:
    """One unit of a limited reward, or :class:`OutOfStock`; unlimited (NULL) rewards pass."""
    taken = (
        await Reward.update({Reward.stock_left: Reward.stock_left - 1})
        .where((Reward.id == reward_id) & Reward.stock_left.is_not_null() & (Reward.stock_left > 0))
        .returning(Reward.id)
    )
    if taken:
        return
    row = await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first()
    if row is None:
        raise NotFound(f"reward {reward_id} not found", field="reward_id")
    if row["stock_left"] is not None:
        raise OutOfStock(f"reward {reward_id} is out of stock", reward_id=reward_id)


async def restore_stock(reward_id: int) -> None:
    await Reward.update({Reward.stock_left: Reward.stock_left + 1}).where(
        (Reward.id == reward_id) & Reward.stock_left.is_not_null()
    )


async def lock_member(member_id: int) -> None:
    """Serialise a member's voucher changes (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
    transaction already does). Per-member limits and reference replays rely on it."""
    query = Member.select(Member.id).where(Member.id == member_id)
    if not is_sqlite():
        query = query.lock_rows("UPDATE")
    if await query.first() is None:
        raise NotFound(f"member {member_id} not found")


async def existing(reference: str, member_id: int, reward_id: int) -> Voucher | None:
    found = await Voucher.objects().where(Voucher.reference == reference).first()
    if found is not None and (found.member != member_id or found.reward != reward_id):
        raise VoucherReferenceReused(f"reference {reference!r} already issued another voucher", reference=reference)
    return found


async def create_voucher(
    member_id: int,
    reward_id: int,
    *,
    source: str,
    reference: str,
    valid_days: int,
    now: datetime,
    points_paid: int = 0,
    spend_entry: int | None = None,
) -> Voucher:
    """Insert the voucher and emit VOUCHER_ISSUED; callers hold the transaction and the stock."""
    if valid_days <= 0:
        raise InvalidInput("a voucher is valid for at least one day", field="valid_days")
    voucher = Voucher(
        code=new_code(),
        member=member_id,
        reward=reward_id,
        reference=reference,
        status=ISSUED,
        source=source,
        points_paid=points_paid,
        spend_entry=spend_entry,
        issued_at=now,
        valid_until=now + timedelta(days=valid_days),
    )
    await voucher.save()
    await emit(
        EventKind.VOUCHER_ISSUED,
        member_id,
        voucher_code=voucher.code,
        reward_id=reward_id,
        source=source,
        valid_until=voucher.valid_until.isoformat(),
    )
    return voucher


async def issue_voucher(
    member_id: int,
    reward_id: int,
    *,
    source: str,
    reference: str,
    valid_days: int | None = None,
) -> Voucher:
    """Give a member a voucher WITHOUT charging points (campaign gift, compensation, birthday).

    Idempotent on ``reference``: the same reference returns the voucher it issued. Takes one
    unit of a limited reward's stock (:class:`OutOfStock` otherwise). Does not check the
    reward's active flag, window or tier: gifts may use rewards kept out of the catalogue.
    ``valid_days`` defaults to the reward's ``voucher_valid_days``.
    """
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}", field="source")
    if not reference or len(reference) > 255:
        raise InvalidInput("a voucher reference is 1-255 characters", field="reference")
    now = datetime.now(UTC)
    async with write_transaction():
        await lock_member(member_id)
        found = await existing(reference, member_id, reward_id)
        if found is not None:
            return found
        reward = await Reward.select(Reward.voucher_valid_days).where(Reward.id == reward_id).first()
        if reward is None:
            raise NotFound(f"reward {reward_id} not found", field="reward_id")
        await take_stock(reward_id)
        days = valid_days if valid_days is not None else int(reward["voucher_valid_days"])
        return await create_voucher(member_id, reward_id, source=source, reference=reference, valid_days=days, now=now)


# --- at the till ------------------------------------------------------------------------


@dataclass(frozen=True)
class Redeemed:
    code: str
    reward_name_vi: str
    reward_name_en: str
    member_id: int
    member_public_id: str
    member_name: str


async def redeem_at_till(
    code: str, terminal: Terminal, *, receipt_no: str | None = None, now: datetime | None = None
) -> Redeemed:
    """Mark the voucher redeemed at this till, once. 404 unknown, 409 used, 410 expired, 403 store."""
    now = now or datetime.now(UTC)
    code = normalise_code(code)
    store_id = terminal.store.id if isinstance(terminal.store, Store) else int(terminal.store)
    async with write_transaction():
        row = await _voucher_with_reward(code)
        if row["reward.store"] is not None and row["reward.store"] != store_id:
            raise VoucherOtherStore("this voucher can only be used at another store", voucher_code=code)
        moved = (
            await Voucher.update(
                {
                    Voucher.status: REDEEMED,
                    Voucher.redeemed_at: now,
                    Voucher.redeemed_store: store_id,
                    Voucher.redeemed_terminal: terminal.id,
                    Voucher.receipt_no: receipt_no,
                }
            )
            .where((Voucher.id == row["id"]) & (Voucher.status == ISSUED) & (Voucher.valid_until > now))
            .returning(Voucher.id)
        )
        if not moved:
            await _why_not_usable(row["id"], now)
        await emit(
            EventKind.VOUCHER_REDEEMED,
            row["member"],
            voucher_code=code,
            reward_id=row["reward"],
            store_id=store_id,
            receipt_no=receipt_no,
        )
    member = await Member.select(Member.public_id, Member.name).where(Member.id == row["member"]).first()
    assert member is not None  # RESTRICT keeps a voucher's member
    return Redeemed(
        code,
        row["reward.name_vi"],
        row["reward.name_en"],
        row["member"],
        member["public_id"],
        member["name"],
    )


async def _voucher_with_reward(code: str) -> dict[str, Any]:
    row = (
        await Voucher.select(
            Voucher.id,
            Voucher.member,
            Voucher.reward,
            Voucher.reward.store,
            Voucher.reward.name_vi,
            Voucher.reward.name_en,
        )
        .where(Voucher.code == code)
        .first()
    )
    if row is None:
        raise VoucherNotFound("no voucher with this code", voucher_code=code)
    return row


async def _why_not_usable(voucher_id: int, now: datetime) -> None:
    """The guarded UPDATE matched nothing: say why, from the row as it is now."""
    row = await Voucher.select(Voucher.status, Voucher.valid_until).where(Voucher.id == voucher_id).first()
    assert row is not None
    if row["status"] == REDEEMED:
        raise VoucherRedeemed("this voucher was already redeemed")
    if row["status"] == EXPIRED or (row["status"] == ISSUED and row["valid_until"] <= now):
        raise VoucherExpired("this voucher has expired", valid_until=row["valid_until"].isoformat())
    raise VoucherNotUsable(f"this voucher is {row['status']}", voucher_status=row["status"])


# --- expiry and cancellation ------------------------------------------------------------


async def expire_due(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Issued vouchers past ``valid_until`` become expired, in batches of guarded UPDATEs."""
    now = now or datetime.now(UTC)
    expired = 0
    while True:
        due = (
            await Voucher.select(Voucher.id)
            .where((Voucher.status == ISSUED) & (Voucher.valid_until <= now))
            .order_by(Voucher.id)
            .limit(batch)
        )
        if not due:
            return expired
        async with write_transaction():
            moved = (
                await Voucher.update({Voucher.status: EXPIRED})
                .where(Voucher.id.is_in([r["id"] for r in due]) & (Voucher.status == ISSUED))
                .returning(Voucher.id)
            )
        expired += len(moved)
        if len(due) < batch:
            return expired


@job("vouchers.expire", every=timedelta(minutes=15))
async def expire_vouchers(now: datetime) -> int:
    return await expire_due(now=now)


async def cancel(code: str, *, reason: str, actor: StaffActor, now: datetime | None = None) -> Voucher:
    """Staff cancel an unredeemed voucher: points back through the ledger, stock restored, audited."""
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
    now = now or datetime.now(UTC)
    found = await Voucher.select(Voucher.id).where(Voucher.code == normalise_code(code)).first()
    if found is None:
        raise VoucherNotFound("no voucher with this code", voucher_code=code)
    voucher_id = int(found["id"])
    async with write_transaction():
        moved = (
            await Voucher.update({Voucher.status: CANCELLED, Voucher.cancelled_reason: reason[:2000]})
            .where((Voucher.id == voucher_id) & (Voucher.status == ISSUED))
            .returning(Voucher.id)
        )
        voucher = await Voucher.objects().where(Voucher.id == voucher_id).first()
        if voucher is None:
            raise VoucherNotFound(f"no voucher {voucher_id}")
        if not moved:
            raise VoucherNotUsable(f"only an issued voucher can be cancelled; this one is {voucher.status}")
        points_back = 0
        if voucher.spend_entry is not None:
            posting = await points.give_back(
                int(voucher.spend_entry),
                reference=f"voucher-cancel:{voucher_id}",
                origin=points.Origin(staff_id=actor.user_id, description=f"voucher {voucher.code} cancelled"),
                now=now,
            )
            points_back = posting.delta
        await restore_stock(int(voucher.reward))
        await audit.record(
            actor, "voucher.cancel", "voucher", voucher_id, code=voucher.code, reason=reason, points_back=points_back
        )
        await emit(
            EventKind.VOUCHER_CANCELLED,
            int(voucher.member),
            voucher_code=voucher.code,
            reward_id=int(voucher.reward),
            points_back=points_back,
            reason=reason,
        )
        return voucher


def fresh_reference(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4()}"


# --- the member's own vouchers ----------------------------------------------------------


@dataclass(frozen=True)
class VoucherView:
    id: int
    code: str
    reward_id: int
    name: str
    status: str
    valid_until: datetime
    redeemed_at: datetime | None
    issued_at: datetime
    source: str


def shown_status(status: str, valid_until: datetime, now: datetime) -> str:
    """An issued voucher past its date is expired even before the expiry job has run."""
    return EXPIRED if status == ISSUED and valid_until <= now else status


async def member_vouchers(
    member_id: int, *, locale: str = "vi", limit: int = 20, before_id: int | None = None, now: datetime | None = None
) -> list[VoucherView]:
    """The member's vouchers, newest first (keyset on id, below ``before_id``)."""
    now = now or datetime.now(UTC)
    condition: Any = Voucher.member == member_id
    if before_id is not None:
        condition = condition & (Voucher.id < before_id)
    rows = (
        await Voucher.select(
            Voucher.id,
            Voucher.code,
            Voucher.reward,
            Voucher.status,
            Voucher.valid_until,
            Voucher.redeemed_at,
            Voucher.issued_at,
            Voucher.source,
            Voucher.reward.name_vi,
            Voucher.reward.name_en,
        )
        .where(condition)
        .order_by(Voucher.id, ascending=False)
        .limit(limit)
    )
    return [
        VoucherView(
            id=r["id"],
            code=r["code"],
            reward_id=r["reward"],
            name=(r["reward.name_en"] if locale == "en" else r["reward.name_vi"]) or r["reward.name_vi"],
            status=shown_status(r["status"], r["valid_until"], now),
            valid_until=r["valid_until"],
            redeemed_at=r["redeemed_at"],
            issued_at=r["issued_at"],
            source=r["source"],
        )
        for r in rows
    ]


async def member_voucher_code(member_id: int, code: str) -> str:
    """The code if this member owns the voucher; another member's code is simply not found."""
    code = normalise_code(code)
    row = await Voucher.select(Voucher.code).where((Voucher.code == code) & (Voucher.member == member_id)).first()
    if row is None:
        raise VoucherNotFound("no voucher with this code", voucher_code=code)
    return str(row["code"])
