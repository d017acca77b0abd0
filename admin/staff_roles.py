"""Staff roles in the admin: the form "Phân quyền nhân viên" (grant, change or revoke a role,
through ``loyalty.staff``, audit-logged) and the read-only list of who holds which role."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from piccolo_admin.endpoints import FormConfig, TableConfig
from pydantic import Field
from starlette.requests import Request

from admin.formats import vnd
from admin.forms import StaffForm, shows_domain_errors, staff_actor
from admin.permissions import ROLE_NAMES
from loyalty import staff
from loyalty.schema import StaffRole
from loyalty.staff import Role

GROUP = "Staff"
REVOKE = "Thu hồi quyền (không còn quyền gì) / revoke"


class RoleChoice(StrEnum):
    """The select's options, in Vietnamese: the value is what the form shows."""

    MANAGER = ROLE_NAMES[Role.MANAGER]
    MARKETING = ROLE_NAMES[Role.MARKETING]
    CARE = ROLE_NAMES[Role.CARE]
    STORE = ROLE_NAMES[Role.STORE]
    NONE = REVOKE


_ROLES = {
    RoleChoice.MANAGER: Role.MANAGER,
    RoleChoice.MARKETING: Role.MARKETING,
    RoleChoice.CARE: Role.CARE,
    RoleChoice.STORE: Role.STORE,
}


class SetStaffRole(StaffForm):
    username: str = Field(min_length=1, max_length=100, description="Staff username")
    role: RoleChoice = RoleChoice.CARE
    store_code: str = Field(default="", max_length=16, description="Store code, for a store role only")
    approval_limit_vnd: int = Field(default=0, ge=0, description="Care only: compensation granted alone, in đồng")


@shows_domain_errors
async def set_staff_role(request: Request, data: SetStaffRole) -> str:
    actor = staff_actor(request)
    if data.role is RoleChoice.NONE:
        revoked = await staff.revoke_role(actor, data.username)
        return f"Đã thu hồi quyền của {data.username}." if revoked else f"{data.username} chưa có quyền nào."
    grant = await staff.grant_role(
        actor,
        data.username,
        _ROLES[data.role],
        store_code=data.store_code,
        approval_limit_vnd=data.approval_limit_vnd,
    )
    where = f", cửa hàng {grant.store_code}" if grant.store_code else ""
    limit = f", hạn mức duyệt đền bù {vnd(grant.approval_limit_vnd)}" if grant.role is Role.CARE else ""
    return f"{grant.username}: {ROLE_NAMES[grant.role]}{where}{limit}."


roles = TableConfig(
    StaffRole,
    visible_filters=[StaffRole.staff, StaffRole.role, StaffRole.store],
    menu_group=GROUP,
)

TABLES: list[Any] = [roles]
FORMS: list[Any] = [
    FormConfig(
        name="Set a staff role",
        pydantic_model=SetStaffRole,
        endpoint=set_staff_role,
        description="Grants, changes or revokes a staff account's role.",
        form_group=GROUP,
    )
]
