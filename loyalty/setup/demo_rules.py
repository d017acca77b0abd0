"""Demo points for ``make run``: two members with some points and one earning rule (idempotent)."""

from __future__ import annotations

from loyalty import points
from loyalty.members import record_member
from loyalty.schema import EarningRule

DEMO_MEMBERS = [("+84901234567", "Nguyễn Thị Lan", 1_250), ("+84907654321", "Trần Văn Minh", 320)]
DEMO_RULE = "Sữa x2 (demo)"


async def seed_points() -> None:
    for phone, name, balance in DEMO_MEMBERS:
        member = await record_member(phone, name)
        # A fixed reference: running the seed again replays instead of adding more.
        await points.credit(member.id, balance, kind=points.Kind.GIFT, reference=f"demo:welcome:{phone}")
    if not await EarningRule.exists().where(EarningRule.name == DEMO_RULE):
        await EarningRule(name=DEMO_RULE, kind="category", category="milk", multiplier_pct=200).save()
