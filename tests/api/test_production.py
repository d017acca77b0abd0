"""Production mode refuses unsafe settings: the emulator host, a demo project, the demo password.
Without a service account it still serves members: verifying ID tokens needs none."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from api.app import create_app
from api.settings import Settings, UnsafeSettings
from loyalty.setup.demo import seed_staff
from tests.conftest import DATABASE_URL
from tests.support.outage import answers_of_app


def test_server_refuses_to_start_in_production_with_the_emulator_host() -> None:
    env = {
        **os.environ,
        "APP_ENV": "production",
        "FIREBASE_PROJECT_ID": "shop-prod",
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
    }
    done = subprocess.run([sys.executable, "-c", "import api.app"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "FIREBASE_AUTH_EMULATOR_HOST" in done.stderr


def test_dev_token_command_refuses_in_production() -> None:
    env = {**os.environ, "APP_ENV": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "piccolo.main", "loyalty", "dev_token", "--phone", "0901234567"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "production" in done.stderr
    assert "eyJ" not in done.stdout


async def test_production_refuses_to_start_while_the_demo_password_works() -> None:
    await seed_staff()
    settings = Settings.from_env({"APP_ENV": "production", "FIREBASE_PROJECT_ID": "shop-prod"})
    app = create_app(settings)
    with pytest.raises(Exception) as caught:
        async with app.lifespan():
            pass
    errors = caught.value.exceptions if isinstance(caught.value, BaseExceptionGroup) else (caught.value,)
    assert any(isinstance(e, UnsafeSettings) and "demo staff" in str(e) for e in errors)


def test_production_without_a_service_account_still_checks_member_tokens() -> None:
    # No GOOGLE_APPLICATION_CREDENTIALS and no emulator: firebase_admin used to look for
    # Application Default Credentials on every member call and answer 500. It needs none to
    # verify an ID token; the unsigned token here is refused as a bad token, 401.
    env = {
        "APP_ENV": "production",
        "FIREBASE_PROJECT_ID": "shop-prod",
        "FIREBASE_AUTH_EMULATOR_HOST": "",
        "GOOGLE_APPLICATION_CREDENTIALS": "",
        "DATABASE_URL": DATABASE_URL,
    }
    answers = {a["path"]: a for a in answers_of_app(env)}
    assert answers["GET /health"]["status"] == 200
    for path in ("GET /api/v1/me", "GET /api/v1/rewards", "PUT /api/v1/me/consents"):
        assert answers[path]["status"] == 401, answers[path]
        assert answers[path]["code"] == "token_invalid"
    assert answers["POST /api/v1/pos/earn"]["status"] == 401
