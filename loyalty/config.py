"""The programme's settings (rates, validity periods), read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Programme:
    points_expiry_months: int = 12
    claim_valid_days: int = 7
    dong_per_point: int = 10_000
    tier_review_grace_days: int = 30
    expiring_soon_days: int = 30
    timezone: str = "Asia/Ho_Chi_Minh"
    # Workers per process giving one campaign run's points side by side (PostgreSQL only).
    fanout_workers: int = 2

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Programme:
        env = os.environ if env is None else env
        return cls(
            points_expiry_months=env_int(env, "POINTS_EXPIRY_MONTHS", cls.points_expiry_months),
            claim_valid_days=env_int(env, "CLAIM_VALID_DAYS", cls.claim_valid_days),
            dong_per_point=env_int(env, "DONG_PER_POINT", cls.dong_per_point),
            tier_review_grace_days=env_int(env, "TIER_REVIEW_GRACE_DAYS", cls.tier_review_grace_days),
            expiring_soon_days=env_int(env, "EXPIRING_SOON_DAYS", cls.expiring_soon_days),
            timezone=env.get("PROGRAMME_TIMEZONE", cls.timezone),
            fanout_workers=env_int(env, "FANOUT_WORKERS", cls.fanout_workers),
        )


def env_int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    """A whole-number setting: ``default`` when unset, refused below ``minimum``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}, not {raw!r}")
    return value


PROGRAMME = Programme.from_env()
