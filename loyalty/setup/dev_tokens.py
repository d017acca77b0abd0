"""Firebase Auth emulator ID tokens for development (unsigned: ``alg: none``).

firebase_admin accepts these only while FIREBASE_AUTH_EMULATOR_HOST is set; production
refuses to start with that variable, and this module refuses to mint in production.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

from loyalty.settings import APP_ENV, AppEnv


class DevTokensRefused(RuntimeError):
    pass


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def uid_for_phone(phone: str) -> str:
    """A stable uid per phone, so the same phone signs in as the same member."""
    return "dev-" + hashlib.sha256(phone.encode()).hexdigest()[:24]


def mint(
    project_id: str,
    *,
    phone: str | None,
    uid: str | None = None,
    lifetime_s: int = 3600,
    now: float | None = None,
    audience: str | None = None,
) -> str:
    if APP_ENV is AppEnv.PRODUCTION:
        raise DevTokensRefused("development tokens are refused in production")
    issued = int(now if now is not None else time.time())
    subject = uid or uid_for_phone(phone or "anonymous")
    claims: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": audience or project_id,
        "sub": subject,
        "user_id": subject,
        "iat": issued,
        "exp": issued + lifetime_s,
        "auth_time": issued,
        "firebase": {"sign_in_provider": "phone", "identities": {"phone": [phone] if phone else []}},
    }
    if phone:
        claims["phone_number"] = phone
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
