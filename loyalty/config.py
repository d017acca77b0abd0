"""The programme's settings section (rates, validity periods), built once from the environment
``loyalty.settings`` read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loyalty.settings import ENV, env_int


@dataclass(frozen=True)
class Programme:
    points_expiry_months: int = 12
    claim_valid_days: int = 7
    dong_per_point: int = 10_000
    tier_review_grace_days: int = 30
    expiring_soon_days: int = 30
    timezone: str = "Asia/Ho_Chi_Minh"
    # What one point costs the programme in đồng (the dashboard's liability): 1 point per
    # 10,000 đ earned, spent on rewards worth about 1 % of the spend.
    point_cost_vnd: int = 100
    # Workers per process giving one campaign run's points side by side (PostgreSQL only).
    fanout_workers: int = 2

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> Programme:
        return cls(
            points_expiry_months=env_int(env, "POINTS_EXPIRY_MONTHS", cls.points_expiry_months),
            claim_valid_days=env_int(env, "CLAIM_VALID_DAYS", cls.claim_valid_days),
            dong_per_point=env_int(env, "DONG_PER_POINT", cls.dong_per_point),
            tier_review_grace_days=env_int(env, "TIER_REVIEW_GRACE_DAYS", cls.tier_review_grace_days),
            expiring_soon_days=env_int(env, "EXPIRING_SOON_DAYS", cls.expiring_soon_days),
            point_cost_vnd=env_int(env, "POINT_COST_VND", cls.point_cost_vnd),
            timezone=env.get("PROGRAMME_TIMEZONE", cls.timezone),
            fanout_workers=env_int(env, "FANOUT_WORKERS", cls.fanout_workers),
        )


PROGRAMME = Programme.from_env()
