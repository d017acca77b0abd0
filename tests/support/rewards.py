"""Tiers, rewards and members with points, for the rewards and voucher tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from loyalty.points import Kind, credit
from loyalty.schema import Member, Reward, Tier
from tests.conftest import member_headers

TIERS = [("member", "Thành viên", "Member", 1, 0, 100), ("silver", "Bạc", "Silver", 2, 500, 110)]
TIERS += [("gold", "Vàng", "Gold", 3, 2000, 125)]


async def make_tiers() -> dict[str, Tier]:
    made: dict[str, Tier] = {}
    for code, vi, en, rank, threshold, pct in TIERS:
        tier = Tier(
            code=code, name_vi=vi, name_en=en, rank=rank, metric="points", threshold=threshold, earn_multiplier_pct=pct
        )
        await tier.save()
        made[code] = tier
    return made


async def make_reward(**fields: Any) -> Reward:
    values: dict[str, Any] = {
        "name_vi": "Cà phê sữa đá",
        "name_en": "Iced milk coffee",
        "description_vi": "Một ly cà phê",
        "description_en": "One cup of coffee",
        "points_cost": 100,
        "valid_from": datetime.now(UTC) - timedelta(days=1),
        "voucher_valid_days": 30,
    }
    values.update(fields)
    reward = Reward(**values)
    await reward.save()
    return reward


async def api_member(client: httpx.AsyncClient, phone: str, points: int = 0) -> tuple[dict[str, str], int]:
    """A member signed in through the API (created on its first call), with ``points`` credited."""
    headers = member_headers(phone)
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    member = await Member.select(Member.id).where(Member.public_id == response.json()["id"]).first()
    assert member is not None
    if points:
        await credit(member["id"], points, kind=Kind.GIFT, reference=f"seed:{phone}")
    return headers, int(member["id"])


async def balance(member_id: int) -> int:
    row = await Member.select(Member.points_balance).where(Member.id == member_id).first()
    assert row is not None
    return int(row["points_balance"])
