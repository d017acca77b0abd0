"""A fake Zalo: the ZNS template endpoint and the OA OAuth v4 token endpoint, on 127.0.0.1.

* ``POST /v4/oa/access_token`` (header ``secret_key``, form ``app_id``, ``grant_type``,
  ``refresh_token``): the current refresh token buys a new access token and a new refresh token,
  and is spent (single use, as Zalo's); anything else answers Zalo's error JSON without a token.
* ``POST /message/template`` (header ``access_token``): a stale access token (see :meth:`expire`)
  answers ``-124``; otherwise the phone's scripted code (``replies``), by default ``0`` with a
  fresh ``msg_id``. Every request is recorded.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_http import FakeHttp

SECRET_KEY = "fake-zalo-secret"
APP_ID = "fake-app"
FIRST_REFRESH = "rt-0"

MESSAGES = {
    -108: "Phone number invalid",
    -109: "Template ID invalid",
    -112: "Template data invalid",
    -115: "Out of quota",
    -124: "Access token invalid",
}


@dataclass
class FakeZalo:
    replies: dict[str, int] = field(default_factory=dict)  # phone (84…) -> ZNS error code
    sends: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    access_token: str = "at-0"
    refresh_token: str = FIRST_REFRESH
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http: FakeHttp | None = None

    @property
    def url(self) -> str:
        assert self._http is not None
        return self._http.url

    def start(self) -> FakeZalo:
        self._http = FakeHttp(self._handle)
        self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()

    def expire(self) -> None:
        """The access token in use expires (Zalo's last about 25 hours)."""
        with self._lock:
            self.access_token = f"expired-{self.access_token}"

    def _handle(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            if path == "/v4/oa/access_token":
                return self._token(headers, body)
            if path == "/message/template":
                return self._send(headers, body)
            return 404, {"error": -106, "message": "Method unsupported"}

    def _token(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        self.token_requests.append({k: str(v) for k, v in body.items()})
        good = (
            headers.get("secret_key") == SECRET_KEY
            and body.get("app_id") == APP_ID
            and body.get("grant_type") == "refresh_token"
            and body.get("refresh_token") == self.refresh_token
        )
        if not good:
            return 200, {
                "error": -14014,
                "error_name": "Invalid refresh token",
                "error_description": "refresh token is invalid",
            }
        n = len(self.token_requests)
        self.access_token, self.refresh_token = f"at-{n}", f"rt-{n}"
        return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": "90000"}

    def _send(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        self.sends.append({"access_token": headers.get("access_token", ""), **body})
        if headers.get("access_token") != self.access_token:
            return 200, {"error": -124, "message": MESSAGES[-124]}
        code = self.replies.get(str(body.get("phone")), 0)
        if code:
            return 200, {"error": code, "message": MESSAGES.get(code, "error")}
        msg_id = f"zns-{next(self._ids)}"
        data = {"msg_id": msg_id, "sent_time": "1700000000000", "quota": {"dailyQuota": "500", "remainingQuota": "499"}}
        return 200, {"error": 0, "message": "Success", "data": data}
