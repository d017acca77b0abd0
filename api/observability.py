"""Request ids and the access log: each request gets an id (the caller's X-Request-ID if sane),
echoed in the answer and carried by every log line written while serving it. The line format
(JSON, one object a line) is ``loyalty.json_logs``, shared with the worker."""

from __future__ import annotations

import logging
import secrets
import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from loyalty.json_logs import JsonFormatter, configure_logging, request_id_var

__all__ = ["JsonFormatter", "configure_logging", "request_id_middleware", "request_id_var"]

access_log = logging.getLogger("api.access")
REQUEST_ID_HEADER = b"x-request-id"


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Take the caller's X-Request-ID (if sane) or make one; echo it and log the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        http_scope: HTTPScope = scope
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 64 and given.isprintable() else secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s",
                http_scope["method"],
                http_scope["path"],
                status,
                extra={
                    "fields": {
                        "method": http_scope["method"],
                        "path": http_scope["path"],
                        # The route template as the metrics label it (absent for a path no route has).
                        "route": http_scope.get("path_template", ""),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )
            request_id_var.reset(token)

    return middleware
