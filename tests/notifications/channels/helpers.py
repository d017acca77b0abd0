"""Outgoing messages for the channel tests."""

from __future__ import annotations

from notifications.channels import Outgoing


def outgoing(
    delivery_id: int,
    address: str,
    *,
    kind: str = "points_earned",
    locale: str = "vi",
    purpose: str = "transactional",
    params: dict[str, str] | None = None,
    unsubscribe_url: str | None = None,
) -> Outgoing:
    return Outgoing(
        delivery_id=delivery_id,
        address=address,
        kind=kind,
        locale=locale,
        purpose=purpose,
        title="Bạn vừa nhận 120 điểm" if locale == "vi" else "You earned 120 points",
        body="Số dư hiện tại: 1.250 điểm." if locale == "vi" else "Your balance is now 1,250 points.",
        params=params if params is not None else {"points": "120", "balance": "1.250"},
        unsubscribe_url=unsubscribe_url,
    )
