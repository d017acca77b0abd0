"""Membership tiers: where a member stands and what the next tier needs.

Rules: tiers are data ordered by ``rank``; a member without a tier row is in the lowest tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.tables import Member, Tier


@dataclass(frozen=True)
class TierStanding:
    tier: Tier | None
    next_tier: Tier | None
    points_needed: int | None


async def all_tiers() -> list[Tier]:
    return await Tier.objects().order_by(Tier.rank)


async def standing(member: Member, qualifying_value: int = 0) -> TierStanding:
    """The member's tier, the next one and how much of the next tier's metric is missing."""
    tiers = await all_tiers()
    current = next((t for t in tiers if t.id == member.tier), tiers[0] if tiers else None)
    higher = [t for t in tiers if current is None or t.rank > current.rank]
    following = higher[0] if higher else None
    needed = max(following.threshold - qualifying_value, 0) if following else None
    return TierStanding(current, following, needed)
