"""Push benchmark: N deliveries through the dispatcher and firebase-admin to a local fake FCM.

    .venv/bin/python -m bench.push --deliveries 100000                       # SQLite (temp file)
    .venv/bin/python -m bench.push --database-url postgresql://postgres@127.0.0.1:5432/t_notif_bench

The PostgreSQL database named is DROPPED AND RECREATED (schema public): give it a bench-only
database. Each run seeds N members with one device and one ``points_earned`` event each (set-
based SQL), starts the fake FCM in its own process, then runs 1 and then 2 worker processes
(``python -m notifications.worker --until-idle --no-jobs``) and reports messages per second:
end to end (process start, events → messages → deliveries → pushes) and on the wire (first to
last push the fake FCM answered). Output also goes to bench/results/push-<engine>.txt.

The fake FCM is reached like the real one: HTTPS with ALPN ``h2``, so firebase-admin's httpx
client (``http2=True``) multiplexes every push over one HTTP/2 connection; the workers trust the
fake's self-signed certificate through ``SSL_CERT_FILE``. ``--http1`` sends over plain HTTP/1.1
instead (httpx's pool of 100 connections: the slower path production never takes).

The anchor, measured in the same run: a raw client process (``python -m bench.push --raw-client``)
that sends the same FCM v1 requests (``POST /v1/projects/<p>/messages:send`` with the message's
token, notification and data, the same bearer) through one ``httpx.AsyncClient(http2=True)`` at
the sender's concurrency (``FcmSender.CHUNK × LANES`` requests in flight) to a fresh fake FCM
process, with nothing else to do: no database, no firebase-admin. Each run's line gives
``per_worker_vs_raw``, its per-worker rate over the raw client's.

Each worker's peak RSS (``ru_maxrss`` of the process, from ``os.wait4``) is reported, and the
load average at the start and end of each run. A million pushes with two workers:

    .venv/bin/python -m bench.push --deliveries 1000000 --workers 2 --database-url postgresql://…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "demo-thanthiet-bench"


def _run(sql: list[str], url: str) -> None:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url[len("sqlite:///") :]) as connection:
            for statement in sql:
                connection.execute(statement)
        return

    async def go() -> None:
        import asyncpg

        connection = await asyncpg.connect(url)
        for statement in sql:
            await connection.execute(statement)
        await connection.close()

    asyncio.run(go())


def prepare(url: str, env: dict[str, str]) -> None:
    if url.startswith("postgres"):
        from tests.support.database import prepare as recreate

        recreate(url)
    subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "all"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def seed(url: str, count: int) -> None:
    series = f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
    _run(
        [
            series + "INSERT INTO member (public_id, card_secret, phone) SELECT 'B' || n, 'SECRET', '+849' || n FROM s",
            "INSERT INTO device (member, token, platform) SELECT id, 'ok-bench-' || id, 'android' FROM member",
        ],
        url,
    )


def reset_events(url: str) -> None:
    _run(
        [
            "DELETE FROM delivery",
            "DELETE FROM inbox_message",
            "DELETE FROM domain_event",
            "INSERT INTO domain_event (kind, member, payload) "
            "SELECT 'points_earned', id, '{\"points\": 120, \"balance\": 1200}' FROM member",
        ],
        url,
    )


def fake_fcm() -> tuple[subprocess.Popen[str], str, str, str]:
    """The fake FCM process: its plain URL (token endpoint), TLS URL and certificate file."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_fcm", "--tls"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    plain, tls, cert = (process.stdout.readline().strip() for _ in range(3))
    return process, plain, tls, cert


def stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/stats", timeout=10) as answer:
        found: dict[str, Any] = json.loads(answer.read())
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL bench database (recreated!)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--http1", action="store_true", help="plain HTTP/1.1 to the fake instead of TLS + HTTP/2")
    parser.add_argument("--raw-count", type=int, default=20_000, help="requests the raw anchor client sends")
    parser.add_argument("--out", default="", help="where to write the report (default bench/results/push-<engine>.txt)")
    parser.add_argument("--raw-client", nargs=3, metavar=("URL", "CERT", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_client:
        url, cert, count = args.raw_client
        print(json.dumps(asyncio.run(raw_client(url, cert, int(count)))))
        return
    db_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='thanthiet-bench-')}/bench.sqlite"
    engine = "postgresql" if db_url.startswith("postgres") else "sqlite"
    folder = Path(tempfile.mkdtemp(prefix="thanthiet-bench-sa-"))
    env = dict(os.environ, DATABASE_URL=db_url, FIREBASE_PROJECT_ID=PROJECT, APP_ENV="development")
    env.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
    prepare(db_url, env)
    seed(db_url, args.deliveries)
    lines = [
        f"bench.push — {args.deliveries} deliveries, engine {engine}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start",
        "command: .venv/bin/python -m bench.push " + " ".join(sys.argv[1:]),
    ]
    raw = raw_anchor(args.raw_count, http1=args.http1)
    lines.append(json.dumps(raw))
    print(lines[-1], flush=True)
    for workers in args.workers:
        result = run(args.deliveries, workers, env, db_url, folder, http1=args.http1)
        result["per_worker_vs_raw"] = round(result["per_worker_msg_per_s"] / raw["raw_msg_per_s"], 2)
        lines.append(json.dumps(result))
        print(lines[-1], flush=True)
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"push-{engine}.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:2]))
    print(f"written to {out}")


