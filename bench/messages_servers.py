"""The message benchmark's local providers in one process of their own: fake Zalo, SMS and SMTP.

    .venv/bin/python -m bench.messages_servers

prints three lines (the Zalo base URL, the SMS URL, the SMTP port), then answers commands on
stdin: ``stats`` prints one JSON line of what each server received, ``quit`` ends it. The
servers are the tests' (``tests.support.fake_zalo``, ``fake_sms``, and aiosmtpd as in
``fake_smtp``), run apart from the worker so they do not take the worker's event loop or GIL.

Each request is logged as (time, channel, our id: Zalo's ``tracking_id``, SMS's ``RequestId``,
the e-mail's Message-ID). ``stats`` gives per channel the count, the distinct ids (a duplicate
on the wire shows as count > unique) and the time *attributed* to the channel: each gap between
two requests, whatever their channel, is given to the channel of the later one. A worker sends
one channel's batch after another, so a channel's claim and its sends fall to it (its answers
are written in the gap before the next batch and fall to the next channel): the attribution
splits one run's wall time between the channels without running them apart. It also gives the
rate of each tenth of the messages (a run that slows as the tables grow shows it).
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import sys
import threading
import time
from collections import defaultdict
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.fake_http import FakeHttp
from tests.support.fake_sms import FakeSms
from tests.support.fake_zalo import FakeZalo

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Log:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[tuple[float, str, str]] = []

    def add(self, channel: str, ident: str) -> None:
        at = time.monotonic()
        with self._lock:
            self.events.append((at, channel, ident))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            events = sorted(self.events)
        out: dict[str, dict[str, Any]] = {}
        ids: dict[str, set[str]] = defaultdict(set)
        attributed: dict[str, float] = defaultdict(float)
        previous: float | None = None
        for at, channel, ident in events:
            entry = out.setdefault(channel, {"count": 0, "first_at": at, "last_at": at})
            entry["count"] += 1
            entry["last_at"] = at
            ids[channel].add(ident)
            if previous is not None:
                attributed[channel] += at - previous
            previous = at
        for channel, entry in out.items():
            entry["unique"] = len(ids[channel])
            entry["attributed_s"] = round(attributed[channel], 3)
        return {
            "channels": out,
            "tenths_msg_per_s": _tenths(events),
            "first_at": events[0][0] if events else None,
            "last_at": events[-1][0] if events else None,
        }


def _tenths(events: list[tuple[float, str, str]]) -> list[int]:
    """The rate of each tenth of the messages, first to last: a run that slows as the tables
    grow shows falling figures."""
    if len(events) < 20:
        return []
    marks = [events[len(events) * k // 10 - (k == 10)][0] for k in range(11)]
    share = len(events) / 10
    return [round(share / (b - a)) if b > a else 0 for a, b in itertools.pairwise(marks)]


class CountingSmtp:
    """An aiosmtpd handler that accepts every recipient and keeps only each message's Message-ID
    (the tests' handler parses and keeps whole messages: too much memory for 100,000)."""

    def __init__(self, log: Log) -> None:
        self._log = log

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        head = raw.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        self._log.add("email", found.group(1).decode(errors="replace") if found else "")
        return "250 Message accepted for delivery"


def start(log: Log) -> tuple[FakeZalo, FakeSms, Controller, int]:
    zalo = FakeZalo()
    sms = FakeSms()
    # Each fake's own handler still answers (and keeps its own records); the log only watches.
    zalo_handle, sms_handle = zalo._handle, sms._handle

    def on_zalo(path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        if path == "/message/template":
            log.add("zalo", str(body.get("tracking_id", "")))
        return zalo_handle(path, headers, body)

    def on_sms(path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        log.add("sms", str(body.get("RequestId", "")))
        return sms_handle(path, headers, body)

    zalo._http = FakeHttp(on_zalo)
    zalo._http.start()
    sms._http = FakeHttp(on_sms)
    sms._http.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    smtp = Controller(CountingSmtp(log), hostname="127.0.0.1", port=port)
    smtp.start()
    return zalo, sms, smtp, port


def main() -> None:
    log = Log()
    zalo, sms, smtp, port = start(log)
    print(zalo.url, flush=True)
    print(sms.url, flush=True)
    print(port, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "stats":
            found = log.stats()
            found["zalo_token_requests"] = len(zalo.token_requests)
            print(json.dumps(found), flush=True)
        elif command == "quit":
            break
    smtp.stop()
    zalo.stop()
    sms.stop()


if __name__ == "__main__":
    main()
