"""Senders: how a push leaves the building, behind our own small protocol.

* ``FcmSender`` goes through firebase-admin's ``messaging.send_each_async`` (httpx, one
  coroutine per message, ≤ 500 messages a call) — ``send_each`` would start one thread per
  message. Retries are ours, not firebase-admin's: its transport would retry a 503 four times
  inside the call and stall the whole batch, while ours are durable (``next_attempt_at``) and
  honour ``Retry-After``.
* ``ConsoleSender`` logs each push; it is what runs without ``GOOGLE_APPLICATION_CREDENTIALS``.

Each push ends in one ``Result``: sent, retry (429/5xx/network, with the server's Retry-After),
invalid (INVALID_ARGUMENT), unregistered (the token is dead), or failed (anything else final).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from notifications.config import NotifySettings

log = logging.getLogger("notifications.senders")
FCM_BATCH_LIMIT = 500


@dataclass(frozen=True)
class Push:
    delivery_id: int
    message_id: int
    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    INVALID = "invalid"
    UNREGISTERED = "unregistered"
    FAILED = "failed"


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: Outcome
    error: str = ""
    retry_after_s: float | None = None
    provider_id: str = ""


class Sender(Protocol):
    name: str

    async def send(self, pushes: Sequence[Push]) -> list[Result]: ...

    async def aclose(self) -> None: ...


class ConsoleSender:
    """Development without credentials: every push is logged and counts as sent."""

    name = "console"

    async def send(self, pushes: Sequence[Push]) -> list[Result]:
        for push in pushes:
            log.info("push to …%s: %s — %s", push.token[-8:], push.title, push.body)
        return [Result(p.delivery_id, Outcome.SENT, provider_id="console") for p in pushes]

    async def aclose(self) -> None:
        return None


class FcmSender:
    """Firebase Cloud Messaging through firebase-admin's own HTTP client."""

    name = "fcm"
    CHUNK = 50  # ≤ FCM_BATCH_LIMIT (500) messages per send_each_async call
    LANES = 2  # CHUNK × LANES ≤ httpx's 100 pooled connections

    def __init__(self, credentials_path: str, *, endpoint: str | None = None, timeout_s: int = 30) -> None:
        import firebase_admin
        from firebase_admin import _http_client, credentials, messaging
        from firebase_admin._retry import HttpxRetry

        self._messaging = messaging
        # Our own named app: the API's app (auth) may have no credentials at all.
        self._app = firebase_admin.initialize_app(
            credentials.Certificate(credentials_path),
            options={"httpTimeout": timeout_s},
            name=f"thanthiet-push-{uuid.uuid4().hex[:8]}",
        )
        service: Any = messaging._get_messaging_service(self._app)
        client = _http_client.HttpxAsyncClient(
            credential=service._credential, retry_config=HttpxRetry(max_retries=0), timeout=timeout_s
        )
        client.async_client.auth = _shared_request_auth_flow(service._credential)
        service._async_client = client
        if endpoint:
            # firebase-admin has no FCM emulator switch: the send URL is a private attribute.
            # Only tests and benchmarks set FCM_ENDPOINT (a local fake FCM server).
            service._fcm_url = f"{endpoint}/v1/projects/{service._project_id}/messages:send"
        self._service = service

    async def send(self, pushes: Sequence[Push]) -> list[Result]:
        """Send in calls of ``CHUNK`` messages, ``LANES`` calls at a time.

        Why not one call of 500: httpx's pool holds 100 connections, and 500 requests queued on
        it cost more in pool bookkeeping than they gain (measured: about half the throughput).
        """
        chunks = [pushes[i : i + self.CHUNK] for i in range(0, len(pushes), self.CHUNK)]
        done: dict[int, list[Result]] = {}

        async def lane() -> None:
            while chunks:
                index = len(chunks) - 1
                chunk = chunks.pop()
                done[index] = await self._send_chunk(chunk)

        await asyncio.gather(*(lane() for _ in range(self.LANES)))
        return [result for index in sorted(done) for result in done[index]]

    async def _send_chunk(self, pushes: Sequence[Push]) -> list[Result]:
        from firebase_admin import exceptions

        m = self._messaging
        with warnings.catch_warnings():
            # firebase-admin ≥ 7.5 prefers ``fid`` (installation ids); the app registers FCM
            # registration tokens, which FCM still accepts as ``token``.
            warnings.simplefilter("ignore", DeprecationWarning)
            messages = [
                m.Message(token=p.token, notification=m.Notification(title=p.title, body=p.body), data=p.data)
                for p in pushes
            ]
        try:
            batch = await m.send_each_async(messages, app=self._app)
        except ValueError as exc:  # a message firebase-admin refuses to encode
            return [Result(p.delivery_id, Outcome.INVALID, f"not sendable: {exc}") for p in pushes]
        except exceptions.FirebaseError as exc:
            return [Result(p.delivery_id, Outcome.RETRY, _describe(exc)) for p in pushes]
        return [
            Result(p.delivery_id, Outcome.SENT, provider_id=str(r.message_id or ""))
            if r.success
            else classify(p.delivery_id, r.exception)
            for p, r in zip(pushes, batch.responses, strict=True)
        ]

    async def aclose(self) -> None:
        import firebase_admin

        await self._service._async_client.aclose()
        # delete_app closes services with asyncio.run(): keep that off our running loop.
        await asyncio.to_thread(firebase_admin.delete_app, self._app)


