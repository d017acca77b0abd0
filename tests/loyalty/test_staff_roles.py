"""Staff roles: granted and revoked in one transaction with the audit row, checked before anything
is written, and care's compensation limit held by the compensation rules themselves."""

from __future__ import annotations

import json
from typing import Any

import pytest
from piccolo.apps.user.tables import BaseUser

from loyalty import complaints, staff
from loyalty.complaints import compensation
from loyalty.config import PROGRAMME
from loyalty.errors import DomainError, Forbidden, InvalidInput, NotFound
from loyalty.members import create_store, record_member
from loyalty.schema import AuditLog, StaffRole
from loyalty.setup.demo import DEMO_ROLE_USERS, DEMO_STAFF_PASSWORD, DEMO_STORE, seed_staff
from loyalty.staff import Role
from tests.support.complaints import ledger_consistent, seed_desk
from tests.support.complaints import staff as staff_user
from tests.support.staff import sign_in, staff_http


async def test_granting_a_role_is_written_with_its_audit_row_and_replaces_the_old_one() -> None:
    boss = await staff_user("boss")
    target = await staff_user("lan", role=None)
    await create_store("Q1", "Quận 1")
    assert await staff.role_of(target.user_id or 0) is None

    granted = await staff.grant_role(boss, "lan", Role.CARE, approval_limit_vnd=20_000)
    assert (granted.role, granted.approval_limit_vnd, granted.store_code) == (Role.CARE, 20_000, None)
    moved = await staff.grant_role(boss, "lan", "store", store_code="q1")
    assert (moved.role, moved.store_code, moved.approval_limit_vnd) == (Role.STORE, "Q1", 0)
    assert await StaffRole.count().where(StaffRole.staff == target.user_id) == 1

    rows = await AuditLog.select(AuditLog.action, AuditLog.staff, AuditLog.target_id, AuditLog.detail).order_by(
        AuditLog.id
    )
    assert [(r["action"], r["staff"], r["target_id"]) for r in rows] == [
        (staff.ROLE_GRANTED, boss.user_id, str(target.user_id)),
        (staff.ROLE_GRANTED, boss.user_id, str(target.user_id)),
    ]
    last = rows[-1]["detail"]
    detail = last if isinstance(last, dict) else json.loads(last)
    assert detail["role"] == "store" and detail["store"] == "Q1"
    assert detail["before"] == {"role": "care", "store": None, "approval_limit_vnd": 20_000}

    assert await staff.revoke_role(boss, "lan") is True
    assert await staff.role_of(target.user_id or 0) is None
    assert await staff.revoke_role(boss, "lan") is False  # nothing to revoke: no second audit row
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions == [staff.ROLE_GRANTED, staff.ROLE_GRANTED, staff.ROLE_REVOKED]


@pytest.mark.parametrize(
    ("username", "role", "store_code", "limit", "error"),
    [
        ("lan", "store", "", 0, InvalidInput),  # a store role needs its store
        ("lan", "store", "ZZ", 0, InvalidInput),  # an unknown store
        ("lan", "manager", "Q1", 0, InvalidInput),  # only a store role has a store
        ("lan", "marketing", "", 5_000, InvalidInput),  # only care has a limit
        ("lan", "care", "", -1, InvalidInput),
        ("lan", "owner", "", 0, InvalidInput),  # no such role
        ("nobody", "care", "", 0, NotFound),
        ("boss", "store", "Q1", 0, Forbidden),  # nobody changes their own role
    ],
)
async def test_a_bad_grant_writes_nothing(
    username: str, role: str, store_code: str, limit: int, error: type[DomainError]
) -> None:
    boss = await staff_user("boss")
    await staff_user("lan", role=None)
    await create_store("Q1", "Quận 1")
    before = await StaffRole.select().order_by(StaffRole.id)
    with pytest.raises(error):
        await staff.grant_role(boss, username, role, store_code=store_code, approval_limit_vnd=limit)
    assert await StaffRole.select().order_by(StaffRole.id) == before
    assert await AuditLog.count() == 0


async def test_a_superuser_acts_as_a_manager_and_an_inactive_account_has_no_role() -> None:
    root = await staff_user("root", superuser=True, role=None)
    grant = await staff.role_of(root.user_id or 0)
    assert grant is not None and grant.role is Role.MANAGER and grant.superuser
    gone = await staff_user("gone", role=Role.MANAGER)
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == gone.user_id)
    assert await staff.role_of(gone.user_id or 0) is None


