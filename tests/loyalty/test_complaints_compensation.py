"""Compensation on complaints: points and vouchers, with and without a second approver."""

from __future__ import annotations

import asyncio

import pytest

from loyalty import complaints
from loyalty.complaints import compensation
from loyalty.complaints.sla import DESK
from loyalty.errors import InvalidInput
from loyalty.members.accounts import record_member
from loyalty.schema import AuditLog, LedgerEntry, Reward, Voucher
from tests.support.complaints import ledger_consistent, seed_desk, staff


@pytest.fixture(autouse=True)
async def desk() -> None:
    await seed_desk()


async def _case() -> tuple[int, str]:
    member = await record_member("0901234567", "Lan")
    case = await complaints.file_from_app(member.id, category="points_voucher", description="Điểm không vào")
    return member.id, case.reference


async def test_small_points_compensation_is_granted_at_once_through_the_ledger() -> None:
    m, ref = await _case()
    agent = await staff("an")
    offer = await compensation.propose(ref, agent, points=DESK.approval_points, reason="missing points")
    assert offer.status == "granted" and not offer.needs_approval
    entry = await LedgerEntry.objects().where(LedgerEntry.id == offer.ledger_entry).first()
    assert entry is not None
    assert entry.kind == "compensation" and entry.delta == DESK.approval_points and entry.staff == agent.user_id
    assert entry.reference == f"complaint-compensation:{offer.id}"
    assert await ledger_consistent(m) == DESK.approval_points
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions == ["complaint.compensation.propose", "complaint.compensation.grant"]
    seen = await complaints.member_case(m, ref)
    assert seen.timeline[-1].kind == "compensation"
    assert "proposed" not in " ".join(line.kind for line in seen.timeline)


async def test_large_compensation_waits_for_a_second_staff_user() -> None:
    m, ref = await _case()
    agent, lead = await staff("an"), await staff("lead")
    offer = await compensation.propose(ref, agent, points=DESK.approval_points + 1, reason="big trouble")
    assert offer.status == "proposed" and offer.needs_approval
    assert await ledger_consistent(m) == 0
    with pytest.raises(compensation.SameStaff):
        await compensation.approve(offer.id, agent)
    approved = await compensation.approve(offer.id, lead)
    assert approved.status == "granted" and approved.decided_by == lead.user_id
    assert await ledger_consistent(m) == DESK.approval_points + 1
    with pytest.raises(compensation.CompensationDecided):
        await compensation.approve(offer.id, lead)
    assert await ledger_consistent(m) == DESK.approval_points + 1


async def test_two_approvers_at_once_pay_once() -> None:
    m, ref = await _case()
    agent = await staff("an")
    approvers = [await staff(f"lead{i}") for i in range(4)]
    offer = await compensation.propose(ref, agent, points=2000, reason="big trouble")
    results = await asyncio.gather(*(compensation.approve(offer.id, a) for a in approvers), return_exceptions=True)
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert all(isinstance(r, compensation.CompensationDecided) for r in results if isinstance(r, BaseException))
    assert await ledger_consistent(m) == 2000


async def test_rejected_compensation_pays_nothing() -> None:
    m, ref = await _case()
    agent, lead = await staff("an"), await staff("lead")
    offer = await compensation.propose(ref, agent, points=5000, reason="asked for a lot")
    rejected = await compensation.reject(offer.id, lead, "not justified")
    assert rejected.status == "rejected"
    assert await ledger_consistent(m) == 0
    with pytest.raises(compensation.CompensationDecided):
        await compensation.approve(offer.id, lead)


async def test_voucher_compensation_issues_a_voucher_without_charging_points() -> None:
    m, ref = await _case()
    agent = await staff("an")
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=100, stock_left=5)
    await reward.save()
    offer = await compensation.propose(ref, agent, reward_id=reward.id, reason="sorry")
    assert offer.status == "granted" and offer.voucher is not None
    voucher = await Voucher.objects().where(Voucher.id == offer.voucher).first()
    assert voucher is not None and voucher.member == m and voucher.source == "compensation"
    assert voucher.points_paid == 0
    assert await ledger_consistent(m) == 0


async def test_a_case_without_a_member_or_a_bad_offer_is_refused() -> None:
    agent = await staff("an")
    anonymous = await complaints.log_by_staff(
        agent, category="other", description="x", channel="writing", customer_name="Bà Hoa"
    )
    with pytest.raises(InvalidInput):
        await compensation.propose(anonymous.reference, agent, points=10, reason="sorry")
    _, ref = await _case()
    with pytest.raises(InvalidInput):
        await compensation.propose(ref, agent, points=0, reason="sorry")
    with pytest.raises(InvalidInput):
        await compensation.propose(ref, agent, points=-5, reason="sorry")
    with pytest.raises(InvalidInput):
        await compensation.propose(ref, agent, points=10, reason="")
    assert await LedgerEntry.count() == 0
