"""Message benchmark: a campaign's messages on Zalo, SMS and e-mail through the real worker.

    .venv/bin/python -m bench.messages --members 100000                      # SQLite (temp file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_messages \\
        .venv/bin/python -m bench.messages --members 100000                  # PostgreSQL (emptied!)

The PostgreSQL database named is DROPPED AND RECREATED (schema public): give it a bench-only
database. The model is ``bench/push.py``:

1. N members are made set-wise with consents and preferred channels spread over Zalo, SMS and
   e-mail, some push-only and some with no consent (``bench.messages_seed``: 8 in 10 get a
   message); a campaign with channels ``zalo,sms,email`` is created, launched and given through
   ``loyalty.campaigns``.
2. The anchor: a fresh process of the fake servers (``bench.messages_servers``: the tests' fake
   Zalo and SMS gateway and an aiosmtpd server) and a raw client process
   (``bench.messages_anchor``) posting the same requests at the senders' concurrency; once
   before the worker and once after it (the box's load drifts), the two added up.
3. The run: a fresh servers process, then ``python -m notifications.worker --until-idle
   --no-jobs`` (``make worker``'s code) with the channels' settings pointing at it; it
   materialises the campaign's messages, routes, releases and sends them. Its resident memory is
   sampled from ``/proc`` every half second (start / middle / end and the kernel's peak).
4. The check: every member got exactly one delivery, sent, on the channel the routing rule picks
   (none for the push-only and unconsented), and each server got each id once.

Ratios: overall, the worker's messages per second (process start to exit) over the raw client's
rate for the same mix of channels (the raw seconds each channel's share would take, added up);
per channel, the worker's time is split between channels by ``bench.messages_servers``'s
attribution. Output also goes to bench/results/messages-<engine>.txt (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.push import prepare

ROOT = Path(__file__).resolve().parent.parent


class Servers:
    """A ``bench.messages_servers`` process: its URLs, and its counts on demand."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.messages_servers"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.zalo, self.sms = (self.process.stdout.readline().strip() for _ in range(2))
        self.smtp_port = int(self.process.stdout.readline())

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        found: dict[str, Any] = json.loads(self.process.stdout.readline())
        return found

    def stop(self) -> None:
        if self.process.stdin is not None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def channel_env(servers: Servers, folder: Path) -> dict[str, str]:
    """The worker's settings for the three channels, all pointing at ``servers``."""
    from tests.support.fake_sms import API_KEY, BRAND, SECRET
    from tests.support.fake_zalo import APP_ID, FIRST_REFRESH, SECRET_KEY

    token_file = folder / "zalo_token.json"
    token_file.unlink(missing_ok=True)
    return {
        "ZALO_APP_ID": APP_ID,
        "ZALO_SECRET_KEY": SECRET_KEY,
        "ZALO_REFRESH_TOKEN": FIRST_REFRESH,
        "ZALO_TOKEN_FILE": str(token_file),
        "ZALO_API_URL": servers.zalo,
        "ZALO_OAUTH_URL": servers.zalo,
        "SMS_URL": servers.sms,
        "SMS_API_KEY": API_KEY,
        "SMS_SECRET": SECRET,
        "SMS_BRANDNAME": BRAND,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(servers.smtp_port),
        "SMTP_STARTTLS": "false",
        "MAIL_FROM": "Thân Thiết <tin@bench.example>",
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "UNSUBSCRIBE_KEY": "bench-unsubscribe-key",
    }


def raw_anchor(count: int, when: str) -> dict[str, Any]:
    load = round(os.getloadavg()[0], 2)
    servers = Servers()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.messages_anchor",
                servers.zalo,
                servers.sms,
                str(servers.smtp_port),
                str(count),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"the raw client failed:\n{done.stderr}")
        seen = servers.stats()
    finally:
        servers.stop()
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    found["received"] = {c: (v["count"], v["unique"]) for c, v in seen["channels"].items()}
    found["received_ok"] = all(v["count"] == v["unique"] for v in seen["channels"].values())
    found["when"], found["load_average"] = when, [load, round(os.getloadavg()[0], 2)]
    return found


CHANNELS = ("zalo", "sms", "email", "email_prebuilt_mime")


def bracketed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The raw rate of each channel over both anchors (their seconds added up): the box's load
    drifts during a run, and the worker runs between the two."""
    out: dict[str, Any] = {"raw_client": "before and after the worker, together"}
    for channel in CHANNELS:
        sent = before[channel]["sent"] + after[channel]["sent"]
        seconds = before[channel]["seconds"] + after[channel]["seconds"]
        out[channel] = {"sent": sent, "seconds": round(seconds, 2), "msg_per_s": round(sent / seconds)}
    return out


class RssSampler(threading.Thread):
    """A process's resident set size (MiB) every ``every`` seconds, from /proc/<pid>/status."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append(round(int(line.split()[1]) / 1024, 1))
            self.done.wait(self.every)

    def at(self, fraction: float) -> float | None:
        if not self.samples:
            return None
        return self.samples[min(len(self.samples) - 1, int(fraction * len(self.samples)))]


