"""Prove the README's `make run` from a clean clone, as a newcomer would run it.

Runs `make run` in CLONE (a fresh `git clone`, no .venv) on a free port with the DATABASE_URL
given, waits for /health, signs a member in with the dev_token the README names, earns once at
the till with the key `make run` printed, checks the balance, and stops the server. Prints how
long the install and the first /health took. Standard library only: it runs on the machine's own
python3 before any virtual environment exists.

    python3 .ci/readme_proof.py CLONE DATABASE_URL
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

INSTALL_TIMEOUT_S = 900
START_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(method: str, url: str, token: str = "", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def fail(message: str, log_path: str) -> None:
    print(f"README proof FAILED: {message}", file=sys.stderr)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        print("---- last lines of `make run` ----", file=sys.stderr)
        print("".join(log.readlines()[-40:]), file=sys.stderr)
    sys.exit(1)


def main(clone: str, database_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(clone, f"make-run-{port}.log")
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_URL": database_url}
    env.pop("VIRTUAL_ENV", None)
    marker = os.path.join(clone, ".venv", ".installed")
    preinstalled = os.path.exists(marker)
    started = time.monotonic()
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    installed_after: float | None = None
    healthy_after: float | None = None
    try:
        while healthy_after is None:
            elapsed = time.monotonic() - started
            if server.poll() is not None:
                fail(f"`make run` exited with {server.returncode} before /health answered", log_path)
            if installed_after is None and not preinstalled and os.path.exists(marker):
                installed_after = elapsed
            if elapsed > INSTALL_TIMEOUT_S + START_TIMEOUT_S:
                fail("no /health within the time limit", log_path)
            try:
                status, _ = call("GET", f"{base}/health")
            except OSError:
                status = 0
            if status == 200:
                healthy_after = elapsed
            else:
                time.sleep(0.5)

        with open(log_path, encoding="utf-8") as log:
            keys = re.findall(r"till key:\s*(\S+)", log.read())
        if not keys:
            fail("`make run` printed no till key", log_path)
        till_key = keys[-1]

        token = (
            subprocess.run(
                [".venv/bin/piccolo", "loyalty", "dev_token", "--phone", "0901234567"],
                cwd=clone,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        status, me = call("GET", f"{base}/api/v1/me", token)
        if status != 200:
            fail(f"GET /me answered {status}: {me}", log_path)
        before = int(me["points_balance"])
        status, card = call("GET", f"{base}/api/v1/me/card", token)
        if status != 200:
            fail(f"GET /me/card answered {status}: {card}", log_path)
        receipt = f"README-{port}-{int(time.time())}"
        status, earned = call(
            "POST",
            f"{base}/api/v1/pos/earn",
            till_key,
            {"member_code": card["code"], "receipt_no": receipt, "amount": 250_000},
        )
        if status != 201:
            fail(f"POST /pos/earn answered {status}: {earned}", log_path)
        status, me = call("GET", f"{base}/api/v1/me", token)
        expected = before + int(earned["points_earned"])
        if status != 200 or me["points_balance"] != expected or earned["points_balance"] != expected:
            fail(f"balance after the earn is {me}, expected {expected}", log_path)
        engine = database_url.split(":", 1)[0]
        install = "already done" if preinstalled else f"{installed_after:.0f} s"
        print(
            f"README proof OK on {engine}: install {install}, first /health after {healthy_after:.1f} s, "
            f"member earned {earned['points_earned']} points at the till, balance {expected}"
        )
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
