"""The production API command (``python -m api.serve``) run as a child process for a test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.browser import PATIENCE_S, free_port

METRICS_TOKEN = "m" * 40
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serving(log: Path, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Serve on a free port with ``env`` added; yield the process and its base URL once healthy."""
    port = free_port()
    settings = {"PORT": str(port), "EMBEDDED_WORKER": "false", "METRICS_TOKEN": METRICS_TOKEN, **env}
    with log.open("wb") as out:
        # A session of its own: the supervisor's processes are stopped with it, whatever happens.
        process = subprocess.Popen(
            [sys.executable, "-m", "api.serve"],
            cwd=ROOT,
            env={**os.environ, **settings},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                if httpx.get(base + "/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield process, base
    finally:
        if process.poll() is None:
            process.terminate()  # the supervisor stops its processes, then itself
            try:
                process.wait(PATIENCE_S)
            except subprocess.TimeoutExpired:
                process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything left of the session
        process.wait(10)
