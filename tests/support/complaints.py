"""Helpers for the complaints desk tests: seeded categories and targets, staff users."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser

from loyalty.audit import StaffActor
from loyalty.complaints import seed_categories, seed_targets
from loyalty.schema import LedgerEntry, Member, PointLot, StaffRole, Store
from loyalty.staff import Role

PASSWORD = "a-long-Passw0rd"


async def seed_desk() -> None:
    """Tests start from empty tables: put back what the migration seeds."""
    await seed_categories()
    await seed_targets()


async def staff(
    username: str,
    *,
    superuser: bool = False,
    role: Role | None = Role.MANAGER,
    store_code: str = "",
    limit_vnd: int = 0,
) -> StaffActor:
    """A staff user (created on first use), a manager unless told otherwise (``role=None``: none)."""
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
    if role is not None:
        await give_role(user.id, role, store_code=store_code, limit_vnd=limit_vnd)
    return StaffActor(user_id=user.id, username=username)


async def give_role(user_id: int, role: Role, *, store_code: str = "", limit_vnd: int = 0) -> None:
    """Set-up only: the role row as ``loyalty.staff.grant_role`` writes it, without its audit row
    (tests that count audit rows count their own actions)."""
    store = await Store.select(Store.id).where(Store.code == store_code).first() if store_code else None
    await StaffRole(
        staff=user_id, role=role.value, store=store["id"] if store else None, approval_limit_vnd=limit_vnd
    ).save()


async def ledger_consistent(member_id: int) -> int:
    """Assert balance = Σ deltas = Σ lots' points_left; return the balance."""
    member = await Member.select(Member.points_balance).where(Member.id == member_id).first()
    assert member is not None
    deltas = await LedgerEntry.select(LedgerEntry.delta).where(LedgerEntry.member == member_id)
    lots = await PointLot.select(PointLot.points_left).where(PointLot.member == member_id)
    balance = int(member["points_balance"])
    assert balance == sum(int(r["delta"]) for r in deltas) == sum(int(r["points_left"]) for r in lots)
    return balance
