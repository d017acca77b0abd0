"""Where configuration comes from: the process environment, read here and nowhere else.

Rules:

* ``ENV`` is a frozen copy of the environment taken once, at import; every settings section is
  built from it: the programme (``loyalty.config``), the complaints desk
  (``loyalty.complaints.sla``), notifications (``notifications.config``), the API
  (``api.settings``), and the service, admin, ledger-seal and message-price sections below. A
  section's ``from_env`` takes a mapping of its own for tests.
* ``APP_ENV`` is parsed once (``AppEnv.parse``: any case, surrounding spaces ignored, anything
  but development or production refused) and every layer asks :data:`APP_ENV`.
* A whole number or a flag is read by :func:`env_int` / :func:`env_flag` and refused when it is
  not one, so a typo stops the start instead of running with a default.
* The database section (:data:`DATABASE`) is per process kind: an API process and a worker read
  the same variables but have their own defaults (:meth:`DatabaseSettings.pool`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Literal

ENV: Mapping[str, str] = MappingProxyType(dict(os.environ))
DEFAULT_DATABASE_URL = "sqlite:///thanthiet.sqlite"
TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off"}


class BadSetting(ValueError):
    """A setting in the environment that cannot be used."""


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"

    @classmethod
    def parse(cls, raw: str | None) -> AppEnv:
        text = (raw or "").strip().lower() or cls.DEVELOPMENT.value
        try:
            return cls(text)
        except ValueError:
            raise BadSetting(f"APP_ENV must be development or production, not {raw!r}") from None


def env_int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    """A whole-number setting: ``default`` when unset, refused below ``minimum``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadSetting(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise BadSetting(f"{name} must be a whole number ≥ {minimum}, not {raw!r}")
    return value


def env_flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUTHY:
        return True
    if raw in FALSY:
        return False
    raise BadSetting(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Service:
    """How this process runs: which database, where it serves, how it logs."""

    app_env: AppEnv
    database_url: str
    host: str
    port: int
    log_level: str
    firebase_project_id: str  # as set; each reader applies its development default

    @property
    def production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> Service:
        return cls(
            app_env=AppEnv.parse(env.get("APP_ENV")),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            host=env.get("HOST") or "127.0.0.1",
            port=env_int(env, "PORT", 8000),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            firebase_project_id=(env.get("FIREBASE_PROJECT_ID") or "").strip(),
        )


@dataclass(frozen=True)
class AdminSettings:
    """The staff site: which host names it answers to, where uploads and the demo login live."""

    allowed_hosts: tuple[str, ...]
    media_root: Path
    demo_credentials_file: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> AdminSettings:
        return cls(
            allowed_hosts=tuple(h.strip() for h in env.get("ADMIN_ALLOWED_HOSTS", "").split(",") if h.strip()),
            media_root=Path(env.get("MEDIA_ROOT") or "media").resolve(),
            demo_credentials_file=Path(env.get("DEMO_CREDENTIALS_FILE") or ".demo-credentials"),
        )


ProcessKind = Literal["api", "worker"]
# Per kind: connections a process's pool may hold, and how long one statement may run. A worker's
# jobs read every member (statistics, tier review) and give 20,000 gifts a batch, so its
# statements run long by design; past the job lease (600 s) another worker would take the job.
POOL_MAX_DEFAULT: Mapping[ProcessKind, int] = MappingProxyType({"api": 20, "worker": 4})
STATEMENT_TIMEOUT_MS_DEFAULT: Mapping[ProcessKind, int] = MappingProxyType({"api": 15_000, "worker": 600_000})


@dataclass(frozen=True)
class PoolSettings:
    """One process's PostgreSQL pool (SQLite has none)."""

    min_size: int
    max_size: int
    statement_timeout_ms: int  # 0: no limit
    transaction_pooler: bool


@dataclass(frozen=True)
class DatabaseSettings:
    """How a process uses PostgreSQL: its pool, its statement timeout, and whether ``DATABASE_URL``
    is a pooler in transaction mode (PgBouncer ``pool_mode=transaction``), where no session state
    outlives a transaction: then no named prepared statements, and the timeout is set per
    transaction (``loyalty.db.engines``)."""

    transaction_pooler: bool
    pool_min: int
    pool_max: int | None  # unset: the process kind's default
    statement_timeout_ms: int | None  # unset: the process kind's default; 0: none

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> DatabaseSettings:
        pool_max = env_int(env, "DB_POOL_MAX", 0)
        timeout_set = bool(env.get("DB_STATEMENT_TIMEOUT_MS", "").strip())
        settings = cls(
            transaction_pooler=env_flag(env, "DB_TRANSACTION_POOLER", default=False),
            pool_min=env_int(env, "DB_POOL_MIN", 0, minimum=0),
            pool_max=pool_max or None,
            statement_timeout_ms=env_int(env, "DB_STATEMENT_TIMEOUT_MS", 0, minimum=0) if timeout_set else None,
        )
        if settings.pool_max is not None and settings.pool_min > settings.pool_max:
            raise BadSetting(f"DB_POOL_MIN ({settings.pool_min}) must not exceed DB_POOL_MAX ({settings.pool_max})")
        return settings

    def pool(self, kind: ProcessKind) -> PoolSettings:
        max_size = self.pool_max or POOL_MAX_DEFAULT[kind]
        timeout = STATEMENT_TIMEOUT_MS_DEFAULT[kind] if self.statement_timeout_ms is None else self.statement_timeout_ms
        return PoolSettings(min(self.pool_min, max_size), max_size, timeout, self.transaction_pooler)


@dataclass(frozen=True)
class LedgerSeal:
    """Where the ledger's signing key and its signed checkpoints live: outside the database, so
    whoever can write the database cannot re-sign what they changed."""

    signing_key_file: Path
    checkpoint_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> LedgerSeal:
        return cls(
            signing_key_file=Path(env.get("LEDGER_SIGNING_KEY_FILE") or ".ledger-signing-key.pem"),
            checkpoint_dir=Path(env.get("LEDGER_CHECKPOINT_DIR") or "ledger-checkpoints"),
        )


@dataclass(frozen=True)
class MessagePrices:
    """What one message costs on each channel, in đồng (SMS: per part), for campaign estimates
    and message budgets. The channel senders (``notifications.config``) read the same names."""

    push_vnd: int = 0
    zalo_vnd: int = 300
    sms_per_part_vnd: int = 800
    email_vnd: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> MessagePrices:
        return cls(
            push_vnd=env_int(env, "PUSH_COST_VND", cls.push_vnd, minimum=0),
            zalo_vnd=env_int(env, "ZALO_COST_VND", cls.zalo_vnd, minimum=0),
            sms_per_part_vnd=env_int(env, "SMS_COST_PER_PART_VND", cls.sms_per_part_vnd, minimum=0),
            email_vnd=env_int(env, "EMAIL_COST_VND", cls.email_vnd, minimum=0),
        )

    def per_message(self) -> dict[str, int]:
        """Channel → the estimate of one message (an SMS of one part)."""
        return {"push": self.push_vnd, "zalo": self.zalo_vnd, "sms": self.sms_per_part_vnd, "email": self.email_vnd}


SERVICE = Service.from_env()
APP_ENV = SERVICE.app_env
ADMIN = AdminSettings.from_env()
LEDGER_SEAL = LedgerSeal.from_env()
MESSAGE_PRICES = MessagePrices.from_env()
DATABASE = DatabaseSettings.from_env()
