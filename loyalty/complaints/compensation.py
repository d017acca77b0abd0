"""Compensation on a complaint: points or a reward's voucher, to restore goodwill.

Rules and invariants:

* Staff propose points (a positive whole number) or a reward's voucher on a case whose
  customer is a member. Its value is the points, or the reward's points cost for a voucher.
* Above ``COMPLAINT_APPROVAL_POINTS`` (default 500) a proposal waits for approval by a second,
  different staff user; at or below it is granted at once by the proposer.
* A proposal moves ``proposed → granted | rejected`` once, by a guarded
  ``UPDATE … WHERE status = 'proposed' … RETURNING``: two approvers at once grant it once.
* Granting goes through ``ledger.credit(kind=COMPENSATION)`` or ``vouchers.issue_voucher
  (source="compensation")`` with the reference ``complaint-compensation:<id>``, so a retry can
  never pay twice; the ledger entry or voucher is linked to the compensation row, the change is
  audit-logged and shown to the member on the case's timeline, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from loyalty import audit, points, rewards
from loyalty.audit import StaffActor
from loyalty.complaints.moves import resolve
from loyalty.complaints.records import case_by_id, get_case
from loyalty.complaints.sla import DESK
from loyalty.complaints.timeline import LineKind, add_line
from loyalty.db import write_transaction
from loyalty.errors import Conflict, Forbidden, InvalidInput, NotFound
from loyalty.points import Kind, Origin
from loyalty.schema import CompensationKind as CompensationKind
from loyalty.schema import (
    CompensationStatus,
    ComplaintCompensation,
    Reward,
)

PROPOSED, GRANTED, REJECTED = CompensationStatus.PROPOSED, CompensationStatus.GRANTED, CompensationStatus.REJECTED


class CompensationNotFound(NotFound):
    code = "compensation_not_found"
    title = "No such compensation"


class CompensationDecided(Conflict):
    code = "compensation_decided"
    title = "This compensation was already decided"


class SameStaff(Forbidden):
    code = "second_approver_required"
    title = "A second staff user must approve"


@dataclass(frozen=True, slots=True)
class Offer:
    """A compensation as it stands, copied from its row."""

    id: int
    complaint: int
    kind: CompensationKind
    points: int
    reward: int | None
    status: CompensationStatus
    reason: str
    needs_approval: bool
    proposed_by: int | None
    decided_by: int | None
    created_at: datetime
    decided_at: datetime | None
    ledger_entry: int | None
    voucher: int | None

    @classmethod
    def of(cls, row: ComplaintCompensation) -> Offer:
        values: dict[str, Any] = {field.name: getattr(row, field.name) for field in fields(cls)}
        values["kind"] = CompensationKind(values["kind"])
        values["status"] = CompensationStatus(values["status"])
        return cls(**values)


def reference_of(compensation_id: int) -> str:
    return f"complaint-compensation:{compensation_id}"


async def propose(
    reference: str,
    actor: StaffActor,
    *,
    points: int = 0,
    reward_id: int | None = None,
    reason: str,
    now: datetime | None = None,
) -> Offer:
    """Offer compensation on a case; granted at once when it needs no approval."""
    now = now or datetime.now(UTC)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
    if (points > 0) == (reward_id is not None):
        raise InvalidInput("offer either points or a reward's voucher, not both or neither", field="points")
    if points < 0:
        raise InvalidInput("points must be positive", field="points")
    if actor.user_id is None:
        raise Forbidden("only a signed-in staff user can offer compensation")
    async with write_transaction():
        case = await get_case(reference)
        if case.member is None:
            raise InvalidInput(
                f"case {case.reference} has no member account to compensate: record the customer's phone first",
                field="reference",
            )
        value = points
        if reward_id is not None:
            reward = await Reward.select(Reward.points_cost).where(Reward.id == reward_id).first()
            if reward is None:
                raise InvalidInput(f"no reward {reward_id}", field="reward_id")
            value = int(reward["points_cost"])
        needs_approval = value > DESK.approval_points
        offer = ComplaintCompensation(
            complaint=case.id,
            kind=CompensationKind.VOUCHER if reward_id is not None else CompensationKind.POINTS,
            points=points,
            reward=reward_id,
            status=PROPOSED,
            reason=reason,
            needs_approval=needs_approval,
            proposed_by=actor.user_id,
            created_at=now,
        )
        await offer.save()
        await audit.record(
            actor,
            "complaint.compensation.propose",
            "complaint_compensation",
            offer.id,
            case=case.reference,
            points=points,
            reward_id=reward_id,
            needs_approval=needs_approval,
        )
        proposed = Offer.of(offer)
        line = f"proposed {_describe(proposed)}: {reason}"
        await add_line(case, LineKind.COMPENSATION_PROPOSED, line, visible=False, actor=actor, now=now)
        if not needs_approval:
            return await _decide(offer.id, actor, GRANTED, now)
        return proposed


async def resolve_with_offer(
    reference: str,
    actor: StaffActor,
    resolution: str,
    *,
    points: int = 0,
    reward_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Offer | None:
    """Resolve a case, offering compensation with it when points or a reward are given: both or
    neither (one transaction). The offer, if any, is returned."""
    offer = None
    async with write_transaction():
        if points or reward_id:
            offer = await propose(
                reference, actor, points=points, reward_id=reward_id, reason=reason or resolution[:500], now=now
            )
        await resolve(reference, actor, resolution, now=now)
    return offer


async def approve(compensation_id: int, actor: StaffActor, *, now: datetime | None = None) -> Offer:
    """A second staff user approves (and thereby grants) a proposal that needed it."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        offer = await _get(compensation_id)
        if actor.user_id is None or actor.user_id == offer.proposed_by:
            raise SameStaff("the staff user who proposed a compensation cannot approve it")
        return await _decide(compensation_id, actor, GRANTED, now)


