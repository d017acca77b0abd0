"""The staff audit log: who changed points, vouchers or tills, when, and why.

Callers write the audit row inside the transaction of the change it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty.tables import AuditLog


@dataclass(frozen=True)
class StaffActor:
    user_id: int | None
    username: str


async def record(actor: StaffActor, action: str, target: str, target_id: object, **detail: Any) -> None:
    await AuditLog(
        staff=actor.user_id,
        staff_username=actor.username,
        action=action,
        target=target,
        target_id=str(target_id),
        detail=detail,
    ).save()