async def _case() -> tuple[int, str]:
    await seed_desk()
    member = await record_member("0901234567", "Lan")
    case = await complaints.file_from_app(member.id, category="points_voucher", description="Điểm không vào")
    return member.id, case.reference


async def test_care_grants_alone_only_within_its_limit_in_dong() -> None:
    member_id, ref = await _case()
    limit = 100 * PROGRAMME.point_cost_vnd  # 100 points' worth
    agent = await staff_user("an", role=Role.CARE, limit_vnd=limit)
    small = await compensation.propose(ref, agent, points=100, reason="sorry")
    assert small.status == "granted"
    # 150 points is below the desk's approval threshold, yet above an's own limit: it waits.
    big = await compensation.propose(ref, agent, points=150, reason="very sorry")
    assert big.status == "proposed" and big.needs_approval
    colleague = await staff_user("binh", role=Role.CARE, limit_vnd=limit)
    with pytest.raises(compensation.OverApprovalLimit) as refused:
        await compensation.approve(big.id, colleague)
    assert "vượt hạn mức duyệt" in refused.value.detail
    still = await compensation.for_case(ref)
    assert [o.status for o in still] == ["granted", "proposed"]
    manager = await staff_user("lead")
    assert (await compensation.approve(big.id, manager)).status == "granted"
    assert await ledger_consistent(member_id) == 250


async def test_the_roles_form_grants_for_a_manager_and_shows_domain_errors(app: Any) -> None:
    await staff_user("boss")
    await staff_user("lan", role=None)
    async with staff_http(app) as http:
        headers = await sign_in(http, "boss")
        url = "/admin/api/forms/set-a-staff-role/"
        schema = (await http.get(f"{url}schema/")).json()
        assert "Quản lý (manager)" in str(schema) and "Chăm sóc khách hàng (care)" in str(schema)
        body = {"username": "lan", "role": "Chăm sóc khách hàng (care)", "approval_limit_vnd": 50_000}
        done = await http.post(url, json=body, headers=headers)
        assert done.status_code == 200, done.text
        assert "lan: Chăm sóc khách hàng (care)" in done.json()["custom_form_success"]
        assert "50.000\u00a0₫" in done.json()["custom_form_success"]
        bad = await http.post(url, json={"username": "lan", "role": "Nhân viên cửa hàng (store)"}, headers=headers)
        assert bad.status_code == 422 and "mã cửa hàng" in bad.json()["custom_form_error"]
        own = await http.post(url, json={"username": "boss", "role": "Marketing"}, headers=headers)
        assert own.status_code == 422 and "chính mình" in own.json()["custom_form_error"]
        revoke = {"username": "lan", "role": "Thu hồi quyền (không còn quyền gì) / revoke"}
        assert "Đã thu hồi" in (await http.post(url, json=revoke, headers=headers)).json()["custom_form_success"]
        grid = await http.get("/admin/api/tables/staff_role/", params={"__readable": "true"})
        assert grid.status_code == 200
        assert [row["staff_readable"] for row in grid.json()["rows"]] == ["boss"]
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions == [staff.ROLE_GRANTED, staff.ROLE_REVOKED]


async def test_the_roles_form_is_a_managers_only(app: Any) -> None:
    await staff_user("mkt", role=Role.MARKETING)
    await staff_user("lan", role=None)
    async with staff_http(app) as http:
        headers = await sign_in(http, "mkt")
        answer = await http.post(
            "/admin/api/forms/set-a-staff-role/", json={"username": "lan", "role": "Marketing"}, headers=headers
        )
        assert answer.status_code == 403 and "không được dùng biểu mẫu này" in answer.json()["detail"]
    assert await StaffRole.count().where(StaffRole.role == "marketing") == 1  # mkt's own, nothing new
    assert await AuditLog.count() == 0


async def test_the_demo_has_one_account_per_role_and_seeding_twice_keeps_them() -> None:
    await create_store(DEMO_STORE[0], DEMO_STORE[1])
    await seed_staff()
    await seed_staff()
    found = {}
    for username in DEMO_ROLE_USERS:
        user = await BaseUser.login(username, DEMO_STAFF_PASSWORD)
        assert user is not None, username
        grant = await staff.role_of(user)
        assert grant is not None
        found[username] = (grant.role, grant.store_code, grant.approval_limit_vnd)
    assert found == {name: (role, code or None, limit) for name, (role, code, limit) in DEMO_ROLE_USERS.items()}
    assert await AuditLog.count().where(AuditLog.action == staff.ROLE_GRANTED) == len(DEMO_ROLE_USERS)
