"""Tills: made and revoked by the domain, which writes the audit row itself."""

from __future__ import annotations

import pytest

from loyalty.audit import StaffActor
from loyalty.errors import NotFound
from loyalty.members import stores
from loyalty.schema import AuditLog

LAN = StaffActor(None, "lan")


async def test_a_till_made_and_revoked_by_staff_is_in_the_audit_log_once_each() -> None:
    await stores.create_store("Q3", "Quận 3")
    created = await stores.create_terminal("Q3", "Till 2", actor=LAN)
    assert await stores.revoke_terminal(created.terminal_id, actor=LAN, reason="stolen") is True
    assert await stores.revoke_terminal(created.terminal_id, actor=LAN, reason="again") is False
    rows = await AuditLog.select(AuditLog.action, AuditLog.target_id).order_by(AuditLog.id)
    assert [(r["action"], r["target_id"]) for r in rows] == [
        ("terminal.create", str(created.terminal_id)),
        ("terminal.revoke", str(created.terminal_id)),
    ]
    assert await stores.terminal_for_key(created.key) is None


async def test_a_store_made_from_the_command_line_is_in_the_audit_log(capsys: pytest.CaptureFixture[str]) -> None:
    from loyalty.setup import commands

    await commands.create_store("Q5", "Quận 5", city="Hồ Chí Minh")
    assert "store Q5 created" in capsys.readouterr().out
    rows = await AuditLog.select(AuditLog.action, AuditLog.staff_username, AuditLog.detail).output(load_json=True)
    assert [(r["action"], r["staff_username"], r["detail"]) for r in rows] == [
        ("store.create", "command line", {"code": "Q5"})
    ]
    await stores.create_store("Q6", "Quận 6")  # not by staff (set-up, tests): no audit row
    assert await AuditLog.count() == 1


async def test_revoking_a_till_that_does_not_exist_says_so() -> None:
    with pytest.raises(NotFound):
        await stores.revoke_terminal(424242, actor=LAN, reason="typo")
    assert await AuditLog.count() == 0
