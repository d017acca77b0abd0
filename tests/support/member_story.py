"""A member with a story to tell: purchases, a tier change, points, a voucher, a message on two
channels, marketing consents and a complaint (for the member page's tests and screenshot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty import complaints, members
from loyalty.earning import earn_at_till
from notifications.consent import set_marketing
from notifications.tables import Delivery, InboxMessage
from tests.support.complaints import seed_desk, staff
from tests.support.rewards import make_reward, make_tiers

PHONE = "0907654321"


async def seed_lan() -> int:
    await seed_desk()
    await make_tiers()
    member_id = int((await members.record_member(PHONE, name="Nguyễn Thị Lan")).id)
    store = await members.create_store("Q1", "Quận 1")
    now = datetime.now(UTC)
    await earn_at_till(
        store_id=int(store.id),
        terminal_id=None,
        phone=PHONE,
        receipt_no="HD-0001",
        amount=350_000,
        now=now - timedelta(days=3),
    )
    await earn_at_till(store_id=int(store.id), terminal_id=None, phone=PHONE, receipt_no="HD-0002", amount=5_600_000)
    await make_reward(name_vi="Cà phê sữa đá", points_cost=100)
    await set_marketing(member_id, {"zalo": True, "email": False}, text_version="2026-11")
    message = InboxMessage(
        member=member_id,
        kind="points_earned",
        category="points",
        purpose="transactional",
        locale="vi",
        title="Bạn vừa được cộng điểm",
        body="Cảm ơn chị Lan đã mua hàng tại Quận 1.",
    )
    await message.save()
    await Delivery(
        message=message.id,
        channel="zalo",
        member=member_id,
        purpose="transactional",
        status="delivered",
        address="+84907654321",
        cost_vnd=300,
    ).save()
    await Delivery(
        message=message.id,
        channel="sms",
        member=member_id,
        purpose="transactional",
        status="failed",
        address="+84907654321",
    ).save()
    agent = await staff("an")
    await complaints.log_by_staff(
        agent,
        category="service_attitude",
        description="Nhân viên thu ngân chưa chào khách",
        channel="phone",
        member_id=member_id,
    )
    return member_id