def run_worker(env: dict[str, str], folder: Path, profile: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """One worker process until nothing is left; (its figures, the servers' counts). With
    ``profile``, the worker runs under cProfile and writes its profile there (slower)."""
    profiled = ["-m", "cProfile", "-o", profile] if profile else []
    servers = Servers()
    try:
        worker_env = dict(env, **channel_env(servers, folder))
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, *profiled, "-m", "notifications.worker", "--until-idle", "--no-jobs"],
            cwd=ROOT,
            env=worker_env,
        )
        sampler = RssSampler(process.pid)
        sampler.start()
        # The exit code, peak RSS and CPU seconds of the worker, from the kernel's accounting.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = code = os.waitstatus_to_exitcode(status)
        peak = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
        elapsed = time.monotonic() - started
        sampler.done.set()
        sampler.join()
        seen = servers.stats()
    finally:
        servers.stop()
    start_rss = sampler.at(0.1)
    figures = {
        "exit_code": code,
        "end_to_end_s": round(elapsed, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rss_mib": {
            "at_10%": start_rss,
            "at_50%": sampler.at(0.5),
            "at_90%": sampler.at(0.9),
            "max_sampled": max(sampler.samples, default=None),
            "peak": peak,  # the kernel's high-water mark (ru_maxrss), between samples included
            "samples": len(sampler.samples),
        },
        "memory_flat": bool(start_rss and peak <= 1.25 * start_rss),
        "zalo_token_requests": seen.get("zalo_token_requests"),
    }
    return figures, seen


def ratios(figures: dict[str, Any], seen: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    channels = seen["channels"]
    sent = sum(v["count"] for v in channels.values())
    worker_rate = sent / figures["end_to_end_s"] if figures["end_to_end_s"] else 0.0
    # The raw client's time for this run's mix: each channel's share at the raw rate, added up.
    raw_seconds = sum(v["count"] / raw[c]["msg_per_s"] for c, v in channels.items())
    raw_rate = sent / raw_seconds if raw_seconds else 0.0
    wire = (seen["last_at"] - seen["first_at"]) if seen["first_at"] is not None else 0.0
    out: dict[str, Any] = {
        "sent": sent,
        "worker_msg_per_s": round(worker_rate),
        "wire_msg_per_s": round(sent / wire) if wire else None,
        "wire_msg_per_s_by_tenth": seen.get("tenths_msg_per_s"),
        "raw_msg_per_s_same_mix": round(raw_rate),
        "worker_vs_raw": round(worker_rate / raw_rate, 2) if raw_rate else None,
        "worker_cpu_ms_per_message": round(1000 * figures["cpu_s"] / sent, 2) if sent else None,
        "per_channel": {},
    }
    for channel, v in sorted(channels.items()):
        rate = v["count"] / v["attributed_s"] if v["attributed_s"] else 0.0
        out["per_channel"][channel] = {
            "sent": v["count"],
            "unique_ids": v["unique"],
            "attributed_s": v["attributed_s"],
            "worker_msg_per_s": round(rate),
            "raw_msg_per_s": raw[channel]["msg_per_s"],
            "worker_vs_raw": round(rate / raw[channel]["msg_per_s"], 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--raw-count", type=int, default=5_000, help="messages per channel the raw client sends")
    parser.add_argument("--profile", default="", help="run the worker under cProfile, its profile written here")
    parser.add_argument("--out", default="", help="the report's file (default bench/results/messages-<engine>.txt)")
    args = parser.parse_args()
    db_url = os.environ.get("DATABASE_URL") or ""
    if not db_url:
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='thanthiet-bench-messages-')}/bench.sqlite"
        os.environ["DATABASE_URL"] = db_url
    engine = "postgresql" if db_url.startswith("postgres") else "sqlite"
    folder = Path(tempfile.mkdtemp(prefix="thanthiet-bench-messages-run-"))
    env = dict(os.environ, DATABASE_URL=db_url, APP_ENV="development", LOG_LEVEL="WARNING")
    # The run is at whatever hour the bench starts: no quiet hours, so nothing waits for 08:00.
    env["NOTIFY_QUIET_HOURS"] = "00:00-00:00"
    for name in ("FIREBASE_AUTH_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "CHANNELS_CONSOLE"):
        env.pop(name, None)
    lines = [
        f"bench.messages — {args.members} members, engine {engine}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start",
        "command: .venv/bin/python -m bench.messages " + " ".join(sys.argv[1:]),
    ]

    def say(item: dict[str, Any]) -> None:
        lines.append(json.dumps(item, ensure_ascii=False))
        print(lines[-1], flush=True)

    print("\n".join(lines), flush=True)
    prepare(db_url, env)
    from bench.messages_seed import check, seed_and_launch

    say({"setup": asyncio.run(seed_and_launch(args.members))})
    before = raw_anchor(args.raw_count, "before the worker")
    say(before)
    figures, seen = run_worker(env, folder, args.profile)
    say({"worker": figures})
    after = raw_anchor(args.raw_count, "after the worker")
    say(after)
    raw = bracketed(before, after)
    say(raw)
    say({"ratios": ratios(figures, seen, raw)})
    say({"ratios_against_the_anchor_before_only": ratios(figures, seen, before)["worker_vs_raw"]})
    checked = asyncio.run(check(db_url))
    wire_ok = all(v["count"] == v["unique"] for v in seen["channels"].values())
    per_channel = {c: v["count"] for c, v in seen["channels"].items()}
    checked["servers_received"] = per_channel
    checked["ok"] = bool(
        checked["ok"] and wire_ok and per_channel == checked["deliveries_per_channel"] and figures["exit_code"] == 0
    )
    say({"check": checked})
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"messages-{engine}.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"check: {'OK' if checked['ok'] else 'WRONG'}; written to {out}", flush=True)
    if not checked["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
