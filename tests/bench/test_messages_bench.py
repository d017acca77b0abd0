"""The message benchmark still runs end to end: 200 members, the real worker, the fake servers.

It runs ``python -m bench.messages`` as a process on the suite's engine (SQLite: a file of its
own; PostgreSQL: a database of its own beside the suite's, dropped and made again by the bench),
and reads its report: every member reached on the channel the routing rule picks, each server
got each message once, and the ratios and memory figures are there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from tests.conftest import DATABASE_URL, IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]


def _bench_database(tmp_path: Path) -> str:
    if not IS_POSTGRES:
        return f"sqlite:///{tmp_path}/bench.sqlite"
    parsed = urlparse(DATABASE_URL)
    return urlunparse(parsed._replace(path=f"{parsed.path}_messages_bench"))


def test_the_message_bench_sends_every_members_message_once_on_its_channel(tmp_path: Path) -> None:
    out = tmp_path / "messages.txt"
    env = dict(os.environ, DATABASE_URL=_bench_database(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "bench.messages", "--members", "200", "--raw-count", "60", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = {}
    for line in out.read_text().splitlines():
        if line.startswith("{"):
            report.update(json.loads(line))
    check = report["check"]
    assert check["ok"] and check["wrong"] == 0
    assert check["members"] == check["messages"] == 200
    # By id % 10: 3 in 10 on Zalo, 3 on SMS, 2 on e-mail, 2 reached by none of the campaign's channels.
    assert check["deliveries_per_channel"] == {"zalo": 60, "sms": 60, "email": 40} == check["servers_received"]
    assert check["unreached"] == 40
    ratios = report["ratios"]
    assert ratios["sent"] == 160 and ratios["worker_vs_raw"] > 0
    assert set(ratios["per_channel"]) == {"zalo", "sms", "email"}
    assert all(c["sent"] == c["unique_ids"] for c in ratios["per_channel"].values())
    assert report["worker"]["exit_code"] == 0 and report["worker"]["rss_mib"]["peak"] > 0
    assert report["worker"]["zalo_token_requests"] == 1