def _shared_request_auth_flow(credential: Any) -> Any:
    """firebase-admin's auth flow, without a new google-auth transport for every push.

    ``GoogleAuthCredentialFlow.auth_flow`` builds ``google.auth.transport.requests.Request()`` —
    a ``requests.Session`` with its adapters and pool — per request, only to refresh the token
    when it has expired: garbage the collector then walks while 500 pushes are in flight
    (a tenth of a push's CPU, docs/benchmarks.md). One is kept per sender instead; the rest is
    firebase-admin's: ``apply_auth_headers`` (refresh if expired), and on 401 a forced refresh
    and another try, at most ``_max_refresh_attempts`` times.
    """
    from firebase_admin._http_client import GoogleAuthCredentialFlow
    from google.auth.transport.requests import Request as AuthRequest

    class SharedRequestAuthFlow(GoogleAuthCredentialFlow):  # type: ignore[misc]
        def __init__(self, credential: Any) -> None:
            super().__init__(credential)
            self._auth_request = AuthRequest()

        def auth_flow(self, request: Any) -> Any:
            attempt = 0
            while True:
                self.apply_auth_headers(request, self._auth_request)
                response = yield request
                if response.status_code not in self._refresh_status_codes or attempt >= self._max_refresh_attempts:
                    return
                self._credential.refresh(self._auth_request)
                attempt += 1

    return SharedRequestAuthFlow(credential)


def classify(delivery_id: int, exc: Exception | None) -> Result:
    from firebase_admin import exceptions, messaging

    error = _describe(exc)
    if isinstance(exc, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return Result(delivery_id, Outcome.UNREGISTERED, error)
    if isinstance(exc, exceptions.InvalidArgumentError):
        return Result(delivery_id, Outcome.INVALID, error)
    if isinstance(exc, messaging.ThirdPartyAuthError | exceptions.NotFoundError | exceptions.FailedPreconditionError):
        return Result(delivery_id, Outcome.FAILED, error)
    return Result(delivery_id, Outcome.RETRY, error, retry_after_s=retry_after(exc))


def retry_after(exc: Exception | None) -> float | None:
    response = getattr(exc, "http_response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    when = email.utils.parsedate_to_datetime(raw)
    if when is None:
        return None
    return max(0.0, (when.astimezone(UTC) - datetime.now(UTC)).total_seconds())


def _describe(exc: Exception | None) -> str:
    if exc is None:
        return "unknown error"
    code = getattr(exc, "code", "")
    return f"{code}: {exc}"[:500] if code else f"{type(exc).__name__}: {exc}"[:500]


def make_sender(settings: NotifySettings) -> Sender:
    if settings.google_application_credentials:
        return FcmSender(settings.google_application_credentials, endpoint=settings.fcm_endpoint)
    return ConsoleSender()
