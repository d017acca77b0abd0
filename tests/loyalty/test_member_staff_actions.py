"""What staff do from a member's page, each through its domain function with its audit row."""

from __future__ import annotations

import pytest

from loyalty import campaigns, complaints, members, points, rewards
from loyalty.errors import InvalidInput, NotFound
from loyalty.privacy import erase_member
from loyalty.rewards import OutOfStock
from loyalty.schema import AuditLog, Complaint, LedgerEntry, Member, Reward, VipMember, Voucher
from tests.support.complaints import seed_desk, staff
from tests.support.rewards import make_reward


async def _member(phone: str | None = "0907654321") -> int:
    if phone is None:
        member = Member(public_id="TTNOPHONE1", name="Khách", card_secret="JBSWY3DPEHPK3PXP")
        await member.save()
        return int(member.id)
    return int((await members.record_member(phone, name="Lan")).id)


async def _audits(action: str) -> list[dict[str, object]]:
    return await AuditLog.select().where(AuditLog.action == action)


async def test_staff_give_an_active_rewards_voucher_once_per_reference_with_an_audit_row() -> None:
    member_id = await _member()
    agent = await staff("an")
    reward = await make_reward(stock_left=1)
    first = await rewards.give_by_staff(member_id, int(reward.id), actor=agent, reference="staff-voucher:abc")
    again = await rewards.give_by_staff(member_id, int(reward.id), actor=agent, reference="staff-voucher:abc")
    assert first.id == again.id and first.source == "staff" and first.points_paid == 0
    assert await Voucher.count().where(Voucher.member == member_id) == 1
    rows = await _audits("voucher.give")
    assert len(rows) == 1 and rows[0]["staff_username"] == "an" and rows[0]["target_id"] == str(first.id)
    with pytest.raises(OutOfStock):
        await rewards.give_by_staff(member_id, int(reward.id), actor=agent, reference="staff-voucher:def")


async def test_an_inactive_reward_or_an_erased_member_gets_no_voucher() -> None:
    member_id = await _member()
    agent = await staff("an")
    reward = await make_reward(active=False)
    with pytest.raises(NotFound):
        await rewards.give_by_staff(member_id, int(reward.id), actor=agent, reference="r-1")
    live = await make_reward()
    await erase_member(member_id)
    with pytest.raises(NotFound):
        await rewards.give_by_staff(member_id, int(live.id), actor=agent, reference="r-2")
    assert await Voucher.count() == 0 and await _audits("voucher.give") == []
    assert [c.id for c in await rewards.reward_choices()] == [live.id]
    assert (await Reward.select(Reward.stock_left).where(Reward.id == live.id).first() or {})["stock_left"] is None


async def test_a_member_without_a_phone_joins_a_vip_group_once() -> None:
    member_id = await _member(None)
    agent = await staff("an")
    group = await campaigns.create_group("Khách thân thiết")
    assert await campaigns.add_member(group, member_id, actor=agent) is True
    assert await campaigns.add_member(group, member_id, actor=agent) is False
    assert await VipMember.count().where(VipMember.member == member_id) == 1
    assert len(await _audits("vip_group.add_member")) == 1
    for bad_group, bad_member in ((424242, member_id), (group, 424242), (2**40, member_id), (group, 0)):
        with pytest.raises(NotFound):
            await campaigns.add_member(bad_group, bad_member, actor=agent)


async def test_a_complaint_logged_from_the_members_page_is_filed_for_that_member() -> None:
    await seed_desk()
    member_id = await _member(None)
    agent = await staff("an")
    case = await complaints.log_by_staff(
        agent, category="other", description="Ly bị nứt", channel="phone", member_id=member_id
    )
    row = await Complaint.select(Complaint.member).where(Complaint.id == case.id).first()
    assert row is not None and row["member"] == member_id
    with pytest.raises(NotFound):
        await complaints.log_by_staff(agent, category="other", description="x y z", channel="phone", member_id=424242)


async def test_an_erasure_by_staff_names_the_staff_member_in_the_audit_log() -> None:
    member_id = await _member()
    agent = await staff("an")
    await erase_member(member_id, actor=agent)
    rows = await _audits("member.erase")
    assert [(r["staff_username"], r["staff"]) for r in rows] == [("an", agent.user_id)]
    with pytest.raises(NotFound):
        await erase_member(2**40, actor=agent)


@pytest.mark.parametrize("reason", ["Lý\x00 do", "hai\ndòng", "x" * 501])
async def test_an_adjustments_reason_is_one_storable_line(reason: str) -> None:
    member_id = await _member()
    with pytest.raises(InvalidInput):
        await points.adjust(member_id, 10, reason=reason, actor=await staff("an"))
    assert await LedgerEntry.count() == 0
