"""Failed staff logins, limited per client address and user together, in front of the admin.

Piccolo Admin's own limiter counts every login POST per address and, past 20 in 5 minutes,
blocks that address until the process restarts: behind one NAT or proxy an attacker locked the
staff out. Here only failures count, per (address, user): an attacker's address locks itself
out of an account while its owner, from their own address, still signs in; and per address
alone, with a larger budget, against one address guessing many users. A successful login
forgets its (address, user) failures. The admin is built with its limiter switched off
(``admin.site``), so it must only be served through this wrapper.
"""

from __future__ import annotations

import json
from typing import cast
from urllib.parse import parse_qs

from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from api.errors import PROBLEM_JSON, TYPE_BASE
from api.metrics import PROBLEMS
from api.rate_limit import client_address, limits_of

SESSION_COOKIE = b"id="  # piccolo_api's session cookie: set only by a successful login
MAX_LOGIN_BODY = 64 * 1024


def is_login(scope: Scope) -> bool:
    return scope.get("method") == "POST" and scope["path"].rstrip("/").endswith("/public/login")


async def limited_login(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    limits = limits_of(scope)
    body = await _read_body(receive)
    if body is None:
        await _send_problem(send, 413, "body_too_large", f"a login body is at most {MAX_LOGIN_BODY} bytes")
        return
    address = client_address(scope)
    user = f"{address} {_username(scope, body)}"
    try:
        await limits.refuse_if_spent(limits.admin_login_user, user)
        await limits.refuse_if_spent(limits.admin_login_address, address)
    except TooManyRequestsException as exc:
        detail = f"too many failed logins for this user from this address; {exc.detail}"
        await _send_problem(send, 429, "rate_limited", detail, exc.headers or {})
        return
    status = 0
    signed_in = False

    async def watching(message: Message) -> None:
        nonlocal status, signed_in
        if message["type"] == "http.response.start":
            status = int(message["status"])
            signed_in = any(
                name.lower() == b"set-cookie" and value.startswith(SESSION_COOKIE)
                for name, value in message.get("headers", ())
            )
        await send(message)

    await app(scope, _replay(body, receive), watching)
    if signed_in:
        await limits.forget(limits.admin_login_user, user)
    elif status != 403:  # 403 is the CSRF check: no password was tried
        await limits.count(limits.admin_login_user, user)
        await limits.count(limits.admin_login_address, address)


def _username(scope: Scope, body: bytes) -> str:
    headers = dict(scope.get("headers", ()))
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    try:
        if content_type == b"application/x-www-form-urlencoded":
            return (parse_qs(text).get("username") or [""])[0].strip().lower()
        data = json.loads(text)
    except ValueError:
        return ""
    name = data.get("username") if isinstance(data, dict) else None
    return name.strip().lower() if isinstance(name, str) else ""


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when it is larger than any login."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_LOGIN_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return cast(ReceiveMessage, {"type": "http.request", "body": body, "more_body": False})
        return await receive()

    return cast(Receive, replayed)


async def _send_problem(send: Send, status: int, code: str, detail: str, extra: dict[str, str] | None = None) -> None:
    title = "Too many requests" if status == 429 else "Request body too large"
    body = json.dumps({"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail, "code": code})
    PROBLEMS.labels(str(status), code).inc()  # sent by hand here, so counted by hand too
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body.encode())).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send(cast(Message, {"type": "http.response.start", "status": status, "headers": headers}))
    await send(cast(Message, {"type": "http.response.body", "body": body.encode()}))
