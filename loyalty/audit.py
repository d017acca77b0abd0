"""The staff audit log: who changed points, vouchers or tills, when, and why.

Callers write the audit row inside the transaction of the change it describes. An alert
(:func:`alert`) is the exception: something a person must look at that no change caused, written
in a transaction of its own after the failed change rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty.db import write_transaction
from loyalty.schema import AuditLog


@dataclass(frozen=True)
class StaffActor:
    user_id: int | None
    username: str


SYSTEM_ACTOR = StaffActor(None, "system")


async def record(actor: StaffActor, action: str, target: str, target_id: object, **detail: Any) -> None:
    await AuditLog(
        staff=actor.user_id,
        staff_username=actor.username,
        action=action,
        target=target,
        target_id=str(target_id),
        detail=detail,
    ).save()


async def alert(action: str, target: str, target_id: object, **detail: Any) -> None:
    """An audit row by the system, for staff to act on (the admin's Audit log, ``action`` filter)."""
    async with write_transaction():
        await record(SYSTEM_ACTOR, action, target, target_id, **detail)
