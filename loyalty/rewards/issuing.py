"""Issuing vouchers: a new voucher for a reward, once per reference.

Rules:

* ``reference`` is unique: issuing again with the same reference returns the first voucher
  (idempotency for campaigns, compensation, birthdays and redemptions); the same reference for
  another member or reward is :class:`VoucherReferenceReused`.
* The member row is locked first (``points.lock_member``), so a member's reference replays and
  per-member limits are decided one at a time; then the reward's stock, then the voucher (the
  package's lock order).
* Every new voucher emits ``VOUCHER_ISSUED`` in the transaction that writes it.
* Staff give a voucher of an active reward only, to a member not erased, with an audit row in
  the same transaction (``give_by_staff``); a replay of its reference writes neither again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from loyalty import audit, points
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.events import EventKind, emit
from loyalty.rewards.records import VoucherRecord, VoucherSource, new_code, source_of
from loyalty.rewards.stock import take_stock
from loyalty.schema import Member, Reward, Voucher, VoucherStatus


class RewardChoice(NamedTuple):
    """An active reward as a picker shows it."""

    id: int
    name: str
    points_cost: int
    stock_left: int | None


class VoucherReferenceReused(Conflict):
    code = "reference_reused"
    title = "This reference issued a voucher for another member or reward"


def fresh_reference(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4()}"


async def existing(reference: str, member_id: int, reward_id: int) -> VoucherRecord | None:
    """The voucher this reference already issued to this member for this reward, if any."""
    found = await Voucher.objects().where(Voucher.reference == reference).first()
    if found is None:
        return None
    if found.member != member_id or found.reward != reward_id:
        raise VoucherReferenceReused(f"reference {reference!r} already issued another voucher", reference=reference)
    return VoucherRecord.of(found)


async def create_voucher(
    member_id: int,
    reward_id: int,
    *,
    source: VoucherSource,
    reference: str,
    valid_days: int,
    now: datetime,
    points_paid: int = 0,
    spend_entry: int | None = None,
) -> VoucherRecord:
    """Insert the voucher and emit VOUCHER_ISSUED; callers hold the transaction and the stock."""
    if valid_days <= 0:
        raise InvalidInput("a voucher is valid for at least one day", field="valid_days")
    voucher = Voucher(
        code=new_code(),
        member=member_id,
        reward=reward_id,
        reference=reference,
        status=VoucherStatus.ISSUED,
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
        source=source.value,
        valid_until=voucher.valid_until.isoformat(),
    )
    return VoucherRecord.of(voucher)


async def issue_voucher(
    member_id: int,
    reward_id: int,
    *,
    source: str,
    reference: str,
    valid_days: int | None = None,
) -> VoucherRecord:
    """Give a member a voucher WITHOUT charging points (campaign gift, compensation, birthday).

    Idempotent on ``reference``: the same reference returns the voucher it issued. Takes one
    unit of a limited reward's stock (``OutOfStock`` otherwise). Does not check the reward's
    active flag, window or tier: gifts may use rewards kept out of the catalogue.
    ``valid_days`` defaults to the reward's ``voucher_valid_days``.
    """
    how = source_of(source)
    if not reference or len(reference) > 255:
        raise InvalidInput("a voucher reference is 1-255 characters", field="reference")
    now = datetime.now(UTC)
    async with write_transaction():
        await points.lock_member(member_id)
        found = await existing(reference, member_id, reward_id)
        if found is not None:
            return found
        reward = await Reward.select(Reward.voucher_valid_days).where(Reward.id == reward_id).first()
        if reward is None:
            raise NotFound(f"reward {reward_id} not found", field="reward_id")
        await take_stock(reward_id)
        days = valid_days if valid_days is not None else int(reward["voucher_valid_days"])
        return await create_voucher(member_id, reward_id, source=how, reference=reference, valid_days=days, now=now)


async def reward_choices() -> list[RewardChoice]:
    """The active rewards staff may give, by name."""
    rows = (
        await Reward.select(Reward.id, Reward.name_vi, Reward.points_cost, Reward.stock_left)
        .where(Reward.active.eq(True))
        .order_by(Reward.name_vi)
    )
    return [RewardChoice(int(r["id"]), str(r["name_vi"]), int(r["points_cost"]), r["stock_left"]) for r in rows]


async def give_by_staff(member_id: int, reward_id: int, *, actor: audit.StaffActor, reference: str) -> VoucherRecord:
    """Staff give a member a voucher of an active reward, free of points, with its audit row.

    Idempotent on ``reference`` (a form sent twice gives one voucher). An unknown or inactive
    reward, or an unknown or erased member, is :class:`NotFound`; an empty stock ``OutOfStock``."""
    async with write_transaction():
        member = await points.lock_member(member_id)
        if await Member.exists().where((Member.id == member.id) & Member.erased_at.is_not_null()):
            raise NotFound(f"member {member_id} was erased", field="member_id")
        found = await existing(reference, member_id, reward_id)
        if found is not None:
            return found
        if not await Reward.exists().where((Reward.id == reward_id) & Reward.active.eq(True)):
            raise NotFound(f"no active reward {reward_id}", field="reward_id")
        voucher = await issue_voucher(member_id, reward_id, source=VoucherSource.STAFF.value, reference=reference)
        await audit.record(actor, "voucher.give", "voucher", voucher.id, member=member_id, reward=reward_id)
        return voucher
