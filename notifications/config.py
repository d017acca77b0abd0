"""Notification settings, read once from the environment (docs/operations.md, "The worker and pushes")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from loyalty.settings import ENV, MESSAGE_PRICES, MessagePrices, env_int


@dataclass(frozen=True)
class NotifySettings:
    google_application_credentials: str | None = None
    # Only tests and benchmarks set this: the base URL of a fake FCM server.
    fcm_endpoint: str | None = None
    firebase_project_id: str = "demo-thanthiet"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    marketing_cap: int = 3
    marketing_cap_days: int = 7
    consent_text_version: str = "2026-11"
    max_attempts: int = 5
    backoff_base_s: float = 5.0
    backoff_max_s: float = 3600.0
    lease_s: float = 120.0
    event_batch: int = 1000
    send_batch: int = 500
    poll_s: float = 1.0
    job_lease_s: float = 600.0
    # A Zalo or SMS message with no delivery receipt after this long goes on the next channel.
    fallback_after_s: float = 600.0
    # What a message costs per channel (campaign message budgets); read by loyalty.settings.
    prices: MessagePrices = field(default=MESSAGE_PRICES)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> NotifySettings:
        start, end = _quiet_hours(env.get("NOTIFY_QUIET_HOURS", "21:00-08:00"))
        return cls(
            google_application_credentials=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
            fcm_endpoint=(env.get("FCM_ENDPOINT") or "").rstrip("/") or None,
            firebase_project_id=env.get("FIREBASE_PROJECT_ID") or cls.firebase_project_id,
            quiet_start=start,
            quiet_end=end,
            marketing_cap=env_int(env, "NOTIFY_MARKETING_CAP", cls.marketing_cap, minimum=0),
            marketing_cap_days=env_int(env, "NOTIFY_MARKETING_CAP_DAYS", cls.marketing_cap_days),
            consent_text_version=env.get("CONSENT_TEXT_VERSION") or cls.consent_text_version,
            max_attempts=env_int(env, "NOTIFY_MAX_ATTEMPTS", cls.max_attempts),
            backoff_base_s=float(env.get("NOTIFY_BACKOFF_BASE_SECONDS") or cls.backoff_base_s),
            backoff_max_s=float(env.get("NOTIFY_BACKOFF_MAX_SECONDS") or cls.backoff_max_s),
            lease_s=float(env.get("NOTIFY_LEASE_SECONDS") or cls.lease_s),
            event_batch=env_int(env, "NOTIFY_EVENT_BATCH", cls.event_batch),
            send_batch=min(500, env_int(env, "NOTIFY_SEND_BATCH", cls.send_batch)),
            poll_s=float(env.get("WORKER_POLL_SECONDS") or cls.poll_s),
            fallback_after_s=float(env.get("NOTIFY_FALLBACK_AFTER_SECONDS") or cls.fallback_after_s),
            prices=MessagePrices.from_env(env),
        )


def _quiet_hours(raw: str) -> tuple[time, time]:
    """``HH:MM-HH:MM`` (may wrap midnight); an empty range (start == end) means no quiet hours."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-", 1))
    except ValueError as exc:
        raise ValueError(f"NOTIFY_QUIET_HOURS must look like 21:00-08:00, not {raw!r}") from exc
    return start, end
