"""A fake brand-name SMS gateway speaking eSMS's SendMultipleMessage_V4_post_json, on 127.0.0.1.

Answers ``{"CodeResult": "100", "SMSID": …}``, or the phone's scripted code (``replies``), ``101``
for a wrong ApiKey/SecretKey, ``124`` for a RequestId seen before (nothing is sent twice).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_http import FakeHttp

API_KEY, SECRET, BRAND = "fake-key", "fake-secret", "THANTHIET"


@dataclass
class FakeSms:
    replies: dict[str, str] = field(default_factory=dict)  # phone (0…) -> CodeResult
    sends: list[dict[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0  # each answer takes this long (a request in flight when a worker dies)
    _seen: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http: FakeHttp | None = None

    @property
    def url(self) -> str:
        assert self._http is not None
        return f"{self._http.url}/MainService.svc/json/SendMultipleMessage_V4_post_json/"

    def start(self) -> FakeSms:
        self._http = FakeHttp(self._handle)
        self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()

    def _handle(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            self.sends.append(body)
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            if body.get("ApiKey") != API_KEY or body.get("SecretKey") != SECRET:
                return 200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"}
            request_id = str(body.get("RequestId", ""))
            if request_id in self._seen:
                return 200, {"CodeResult": "124", "ErrorMessage": "Duplicate RequestId"}
            code = self.replies.get(str(body.get("Phone")))
            if code:
                return 200, {"CodeResult": code, "ErrorMessage": f"error {code}"}
            self._seen.add(request_id)
            return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": f"sms-{next(self._ids)}"}
