"""Changing a 200 answer of Piccolo Admin on its way out (it has no hook for what we add).

``admin.labels`` retitles JSON schemas; ``admin.cell_formats`` adds our script to the admin's
page. Both hold the answer back until its last part, change the body, and send it with its new
length; any other answer (a refusal, an error page, another content type) passes as it came.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def rewriting(send: Send, content_type: bytes, change: Callable[[bytes], bytes]) -> Send:
    """A ``send`` that passes a 200 answer of ``content_type`` through ``change`` whole."""
    start: Message | None = None
    parts: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            if message["status"] == 200 and _has_type(message, content_type):
                start = message
                return
        elif message["type"] == "http.response.body" and start is not None:
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = change(b"".join(parts))
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return sending


def _has_type(start: Message, content_type: bytes) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(content_type) for k, v in start["headers"])
