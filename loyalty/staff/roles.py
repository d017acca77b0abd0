"""Granting, revoking and reading staff roles (rules in ``loyalty.staff``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from piccolo.apps.user.tables import BaseUser

from loyalty import audit
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from loyalty.errors import Forbidden, InvalidInput, NotFound
from loyalty.schema import StaffRole, StaffRoleKind, Store

ROLE_GRANTED = "staff.role_granted"
ROLE_REVOKED = "staff.role_revoked"
MAX_LIMIT_VND = 1_000_000_000  # a billion đồng: more is a typo


# The enum lives with the tables (the admin's select of the column); this package names it.
Role = StaffRoleKind


_KNOWN_ROLES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class StaffGrant:
    """The role a staff account acts with."""

    user_id: int
    username: str
    role: Role
    store_id: int | None
    store_code: str | None
    approval_limit_vnd: int
    superuser: bool


class StaffNotFound(NotFound):
    code = "staff_not_found"
    title = "No such staff account"


class OwnRole(Forbidden):
    code = "own_role"
    title = "Staff cannot change their own role"


async def _staff_account(username: str) -> tuple[int, str]:
    name = username.strip()
    row = (
        await BaseUser.select(BaseUser.id, BaseUser.username)
        .where((BaseUser.username == name) & (BaseUser.admin == True) & (BaseUser.active == True))  # noqa: E712
        .first()
    )
    if row is None:
        raise StaffNotFound(f"không có tài khoản nhân viên {name!r} (đang hoạt động)", field="username")
    return int(row["id"]), str(row["username"])


def _not_self(actor: StaffActor, user_id: int) -> None:
    if actor.user_id == user_id:
        raise OwnRole("không thể tự thay đổi quyền của chính mình / you cannot change your own role", field="username")


async def grant_role(
    actor: StaffActor,
    username: str,
    role: Role | str,
    *,
    store_code: str = "",
    approval_limit_vnd: int = 0,
    now: datetime | None = None,
) -> StaffGrant:
    """Give ``username`` the role (replacing any it had), with its audit row."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(f"không có vai trò {role!r}", field="role") from None
    code = store_code.strip().upper()
    if chosen is Role.STORE and not code:
        raise InvalidInput("vai trò cửa hàng cần mã cửa hàng / a store role needs a store code", field="store_code")
    if chosen is not Role.STORE and code:
        raise InvalidInput("chỉ vai trò cửa hàng mới có cửa hàng / only a store role has a store", field="store_code")
    if chosen is not Role.CARE and approval_limit_vnd:
        raise InvalidInput("chỉ vai trò CSKH mới có hạn mức duyệt / only care has a limit", field="approval_limit_vnd")
    if not 0 <= approval_limit_vnd <= MAX_LIMIT_VND:
        raise InvalidInput(f"hạn mức từ 0 đến {MAX_LIMIT_VND:,} ₫".replace(",", "."), field="approval_limit_vnd")
    async with write_transaction():
        user_id, name = await _staff_account(username)
        _not_self(actor, user_id)
        store_id = None
        if code:
            store = await Store.select(Store.id).where((Store.code == code) & (Store.active == True)).first()  # noqa: E712
            if store is None:
                raise InvalidInput(f"không có cửa hàng {code!r} đang hoạt động", field="store_code")
            store_id = int(store["id"])
        before = await _row(user_id)
        row = StaffRole(
            staff=user_id,
            role=chosen.value,
            store=store_id,
            approval_limit_vnd=approval_limit_vnd,
            granted_by=actor.username,
            granted_at=now or datetime.now(UTC),
        )
        await StaffRole.insert(row).on_conflict(
            target=StaffRole.staff,
            action="DO UPDATE",
            values=[
                StaffRole.role,
                StaffRole.store,
                StaffRole.approval_limit_vnd,
                StaffRole.granted_by,
                StaffRole.granted_at,
            ],
        )
        await audit.record(
            actor,
            ROLE_GRANTED,
            "staff_role",
            user_id,
            username=name,
            role=chosen.value,
            store=code or None,
            approval_limit_vnd=approval_limit_vnd,
            before=before,
        )
    grant = await role_of(user_id)
    assert grant is not None
    return grant


async def revoke_role(actor: StaffActor, username: str) -> bool:
    """Take ``username``'s role away (it then opens nothing); False when it had none."""
    async with write_transaction():
        user_id, name = await _staff_account(username)
        _not_self(actor, user_id)
        before = await _row(user_id)
        gone = await StaffRole.delete().where(StaffRole.staff == user_id).returning(StaffRole.id)
        if gone:
            await audit.record(actor, ROLE_REVOKED, "staff_role", user_id, username=name, before=before)
    return bool(gone)


async def _row(user_id: int) -> dict[str, object] | None:
    row = (
        await StaffRole.select(StaffRole.role, StaffRole.store.code.as_alias("store"), StaffRole.approval_limit_vnd)
        .where(StaffRole.staff == user_id)
        .first()
    )
    return dict(row) if row is not None else None


async def role_of(user_id: int) -> StaffGrant | None:
    """The role an active staff account acts with; None for no role (or no such account)."""
    user = (
        await BaseUser.select(BaseUser.username, BaseUser.superuser)
        .where((BaseUser.id == user_id) & (BaseUser.admin == True) & (BaseUser.active == True))  # noqa: E712
        .first()
    )
    if user is None:
        return None
    row = (
        await StaffRole.select(
            StaffRole.role, StaffRole.store, StaffRole.store.code.as_alias("store_code"), StaffRole.approval_limit_vnd
        )
        .where(StaffRole.staff == user_id)
        .first()
    )
    superuser = bool(user["superuser"])
    if superuser:
        return StaffGrant(user_id, user["username"], Role.MANAGER, None, None, 0, superuser=True)
    if row is None or row["role"] not in _KNOWN_ROLES:
        return None  # default-deny: a role this version does not know opens nothing
    return StaffGrant(
        user_id=user_id,
        username=user["username"],
        role=Role(row["role"]),
        store_id=row["store"],
        store_code=row["store_code"],
        approval_limit_vnd=int(row["approval_limit_vnd"]),
        superuser=False,
    )


async def compensation_limit_vnd(user_id: int | None) -> int | None:
    """The most (đồng) this account may grant on its own; None when its role sets no limit."""
    if user_id is None:
        return None
    grant = await role_of(user_id)
    if grant is None or grant.role is not Role.CARE:
        return None
    return grant.approval_limit_vnd
