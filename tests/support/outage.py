"""Run the real app in a process of its own against the environment it is given, and print its answers.

``python -m tests.support.outage [--break-sqlite]`` starts ``api.app.create_app()`` (lifespan
included), sends a few member and till requests plus the health probes, and prints one JSON line per
answer: ``{"path", "status", "retry_after", "code", "detail"}``. With ``--break-sqlite`` the
SQLite file is replaced by a folder once the app is built, so the database cannot be opened.
The tests use it for what cannot happen in the test process: a database that is not there, or
production settings (no emulator host, no service account).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def answers_of_app(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    """Run this module in a process of its own with ``env`` on top of the tests' and read its answers."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.outage", *args],
        env={**os.environ, "EMBEDDED_WORKER": "false", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"path"')]


def _member_token(project_id: str) -> str:
    # Minted by hand: loyalty.dev_tokens refuses to mint in production, which some runs are.
    import base64

    now = int(__import__("time").time())
    claims = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": "outage-member",
        "user_id": "outage-member",
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "phone_number": "+84901239999",
        "firebase": {"sign_in_provider": "phone", "identities": {"phone": ["+84901239999"]}},
    }

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _replace_by_a_folder(path: str) -> None:
    for leftover in (path, path + "-wal", path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    os.mkdir(path)


async def main(break_sqlite: bool) -> None:
    from api.app import create_app
    from loyalty.db.engines import current_engine, sqlite_path

    app: Any = create_app()  # httpx types its ASGI app narrower than Litestar declares itself
    current_engine()  # piccolo_conf builds the engine (and the SQLite file) on first use
    if break_sqlite:
        _replace_by_a_folder(sqlite_path(os.environ["DATABASE_URL"]))
    member = {"Authorization": f"Bearer {_member_token(os.environ['FIREBASE_PROJECT_ID'])}"}
    till = {"Authorization": "Bearer tt_not-a-key-the-database-could-check"}
    requests: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", "/health", {}, None),
        ("GET", "/health/live", {}, None),
        ("GET", "/health/ready", {}, None),
        ("GET", "/api/v1/me", member, None),
        ("GET", "/api/v1/rewards", member, None),
        (
            "PUT",
            "/api/v1/me/consents",
            member,
            {"push_marketing": True, "email_marketing": False, "sms_marketing": False},
        ),
        ("POST", "/api/v1/pos/earn", till, {"member_code": "X", "receipt_no": "R-1", "amount": 1000}),
    ]
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://outage") as client:
            for method, path, headers, body in requests:
                response = await client.request(method, path, headers=headers, json=body)
                problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
                line = {
                    "path": f"{method} {path}",
                    "status": response.status_code,
                    "retry_after": response.headers.get("retry-after"),
                    "code": problem.get("code"),
                    "detail": problem.get("detail"),
                }
                print(json.dumps(line), flush=True)
    if break_sqlite:
        shutil.rmtree(sqlite_path(os.environ["DATABASE_URL"]), ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main("--break-sqlite" in sys.argv))
