"""Helpers for the complaints desk tests: seeded categories and targets, staff users."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser

from loyalty.audit import StaffActor
from loyalty.complaints import seed_categories, seed_targets
from loyalty.schema import LedgerEntry, Member, PointLot

PASSWORD = "a-long-Passw0rd"


async def seed_desk() -> None:
    """Tests start from empty tables: put back what the migration seeds."""
    await seed_categories()
    await seed_targets()


async def staff(username: str, *, superuser: bool = False) -> StaffActor:
    """A staff user (created on first use)."""
    found = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    if found is not None:
        return StaffActor(user_id=found["id"], username=username)
    user = await BaseUser.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@thanthiet.test",
        active=True,
        admin=True,
        superuser=superuser,
    )
    return StaffActor(user_id=user.id, username=username)


async def ledger_consistent(member_id: int) -> int:
    """Assert balance = Σ deltas = Σ lots' points_left; return the balance."""
    member = await Member.select(Member.points_balance).where(Member.id == member_id).first()
    assert member is not None
    deltas = await LedgerEntry.select(LedgerEntry.delta).where(LedgerEntry.member == member_id)
    lots = await PointLot.select(PointLot.points_left).where(PointLot.member == member_id)
    balance = int(member["points_balance"])
    assert balance == sum(int(r["delta"]) for r in deltas) == sum(int(r["points_left"]) for r in lots)
    return balance
