"""A fake FCM v1 server on 127.0.0.1, for tests and the push benchmark.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length) for firebase-admin's real HTTP code
path: ``POST /token`` answers google-auth's service-account token exchange, and
``POST /v1/projects/<project>/messages:send`` answers like FCM according to the token's prefix:

* ``unregistered…`` → 404 ``UNREGISTERED``
* ``invalid…`` → 400 ``INVALID_ARGUMENT``
* ``quota…`` → 429 with ``Retry-After: 2`` the first time, then success
* ``unavailable…`` → 503 every time
* anything else → 200 ``{"name": "projects/<p>/messages/<n>"}``

Every send is recorded (token, message). It runs on its own event loop in a thread (tests) or as
a process (``python -m tests.support.fake_fcm --port 0`` prints its URL; ``GET /stats`` counts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCESS_TOKEN = "fake-access-token"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@dataclass
class Recorded:
    token: str
    message: dict[str, Any]
    status: int
    at: float


@dataclass
class FakeFcm:
    delay_s: float = 0.0
    sends: list[Recorded] = field(default_factory=list)
    token_requests: int = 0
    _seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- running -------------------------------------------------------------------------

    def start(self) -> FakeFcm:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-fcm", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()
            loop.stop()

        asyncio.run_coroutine_threadsafe(close(), loop)
        if self._thread:
            self._thread.join(5)

    def reset(self) -> None:
        with self._lock:
            self.sends.clear()
            self._seen.clear()

    def tokens_sent(self, status: int = 200) -> list[str]:
        with self._lock:
            return [r.token for r in self.sends if r.status == status]

    # --- HTTP ------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, extra, payload = await self._answer(method, path, headers, body)
                data = json.dumps(payload).encode()
                reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
                out = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", f"Content-Length: {len(data)}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if method == "POST" and path == "/token":
            with self._lock:
                self.token_requests += 1
            return 200, {}, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        if method == "GET" and path == "/stats":
            return 200, {}, self.stats()
        if method != "POST" or not path.endswith("/messages:send"):
            return 404, {}, {"error": {"code": 404, "message": "no such path", "status": "NOT_FOUND"}}
        if headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return 401, {}, {"error": {"code": 401, "message": "no token", "status": "UNAUTHENTICATED"}}
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        message = json.loads(body)["message"]
        token = str(message.get("token") or message.get("fid") or "")
        status, extra, payload = self._fcm_answer(token, path)
        with self._lock:
            self.sends.append(Recorded(token, message, status, time.monotonic()))
        return status, extra, payload

    def _fcm_answer(self, token: str, path: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            seen = self._seen.get(token, 0)
            self._seen[token] = seen + 1
        if token.startswith("unregistered"):
            return 404, {}, _error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        if token.startswith("invalid"):
            return 400, {}, _error(400, "INVALID_ARGUMENT", "The registration token is not valid", "INVALID_ARGUMENT")
        if token.startswith("quota") and seen == 0:
            return 429, {"Retry-After": "2"}, _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "QUOTA_EXCEEDED")
        if token.startswith("unavailable"):
            return 503, {}, _error(503, "UNAVAILABLE", "The service is unavailable", "UNAVAILABLE")
        project = path.split("/")[3] if path.count("/") >= 4 else "p"
        with self._lock:
            n = len(self.sends) + 1
        return 200, {}, {"name": f"projects/{project}/messages/{n}"}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            ok = [r.at for r in self.sends if r.status == 200]
            return {
                "sends": len(self.sends),
                "ok": len(ok),
                "unique_ok": len({r.token for r in self.sends if r.status == 200}),
                "first_at": min(ok) if ok else None,
                "last_at": max(ok) if ok else None,
            }


def _error(code: int, status: str, message: str, fcm_code: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "status": status,
            "details": [{"@type": FCM_ERROR_TYPE, "errorCode": fcm_code}],
        }
    }


def write_service_account(path: Path, *, token_uri: str, project_id: str) -> Path:
    """A throwaway service-account file with a fresh RSA key, whose token_uri is the fake."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": project_id,
                "private_key_id": "fake-key-1",
                "private_key": pem,
                "client_email": f"fcm@{project_id}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = FakeFcm(port=args.port).start()
    print(fake.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
