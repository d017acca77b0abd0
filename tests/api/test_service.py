"""Health, schema, request ids and problem answers for unknown routes."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpx


async def test_health_is_ok_with_the_database_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_health_is_503_when_the_database_is_unreachable() -> None:
    """A real server process whose database is a closed port answers 503, not 500."""
    dead_port = _free_port()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{dead_port}/nothing"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # a loaded machine imports the app slowly
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        server.terminate()
        server.wait(10)


async def test_openapi_document_and_browsable_ui(client: httpx.AsyncClient) -> None:
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert "/api/v1/me" in paths and "/health" in paths
    ui = await client.get("/schema/swagger")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()


async def test_unknown_route_and_wrong_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = await client.delete("/health")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"X-Request-ID": "till-42-abc"})
    assert given.headers["x-request-id"] == "till-42-abc"
    made = await client.get("/health")
    assert len(made.headers["x-request-id"]) == 16


@contextmanager
def access_log_lines() -> Iterator[list[dict[str, Any]]]:
    """The access log's JSON lines written inside the block, parsed when it ends."""
    from api.observability import JsonFormatter

    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("api.access")
    access.addHandler(handler)
    entries: list[dict[str, Any]] = []
    try:
        yield entries
    finally:
        access.removeHandler(handler)
        entries.extend(json.loads(line) for line in lines.getvalue().splitlines())


async def test_answers_to_paths_and_methods_no_route_has_carry_a_request_id_and_are_logged(
    client: httpx.AsyncClient,
) -> None:
    with access_log_lines() as entries:
        missing = await client.get("/api/v1/nothing-here", headers={"X-Request-ID": "till-9-lost"})
        wrong = await client.delete("/health")
    assert (missing.status_code, missing.headers["x-request-id"]) == (404, "till-9-lost")
    assert wrong.status_code == 405 and len(wrong.headers["x-request-id"]) == 16
    assert [(e["request_id"], e["path"], e["status"]) for e in entries] == [
        ("till-9-lost", "/api/v1/nothing-here", 404),
        (wrong.headers["x-request-id"], "/health", 405),
    ]


async def test_domain_error_data_never_overrides_the_problem_members(client: httpx.AsyncClient) -> None:
    from litestar import Litestar, get

    from api.errors import EXCEPTION_HANDLERS
    from loyalty.errors import Conflict

    @get("/boom")
    async def boom() -> None:
        raise Conflict("clash", code="other", status=200, title="x", reason="kept")

    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cast(Any, app)), base_url="http://t") as http:
        response = await http.get("/boom")
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["status"], body["detail"], body["reason"]) == ("conflict", 409, "clash", "kept")


async def test_the_access_log_is_one_json_line_with_the_request_id_and_the_route_template(
    client: httpx.AsyncClient,
) -> None:
    with access_log_lines() as entries:
        answer = await client.get("/api/v1/me/complaints/KN-1", headers={"X-Request-ID": "till-7-log"})
    (entry,) = entries
    assert entry["request_id"] == answer.headers["x-request-id"] == "till-7-log"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/me/complaints/KN-1", 401)
    assert entry["route"] == "/api/v1/me/complaints/{reference}"
    assert entry["level"] == "info" and entry["logger"] == "api.access" and entry["duration_ms"] >= 0