def run(count: int, workers: int, env: dict[str, str], db_url: str, folder: Path, *, http1: bool) -> dict[str, Any]:
    """One measured run: fresh events, a fresh fake FCM (it also serves the token endpoint)."""
    from tests.support.fake_fcm import write_service_account

    reset_events(db_url)
    fake, fake_url, tls_url, cert = fake_fcm()
    try:
        account = write_service_account(
            folder / f"sa-{workers}.json", token_uri=f"{fake_url}/token", project_id=PROJECT
        )
        worker_env = dict(
            env,
            GOOGLE_APPLICATION_CREDENTIALS=str(account),
            FCM_ENDPOINT=fake_url if http1 else tls_url,
            SSL_CERT_FILE=cert,
            LOG_LEVEL="WARNING",
        )
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "notifications.worker", "--until-idle", "--no-jobs"], cwd=ROOT, env=worker_env
            )
            for _ in range(workers)
        ]
        codes, peaks = zip(*(wait_with_peak(p) for p in processes), strict=True)
        elapsed = time.monotonic() - started
        seen = stats(fake_url)
    finally:
        fake.kill()
    wire = (seen["last_at"] - seen["first_at"]) if seen["first_at"] is not None else 0.0
    return {
        "workers": workers,
        "protocol": "HTTP/1.1" if http1 else "HTTP/2 over TLS",
        "exit_codes": list(codes),
        "peak_rss_mib": list(peaks),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "pushes_ok": seen["ok"],
        "unique_tokens": seen["unique_ok"],
        "end_to_end_s": round(elapsed, 2),
        "end_to_end_msg_per_s": round(count / elapsed),
        "wire_msg_per_s": round(seen["ok"] / wire) if wire else None,
        "per_worker_msg_per_s": round(count / elapsed / workers),
    }


def wait_with_peak(process: subprocess.Popen[Any]) -> tuple[int, float]:
    """The exit code and the peak resident memory (MiB) of a child, from the kernel's accounting."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, round(usage.ru_maxrss / 1024, 1)  # ru_maxrss is in KiB on Linux


def raw_anchor(count: int, *, http1: bool) -> dict[str, Any]:
    """The raw HTTP/2 client in its own process against a fresh fake FCM process."""
    fake, fake_url, tls_url, cert = fake_fcm()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.push", "--raw-client", fake_url if http1 else tls_url, cert, str(count)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        seen = stats(fake_url)
    finally:
        fake.kill()
        fake.wait()
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    found["pushes_ok"] = seen["ok"]
    return found


async def raw_client(url: str, cert: str, count: int) -> dict[str, Any]:
    """``count`` FCM v1 sends through one httpx HTTP/2 client, as many in flight as the sender has."""
    import httpx

    from notifications.senders import FcmSender
    from tests.support.fake_fcm import ACCESS_TOKEN

    endpoint = f"{url}/v1/projects/{PROJECT}/messages:send"
    headers = {"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": "application/json; charset=UTF-8"}
    bodies = [
        json.dumps(
            {
                "message": {
                    "token": f"ok-raw-{i}",
                    "notification": {"title": "Bạn vừa được cộng điểm", "body": "+120 điểm, số dư 1.200 điểm"},
                    "data": {"kind": "points_earned", "message_id": str(i)},
                }
            }
        ).encode()
        for i in range(count)
    ]
    pending = list(reversed(bodies))
    failed = 0
    async with httpx.AsyncClient(http2=not url.startswith("http://"), verify=cert, timeout=30) as client:

        async def lane() -> None:
            nonlocal failed
            while pending:
                answer = await client.post(endpoint, content=pending.pop(), headers=headers)
                failed += answer.status_code != 200

        # One request first, as a worker's long-lived client has its connection already: the
        # lanes then share that one HTTP/2 connection instead of each racing to open its own.
        (await client.post(endpoint, content=bodies[0], headers=headers)).raise_for_status()
        started = time.monotonic()
        await asyncio.gather(*(lane() for _ in range(FcmSender.CHUNK * FcmSender.LANES)))
        elapsed = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "raw_client": "httpx.AsyncClient(http2=True), same requests, same fake FCM",
        "in_flight": FcmSender.CHUNK * FcmSender.LANES,
        "sent": count,
        "failed": failed,
        "seconds": round(elapsed, 2),
        "raw_msg_per_s": round(count / elapsed),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }


if __name__ == "__main__":
    main()
