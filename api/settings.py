"""The API's settings section, built once from the environment ``loyalty.settings`` read
(see CONTRACT.md "Running it")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loyalty.settings import ENV, AppEnv, BadSetting, Service, env_flag, env_int

DEMO_PROJECT_ID = "demo-thanthiet"
# A scraper's token is typed once into its config: long enough that guessing it is hopeless.
MIN_PRODUCTION_METRICS_TOKEN = 32


def _token(env: Mapping[str, str], name: str) -> str | None:
    """A bearer token: unset or blank is None; one with a space or control character inside could
    never be sent in an ``Authorization`` header, so it stops the start."""
    value = env.get(name, "").strip()
    if any(c.isspace() or not c.isprintable() for c in value):
        raise BadSetting(f"{name} must be one word of printable characters, with no spaces")
    return value or None


class UnsafeSettings(RuntimeError):
    """Production was asked to start with a development-only setting."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    app_env: AppEnv
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
    metrics_token: str | None  # unset: /metrics is off (404)
    api_processes: int  # uvicorn processes of ``python -m api.serve``
    graceful_shutdown_s: int  # after SIGTERM, how long requests in flight may still take

    @property
    def production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> Settings:
        try:
            settings = cls._read(env)
        except BadSetting as exc:
            raise UnsafeSettings(str(exc)) from exc
        settings.refuse_unsafe()
        return settings

    @classmethod
    def _read(cls, env: Mapping[str, str]) -> Settings:
        service = Service.from_env(env)
        production = service.production
        return cls(
            database_url=service.database_url,
            app_env=service.app_env,
            firebase_project_id=service.firebase_project_id or ("" if production else DEMO_PROJECT_ID),
            firebase_auth_emulator_host=env.get("FIREBASE_AUTH_EMULATOR_HOST") or None,
            google_application_credentials=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
            embedded_worker=env_flag(env, "EMBEDDED_WORKER", default=not production),
            max_body_bytes=env_int(env, "MAX_BODY_BYTES", 8 * 1024 * 1024),
            member_rate_limit_per_minute=env_int(env, "MEMBER_RATE_LIMIT_PER_MINUTE", 120),
            terminal_rate_limit_per_minute=env_int(env, "TERMINAL_RATE_LIMIT_PER_MINUTE", 600),
            auth_failure_rate_limit_per_minute=env_int(env, "AUTH_FAILURE_RATE_LIMIT_PER_MINUTE", 60),
            admin_login_failures_per_user=env_int(env, "ADMIN_LOGIN_FAILURES_PER_USER", 10),
            admin_login_failures_per_address=env_int(env, "ADMIN_LOGIN_FAILURES_PER_ADDRESS", 100),
            admin_login_failure_window_s=env_int(env, "ADMIN_LOGIN_FAILURE_WINDOW_SECONDS", 900),
            redis_url=env.get("REDIS_URL") or None,
            rate_limit_key_prefix=env.get("RATE_LIMIT_KEY_PREFIX") or "thanthiet:rl:",
            metrics_token=_token(env, "METRICS_TOKEN"),
            api_processes=env_int(env, "API_PROCESSES", 2),
            graceful_shutdown_s=env_int(env, "GRACEFUL_SHUTDOWN_SECONDS", 30),
        )

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
        if self.metrics_token is not None and len(self.metrics_token) < MIN_PRODUCTION_METRICS_TOKEN:
            raise UnsafeSettings(
                f"METRICS_TOKEN must be at least {MIN_PRODUCTION_METRICS_TOKEN} characters in production "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
