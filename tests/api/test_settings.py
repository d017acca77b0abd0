"""Settings: read once, and production refuses development-only switches."""

from __future__ import annotations

import pytest

from api.settings import Settings, UnsafeSettings


def test_defaults_in_development() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///thanthiet.sqlite"
    assert settings.app_env == "development"
    assert settings.firebase_project_id == "demo-thanthiet"
    assert settings.embedded_worker is True


def test_production_refuses_the_auth_emulator() -> None:
    with pytest.raises(UnsafeSettings, match="FIREBASE_AUTH_EMULATOR_HOST"):
        Settings.from_env(
            {
                "APP_ENV": "production",
                "FIREBASE_PROJECT_ID": "shop-prod",
                "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
            }
        )


def test_production_refuses_the_demo_project() -> None:
    with pytest.raises(UnsafeSettings, match="FIREBASE_PROJECT_ID"):
        Settings.from_env({"APP_ENV": "production"})
    with pytest.raises(UnsafeSettings):
        Settings.from_env({"APP_ENV": "production", "FIREBASE_PROJECT_ID": "demo-thanthiet"})


def test_production_with_safe_settings_starts_without_embedded_worker() -> None:
    settings = Settings.from_env({"APP_ENV": "production", "FIREBASE_PROJECT_ID": "shop-prod"})
    assert settings.production and settings.embedded_worker is False


def test_bad_flag_and_env_are_refused() -> None:
    with pytest.raises(UnsafeSettings):
        Settings.from_env({"EMBEDDED_WORKER": "maybe"})
    with pytest.raises(UnsafeSettings):
        Settings.from_env({"APP_ENV": "staging"})


def test_app_env_is_read_in_any_case_and_refused_when_unknown() -> None:
    from loyalty.settings import AppEnv, BadSetting

    assert AppEnv.parse(" Production ") is AppEnv.PRODUCTION
    assert AppEnv.parse("") is AppEnv.DEVELOPMENT and AppEnv.parse(None) is AppEnv.DEVELOPMENT
    with pytest.raises(BadSetting):
        AppEnv.parse("prod")
    assert Settings.from_env({"APP_ENV": "PRODUCTION", "FIREBASE_PROJECT_ID": "shop-prod"}).production


def test_a_number_that_is_not_one_stops_the_start() -> None:
    with pytest.raises(UnsafeSettings, match="MAX_BODY_BYTES"):
        Settings.from_env({"MAX_BODY_BYTES": "8MB"})


def test_the_metrics_token_is_off_unless_set_and_production_wants_a_long_one() -> None:
    assert Settings.from_env({}).metrics_token is None
    assert Settings.from_env({"METRICS_TOKEN": "  "}).metrics_token is None
    assert Settings.from_env({"METRICS_TOKEN": " dev-scraper "}).metrics_token == "dev-scraper"
    with pytest.raises(UnsafeSettings, match="METRICS_TOKEN"):
        Settings.from_env({"METRICS_TOKEN": "two words"})  # no Authorization header could carry it
    production = {"APP_ENV": "production", "FIREBASE_PROJECT_ID": "shop-prod"}
    with pytest.raises(UnsafeSettings, match="METRICS_TOKEN"):
        Settings.from_env({**production, "METRICS_TOKEN": "dev-scraper"})
    long_token = "k" * 32
    assert Settings.from_env({**production, "METRICS_TOKEN": long_token}).metrics_token == long_token
