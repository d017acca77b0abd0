"""Notification settings, read once from the environment (docs/operations.md, "The worker and pushes")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from loyalty.members import CHANNELS
from loyalty.settings import ENV, MESSAGE_PRICES, MessagePrices, env_flag, env_int


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
    # --- Channels (docs/operations.md, "Channels"): a channel whose settings are missing is off.
    channels_console: bool = False  # development: log Zalo/SMS/e-mail to the console instead
    # NOTIFY_CHANNELS_ON: channels some worker of the deployment sends, beside those this process
    # has settings for; a fallback hands a message on to them even from a worker without their sender.
    channels_on: frozenset[str] = frozenset()
    zalo_app_id: str | None = None
    zalo_secret_key: str | None = None  # the app's secret: refreshes the OA access token
    zalo_oa_secret_key: str | None = None  # the OA's secret: signs webhooks (receipts)
    zalo_refresh_token: str | None = None  # the first one; later ones live in zalo_token_file
    zalo_token_file: str = "var/zalo_token.json"
    zalo_api_url: str = "https://business.openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_templates: Mapping[str, str] = field(default_factory=dict)  # kind -> ZNS template id
    zalo_cost_vnd: int = 300
    sms_url: str | None = None
    sms_api_key: str | None = None
    sms_secret: str | None = None
    sms_brandname: str | None = None
    sms_cost_per_part_vnd: int = 800
    sms_unicode: bool = False
    sms_max_parts: int = 3
    sms_callback_secret: str | None = None
    sms_callback_url: str | None = None  # where the gateway posts delivery reports
    sms_reply_to: str | None = None  # the number customers text "TC" to (marketing SMS say so)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_tls: bool = False
    mail_from: str | None = None
    email_cost_vnd: int = 0
    # Marketing e-mail and SMS carry an opt-out link: <public_base_url>/u/<token signed with the key>.
    public_base_url: str | None = None
    unsubscribe_key: str | None = None

    def configured_channels(self) -> frozenset[str]:
        """The channels whose settings are complete here (push always): a real sender each."""
        on = {"push"}
        if self.zalo_app_id and self.zalo_secret_key:
            on.add("zalo")
        if self.sms_url and self.sms_api_key and self.sms_secret and self.sms_brandname:
            on.add("sms")
        if self.smtp_host and self.mail_from:
            on.add("email")
        return frozenset(on)

    def deployment_channels(self) -> frozenset[str]:
        """The channels on somewhere in the deployment: this process's (every one with
        ``CHANNELS_CONSOLE``) and ``NOTIFY_CHANNELS_ON``."""
        own = frozenset(CHANNELS) if self.channels_console else self.configured_channels()
        return own | self.channels_on

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
            **_channel_settings(env),
        )


def _quiet_hours(raw: str) -> tuple[time, time]:
    """``HH:MM-HH:MM`` (may wrap midnight); an empty range (start == end) means no quiet hours."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-", 1))
    except ValueError as exc:
        raise ValueError(f"NOTIFY_QUIET_HOURS must look like 21:00-08:00, not {raw!r}") from exc
    return start, end


# --- Channels: read apart so the channel block stays one piece of this file. ---------------


def _channel_settings(env: Mapping[str, str]) -> dict[str, Any]:
    d = NotifySettings
    return {
        "channels_console": env_flag(env, "CHANNELS_CONSOLE", default=False),
        "channels_on": _channel_list(env.get("NOTIFY_CHANNELS_ON") or ""),
        "public_base_url": (env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        "unsubscribe_key": env.get("UNSUBSCRIBE_KEY") or None,
        "zalo_app_id": env.get("ZALO_APP_ID") or None,
        "zalo_secret_key": env.get("ZALO_SECRET_KEY") or None,
        "zalo_oa_secret_key": env.get("ZALO_OA_SECRET_KEY") or None,
        "zalo_refresh_token": env.get("ZALO_REFRESH_TOKEN") or None,
        "zalo_token_file": env.get("ZALO_TOKEN_FILE") or d.zalo_token_file,
        "zalo_api_url": (env.get("ZALO_API_URL") or d.zalo_api_url).rstrip("/"),
        "zalo_oauth_url": (env.get("ZALO_OAUTH_URL") or d.zalo_oauth_url).rstrip("/"),
        "zalo_templates": _zalo_templates(env.get("ZALO_TEMPLATES") or ""),
        "zalo_cost_vnd": env_int(env, "ZALO_COST_VND", d.zalo_cost_vnd, minimum=0),
        "sms_url": env.get("SMS_URL") or None,
        "sms_api_key": env.get("SMS_API_KEY") or None,
        "sms_secret": env.get("SMS_SECRET") or None,
        "sms_brandname": env.get("SMS_BRANDNAME") or None,
        "sms_cost_per_part_vnd": env_int(env, "SMS_COST_PER_PART_VND", d.sms_cost_per_part_vnd, minimum=0),
        "sms_unicode": env_flag(env, "SMS_UNICODE", default=False),
        "sms_max_parts": env_int(env, "SMS_MAX_PARTS", d.sms_max_parts),
        "sms_callback_secret": env.get("SMS_CALLBACK_SECRET") or None,
        "sms_callback_url": env.get("SMS_CALLBACK_URL") or None,
        "sms_reply_to": env.get("SMS_REPLY_TO") or None,
        "smtp_host": env.get("SMTP_HOST") or None,
        "smtp_port": env_int(env, "SMTP_PORT", d.smtp_port),
        "smtp_username": env.get("SMTP_USERNAME") or None,
        "smtp_password": env.get("SMTP_PASSWORD") or None,
        "smtp_starttls": env_flag(env, "SMTP_STARTTLS", default=True),
        "smtp_tls": env_flag(env, "SMTP_TLS", default=False),
        "mail_from": env.get("MAIL_FROM") or None,
        "email_cost_vnd": env_int(env, "EMAIL_COST_VND", d.email_cost_vnd, minimum=0),
    }


def _channel_list(raw: str) -> frozenset[str]:
    """``NOTIFY_CHANNELS_ON``: a comma list of push, zalo, sms, email."""
    chosen = frozenset(c.strip().lower() for c in raw.split(",") if c.strip())
    unknown = chosen - set(CHANNELS)
    if unknown:
        raise ValueError(f"NOTIFY_CHANNELS_ON names unknown channel(s): {', '.join(sorted(unknown))}")
    return chosen


def _zalo_templates(raw: str) -> dict[str, str]:
    """``ZALO_TEMPLATES``: a JSON object ``{"kind": "template id"}``, or ``@path`` to a file of one."""
    if not raw.strip():
        return {}
    text = Path(raw[1:]).read_text(encoding="utf-8") if raw.startswith("@") else raw
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ZALO_TEMPLATES must be a JSON object of kind -> template id: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ValueError("ZALO_TEMPLATES must be a JSON object of kind -> template id")
    return {str(k): str(v) for k, v in loaded.items()}