async def reject(compensation_id: int, actor: StaffActor, reason: str, *, now: datetime | None = None) -> Offer:
    now = now or datetime.now(UTC)
    if len(reason.strip()) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
    async with write_transaction():
        offer = await _decide(compensation_id, actor, REJECTED, now)
        case = await case_by_id(offer.complaint)
        line = f"rejected: {reason.strip()}"
        await add_line(case, LineKind.COMPENSATION_REJECTED, line, visible=False, actor=actor, now=now)
        return offer


async def for_case(reference: str) -> list[Offer]:
    case = await get_case(reference)
    rows = (
        await ComplaintCompensation.objects()
        .where(ComplaintCompensation.complaint == case.id)
        .order_by(ComplaintCompensation.id)
    )
    return [Offer.of(row) for row in rows]


async def _decide(compensation_id: int, actor: StaffActor, to: CompensationStatus, now: datetime) -> Offer:
    won = (
        await ComplaintCompensation.update(
            {
                ComplaintCompensation.status: to,
                ComplaintCompensation.decided_by: actor.user_id,
                ComplaintCompensation.decided_at: now,
            }
        )
        .where((ComplaintCompensation.id == compensation_id) & (ComplaintCompensation.status == PROPOSED))
        .returning(ComplaintCompensation.id)
    )
    offer = await _get(compensation_id)
    if not won:
        raise CompensationDecided(
            f"compensation {compensation_id} is already {offer.status}", compensation_status=offer.status.value
        )
    if to == GRANTED:
        await _grant(offer, actor, now)
    await audit.record(
        actor,
        f"complaint.compensation.{'grant' if to == GRANTED else 'reject'}",
        "complaint_compensation",
        compensation_id,
        points=offer.points,
        reward_id=offer.reward,
    )
    return await _get(compensation_id)


async def _grant(offer: Offer, actor: StaffActor, now: datetime) -> None:
    case = await case_by_id(offer.complaint)
    assert case.member is not None  # propose refuses a case without a member
    reference = reference_of(offer.id)
    if offer.kind == CompensationKind.POINTS:
        posting = await points.credit(
            case.member,
            offer.points,
            kind=Kind.COMPENSATION,
            reference=reference,
            origin=Origin(staff_id=actor.user_id, description=f"Compensation for complaint {case.reference}"),
            now=now,
        )
        await ComplaintCompensation.update({ComplaintCompensation.ledger_entry: posting.entry_id}).where(
            ComplaintCompensation.id == offer.id
        )
    else:
        assert offer.reward is not None
        voucher = await rewards.issue_voucher(
            case.member, offer.reward, source=rewards.VoucherSource.COMPENSATION, reference=reference
        )
        await ComplaintCompensation.update({ComplaintCompensation.voucher: voucher.id}).where(
            ComplaintCompensation.id == offer.id
        )
    line = f"We have given you {_describe(offer)}."
    await add_line(case, LineKind.COMPENSATION, line, visible=True, actor=actor, now=now)


async def _get(compensation_id: int) -> Offer:
    offer = await ComplaintCompensation.objects().where(ComplaintCompensation.id == compensation_id).first()
    if offer is None:
        raise CompensationNotFound(f"no compensation {compensation_id}", compensation_id=compensation_id)
    return Offer.of(offer)


def _describe(offer: Offer) -> str:
    if offer.kind == CompensationKind.POINTS:
        return f"{offer.points} points"
    return "a voucher"
