"""The member app's reads after a campaign push, against a bare Litestar anchor (a report).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_reads .venv/bin/python -m bench.reads
    env -u DATABASE_URL .venv/bin/python -m bench.reads          # SQLite, a fresh file in /tmp

What it does, per engine:

1. Makes an empty database (PostgreSQL: the public schema of DATABASE_URL is dropped, give it a
   throw-away one), migrates it, seeds the demo tiers, ``--members`` signed-up members (Firebase
   uid and phone set, as after their first sign-in), ``--inbox`` inbox messages each (the campaign
   push just landed) and ``--rewards`` rewards.
2. Captures the SQL the app runs for ``GET /api/v1/me``, ``/api/v1/me/notifications`` and
   ``/api/v1/rewards`` (``bench/reads_capture.py``: the app in this process, the drivers' query
   methods wrapped).
3. Serves ``api.app:app`` and the anchor ``bench.reads_anchor:app`` (a bare Litestar app that
   replays those statements for the caller of the token) with the same uvicorn settings as
   bench/earn.py (one worker, uvloop, httptools, no access log), side by side.
4. Per route, a herd of ``--clients`` (200) keep-alive HTTP/1.1 connections (the raw asyncio
   client of bench/earn.py, cheap beside the servers) sends ``--requests`` GETs, each with a
   member's emulator ID token (``FIREBASE_AUTH_EMULATOR_HOST``: firebase_admin checks it, as in
   development); app first, then the anchor, route by route.
5. Prints req/s, p50 and p99 of both, and the ratio app/anchor; and the load average, since other
   work shares the two CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.earn import ROOT, Result, cpu_seconds, free_port, prepare_database, run_jobs, uvicorn_command

PROJECT = "demo-thanthiet-bench"
ROUTES = ["/api/v1/me", "/api/v1/me/notifications", "/api/v1/rewards"]


def phone_of(i: int) -> str:
    return f"+8490{i:07d}"


async def seed(members: int, inbox: int, rewards: int) -> list[tuple[int, str, str]]:
    """Migrate and seed; (member id, uid, phone) per member."""
    import pyotp

    from loyalty.members.accounts import new_public_id
    from loyalty.schema import Member, Reward
    from loyalty.setup import demo
    from loyalty.setup.dev_tokens import uid_for_phone
    from notifications.tables import InboxMessage
    from tests.support.database import migrate

    await migrate()
    await demo.seed_tiers()
    for start in range(0, members, 500):
        rows = [
            Member(
                public_id=new_public_id(),
                name=f"Bench {i}",
                phone=phone_of(i),
                firebase_uid=uid_for_phone(phone_of(i)),
                card_secret=pyotp.random_base32(),
                points_balance=5_000,
            )
            for i in range(start, min(start + 500, members))
        ]
        await Member.insert(*rows)
    await Reward.insert(
        *(
            Reward(name_vi=f"Quà {i}", name_en=f"Gift {i}", description_vi="Một phần quà", points_cost=500 + i * 100)
            for i in range(rewards)
        )
    )
    found = await Member.select(Member.id, Member.firebase_uid, Member.phone).order_by(Member.id)
    callers = [(r["id"], r["firebase_uid"], r["phone"]) for r in found]
    for start in range(0, len(callers), 200):
        await InboxMessage.insert(
            *(
                InboxMessage(
                    member=member_id,
                    kind="campaign_gift",
                    category="gift",
                    purpose="marketing",
                    locale="vi",
                    title=f"Quà tặng {n}",
                    body="Bạn nhận được 100 điểm từ chương trình Tết",
                    data={"campaign": n},
                )
                for member_id, _, _ in callers[start : start + 200]
                for n in range(inbox)
            )
        )
    return callers


def tokens(callers: list[tuple[int, str, str]]) -> dict[str, dict[str, Any]]:
    from loyalty.setup.dev_tokens import mint

    return {
        mint(PROJECT, phone=phone, lifetime_s=3 * 3600): {"member_id": member_id, "uid": uid, "phone": phone}
        for member_id, uid, phone in callers
    }


def start(target: str, port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    import httpx

    log = log_path.open("wb")
    server = subprocess.Popen(
        uvicorn_command(port, target), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"{target} exited; see {log_path}")
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"{target} did not become healthy in 60 s")


async def herd(label: str, port: int, route: str, clients: int, bearer: list[str], count: int) -> Result:
    """``clients`` keep-alive connections; request i carries the i-th token (round robin)."""
    head = f"GET {route} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer "
    requests = [f"{head}{bearer[i % len(bearer)]}\r\n\r\n".encode() for i in range(count)]
    connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(clients):
        connections.put_nowait(await asyncio.open_connection("127.0.0.1", port))

    async def one(request: bytes) -> None:
        reader, writer = await connections.get()
        writer.write(request)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        answer = await reader.readexactly(length)
        connections.put_nowait((reader, writer))
        if status != 200:
            raise RuntimeError(f"{label} {route} answered {status}: {answer[:300].decode(errors='replace')}")

    try:
        return await run_jobs(label, clients, requests, one)
    finally:
        while not connections.empty():
            connections.get_nowait()[1].close()


def table(rows: list[tuple[str, Result, Result]]) -> list[str]:
    lines = [
        f"{'route':<26} | {'app req/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'bare req/s':>10} {'p50 ms':>7} "
        f"{'p99 ms':>7} | {'app/bare':>8}"
    ]
    for route, app, bare in rows:
        lines.append(
            f"{route:<26} | {app.throughput:>9.0f} {app.pct(0.5):>7.1f} {app.pct(0.99):>7.1f} | "
            f"{bare.throughput:>10.0f} {bare.pct(0.5):>7.1f} {bare.pct(0.99):>7.1f} | "
            f"{app.throughput / bare.throughput:>8.2f}"
        )
    return lines


async def main_async(args: argparse.Namespace) -> str:
    from bench.reads_capture import Caller, capture

    url = os.environ["DATABASE_URL"]
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    await prepare_database(url)
    callers = await seed(args.members, args.inbox, args.rewards)
    minted = tokens(callers)
    bearer = list(minted)
    last = callers[-1]  # the largest id: no page size or limit equals it by chance
    script = await capture(ROUTES, bearer[-1], Caller(*last))
    folder = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    (folder / "script.json").write_text(json.dumps(script))
    (folder / "tokens.json").write_text(json.dumps(minted))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "EMBEDDED_WORKER": "false",
        "MEMBER_RATE_LIMIT_PER_MINUTE": "100000000",
        "BENCH_READS_SCRIPT": str(folder / "script.json"),
        "BENCH_READS_TOKENS": str(folder / "tokens.json"),
    }
    app_port, bare_port = free_port(), free_port()
    app_server = start("api.app:app", app_port, env, folder / "app.log")
    bare_server = start("bench.reads_anchor:app", bare_port, env, folder / "anchor.log")
    load_before = os.getloadavg()
    rows: list[tuple[str, Result, Result]] = []
    cpu: list[tuple[float, float]] = []
    try:
        for route in ROUTES:
            await herd("app", app_port, route, args.clients, bearer, min(len(bearer), 400))  # warm-up
            await herd("bare", bare_port, route, args.clients, bearer, min(len(bearer), 400))
            before = cpu_seconds(app_server.pid)
            app = await herd("app", app_port, route, args.clients, bearer, args.requests)
            middle = cpu_seconds(bare_server.pid)
            bare = await herd("bare", bare_port, route, args.clients, bearer, args.requests)
            cpu.append(
                (
                    (cpu_seconds(app_server.pid) - before) / args.requests * 1000,
                    (cpu_seconds(bare_server.pid) - middle) / args.requests * 1000,
                )
            )
            rows.append((route, app, bare))
            print(table(rows[-1:])[-1], file=sys.stderr)
    finally:
        for server in (app_server, bare_server):
            server.terminate()
            server.wait(timeout=30)
    statements = ", ".join(f"{route} {len(script[route])}" for route in ROUTES)
    load = "load average (1/5/15 min): {:.2f} {:.2f} {:.2f} at start, ".format(*load_before)
    load += "{:.2f} {:.2f} {:.2f} at end".format(*os.getloadavg())
    return "\n".join(
        [
            f"bench.reads — engine {engine}; {args.members} members, {args.inbox} inbox messages each, "
            f"{args.rewards} rewards; {args.clients} clients, {args.requests} requests per route and side; "
            f"uvicorn 1 worker (uvloop, httptools) for both; {os.cpu_count()} CPUs shared by client, servers "
            "and database",
            f"statements per request (captured from the app, replayed by the bare app): {statements}",
            load,
            "server CPU per request (ms, user + system), app / bare: "
            + ", ".join(f"{route} {a:.2f} / {b:.2f}" for route, (a, b) in zip(ROUTES, cpu, strict=False)),
            *table(rows),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--inbox", type=int, default=10, help="inbox messages per member")
    parser.add_argument("--rewards", type=int, default=30)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=4000, help="requests per route and side")
    parser.add_argument("--out", default="", help="also write the report to this file")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-reads-')}/bench.sqlite"
    os.environ["APP_ENV"] = "development"
    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099"  # emulator tokens, as in development
    os.environ["FIREBASE_PROJECT_ID"] = PROJECT
    os.environ["EMBEDDED_WORKER"] = "false"
    os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()
