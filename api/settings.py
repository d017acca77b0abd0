"""Settings, read once from the environment (see CONTRACT.md "Running it")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from loyalty.config import env_int
from loyalty.db import DEFAULT_DATABASE_URL

DEMO_PROJECT_ID = "demo-thanthiet"
TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off"}


class UnsafeSettings(RuntimeError):
    """Production was asked to start with a development-only setting."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    app_env: str
    firebase_project_id: str
    firebase_auth_emulator_host: str | None
    google_application_credentials: str | None
    embedded_worker: bool
    max_body_bytes: int
    member_rate_limit_per_minute: int
    terminal_rate_limit_per_minute: int
    auth_failure_rate_limit_per_minute: int
    admin_login_failures_per_user: int
    admin_login_failures_per_address: int
    admin_login_failure_window_s: int
    redis_url: str | None
    rate_limit_key_prefix: str

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        app_env = env.get("APP_ENV", "development").strip().lower() or "development"
        if app_env not in ("development", "production"):
            raise UnsafeSettings(f"APP_ENV must be development or production, not {app_env!r}")
        production = app_env == "production"
        settings = cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            app_env=app_env,
            firebase_project_id=env.get("FIREBASE_PROJECT_ID") or ("" if production else DEMO_PROJECT_ID),
            firebase_auth_emulator_host=env.get("FIREBASE_AUTH_EMULATOR_HOST") or None,
            google_application_credentials=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
            embedded_worker=_flag(env, "EMBEDDED_WORKER", default=not production),
            max_body_bytes=env_int(env, "MAX_BODY_BYTES", 8 * 1024 * 1024),
            member_rate_limit_per_minute=env_int(env, "MEMBER_RATE_LIMIT_PER_MINUTE", 120),
            terminal_rate_limit_per_minute=env_int(env, "TERMINAL_RATE_LIMIT_PER_MINUTE", 600),
            auth_failure_rate_limit_per_minute=env_int(env, "AUTH_FAILURE_RATE_LIMIT_PER_MINUTE", 60),
            admin_login_failures_per_user=env_int(env, "ADMIN_LOGIN_FAILURES_PER_USER", 10),
            admin_login_failures_per_address=env_int(env, "ADMIN_LOGIN_FAILURES_PER_ADDRESS", 100),
            admin_login_failure_window_s=env_int(env, "ADMIN_LOGIN_FAILURE_WINDOW_SECONDS", 900),
            redis_url=env.get("REDIS_URL") or None,
            rate_limit_key_prefix=env.get("RATE_LIMIT_KEY_PREFIX") or "thanthiet:rl:",
        )
        settings.refuse_unsafe()
        return settings

    def refuse_unsafe(self) -> None:
        if not self.production:
            return
        if self.firebase_auth_emulator_host:
            raise UnsafeSettings(
                "FIREBASE_AUTH_EMULATOR_HOST is set: emulator tokens are unsigned and must "
                "never be accepted in production"
            )
        if not self.firebase_project_id or self.firebase_project_id.startswith("demo-"):
            raise UnsafeSettings("FIREBASE_PROJECT_ID must name the real Firebase project in production")


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUTHY:
        return True
    if raw in FALSY:
        return False
    raise UnsafeSettings(f"{name} must be true or false, not {raw!r}")
