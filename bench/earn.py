"""Benchmark of POST /api/v1/pos/earn against a raw-SQL baseline (a report, not a test).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/t_earn_bench .venv/bin/python -m bench.earn
    env -u DATABASE_URL .venv/bin/python -m bench.earn          # SQLite, a fresh file in /tmp

What it does, per engine:

1. Makes an empty database (PostgreSQL: drops and recreates the public schema of the database in
   DATABASE_URL, which must be a throw-away one; SQLite: a new file), migrates it, seeds the demo
   tiers, one earning rule, a store with a till, and enough members that every request uses a
   different member and receipt.
2. Serves ``api.app:app`` with uvicorn in a subprocess (settings in ``uvicorn_command``: one
   worker, uvloop, httptools, no access log from uvicorn; the app still writes its JSON request log
   to a file; the till rate limit is lifted) and drives ``POST /api/v1/pos/earn`` over real HTTP
   with httpx at each concurrency, each request with a fresh member QR code.
3. Runs the raw baseline: the same SQL statements the earn issues (auth lookup, then one
   transaction: code guard, member+tier, first-purchase, lowest tier and rules reads, purchase insert, member lock,
   reference check, entry insert, guarded balance update, lot insert, tier qualification and
   upgrade, purchase answer, event) straight through asyncpg (a pool of the app's size) or sqlite3
   (one connection per thread, BEGIN IMMEDIATE, same pragmas), at the same concurrency.
4. Prints throughput, p50 and p99 for both and the ratio app/raw.

Client, server and database share the machine, so absolute numbers are those of this box.
``BENCH_APP=module:attr`` serves another ASGI target instead of ``api.app:app`` (for experiments).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
APP_POOL_SIZE = 20  # loyalty.db.open_pool's default


@dataclass(frozen=True)
class Result:
    label: str
    clients: int
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- set-up --------------------------------------------------------------------------------


async def prepare_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    import asyncpg

    parsed = urlparse(url)
    try:
        connection = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(urlunparse(parsed._replace(path="/postgres")))
        await admin.execute(f'CREATE DATABASE "{parsed.path.lstrip("/")}"')
        await admin.close()
        connection = await asyncpg.connect(url)
    await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await connection.close()


async def seed(members: int) -> tuple[str, int, list[tuple[int, str, str]]]:
    """Migrate and seed; return the till key, the store id and (id, public_id, secret) per member."""
    import pyotp
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from loyalty import demo, stores
    from loyalty.members import new_public_id
    from loyalty.tables import EarningRule, Member

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(result.message)
    await demo.seed_tiers()
    store = await stores.create_store("BENCH", "Bench store")
    till = await stores.create_terminal("BENCH", "Bench till")
    await EarningRule(name="Milk x2", kind="category", category="milk", multiplier_pct=200).save()
    for start in range(0, members, 500):
        rows = [
            Member(public_id=new_public_id(), name=f"Bench {i}", card_secret=pyotp.random_base32())
            for i in range(start, min(start + 500, members))
        ]
        await Member.insert(*rows)
    found = await Member.select(Member.id, Member.public_id, Member.card_secret).order_by(Member.id)
    return till.key, store.id, [(r["id"], r["public_id"], r["card_secret"]) for r in found]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        os.environ.get("BENCH_APP", "api.app:app"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "development",
        "EMBEDDED_WORKER": "false",
        "TERMINAL_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    log = log_path.open("wb")
    server = subprocess.Popen(uvicorn_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited; see {log_path}")
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("uvicorn did not become healthy in 60 s")


# --- drivers -------------------------------------------------------------------------------


async def run_jobs(label: str, clients: int, jobs: list[Any], one: Callable[[Any], Awaitable[None]]) -> Result:
    latencies: list[float] = []
    pending = list(reversed(jobs))

    async def worker() -> None:
        while pending:
            job = pending.pop()
            started = time.perf_counter()
            await one(job)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Result(label, clients, len(jobs), time.perf_counter() - started, latencies)


async def drive_app(port: int, key: str, clients: int, jobs: list[tuple[tuple[int, str, str], str]]) -> Result:
    import httpx

    from loyalty import cards

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=60
    ) as http:

        async def one(job: tuple[tuple[int, str, str], str]) -> None:
            (_, public_id, secret), receipt = job
            body = {
                "member_code": cards.code_for(public_id, secret, datetime.now(UTC)).code,
                "receipt_no": receipt,
                "amount": 1_250_000,
                "items": [{"sku": "MILK-1L", "category": "milk", "quantity": 2, "amount": 250_000}],
            }
            response = await http.post("/api/v1/pos/earn", json=body)
            if response.status_code != 201:
                raise RuntimeError(f"earn answered {response.status_code}: {response.text}")

        return await run_jobs("app", clients, jobs, one)


def statements(placeholder: Callable[[int], str], *, lock: str) -> dict[str, str]:
    """The earn's SQL, in order, written once for both engines ($n or ?)."""
    p = placeholder
    return {
        "auth": f"SELECT t.id, t.store, s.code FROM terminal t JOIN store s ON s.id = t.store "
        f"WHERE t.key_hash = {p(1)} AND t.revoked_at IS NULL",
        "code_member": f"SELECT id, card_secret, erased_at FROM member WHERE public_id = {p(1)}",
        "code_guard": f"UPDATE member SET last_card_step = {p(1)} WHERE id = {p(2)} AND last_card_step < {p(1)} "
        "RETURNING id",
        "member": "SELECT m.public_id, m.name, m.tier, t.code, t.earn_multiplier_pct FROM member m "
        f"LEFT JOIN tier t ON t.id = m.tier WHERE m.id = {p(1)}",
        "first": f"SELECT EXISTS(SELECT 1 FROM purchase WHERE member = {p(1)})",
        "lowest_tier": "SELECT * FROM tier ORDER BY rank LIMIT 1",
        "rules": f"SELECT * FROM earning_rule WHERE active = {p(1)} AND valid_from <= {p(2)} "
        f"AND (valid_until IS NULL OR valid_until > {p(2)})",
        "purchase": "INSERT INTO purchase (store, receipt_no, member, terminal, channel, amount, refunded_amount, "
        "points_earned, points_reversed, request_hash, answer, created_at) VALUES "
        f"({p(1)}, {p(2)}, {p(3)}, {p(4)}, 'till', {p(5)}, 0, {p(6)}, 0, {p(7)}, '{{}}', {p(8)}) RETURNING id",
        "lock": f"SELECT id, points_balance, ledger_head FROM member WHERE id = {p(1)}{lock}",
        "reference": f"SELECT id, member, delta FROM ledger_entry WHERE reference = {p(1)}",
        "entry": "INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, "
        "store, terminal, created_at, prev_hash, entry_hash) VALUES "
        f"({p(1)}, {p(2)}, 'earn', {p(3)}, {p(2)}, 0, '', {p(4)}, {p(5)}, {p(6)}, '', {p(7)}) RETURNING id",
        "balance": f"UPDATE member SET points_balance = points_balance + {p(1)}, ledger_head = {p(2)}, "
        f"updated_at = {p(3)} WHERE id = {p(4)} AND points_balance = 0 RETURNING points_balance",
        "lot": "INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at) VALUES "
        f"({p(1)}, {p(2)}, {p(3)}, {p(3)}, {p(4)}, {p(5)}) RETURNING id",
        "tiers": "SELECT * FROM tier ORDER BY rank",
        "member_tier": f"SELECT tier FROM member WHERE id = {p(1)}",
        "qualifying": "SELECT COALESCE(SUM(points_earned - points_reversed), 0) AS value FROM purchase "
        f"WHERE member = {p(1)} AND created_at > {p(2)}",
        "upgrade": f"UPDATE member SET tier = {p(1)}, tier_since = {p(2)} WHERE id = {p(3)} AND tier IS NULL "
        "RETURNING id",
        "tier_change": "INSERT INTO tier_change (member, to_tier, reason, created_at) VALUES "
        f"({p(1)}, {p(2)}, 'qualified', {p(3)})",
        "tier_event": f"INSERT INTO domain_event (kind, member, payload, created_at) VALUES ('tier_changed', {p(1)}, "
        f"{p(2)}, {p(3)})",
        "answer": f"UPDATE purchase SET earn_entry = {p(1)}, answer = {p(2)} WHERE id = {p(3)}",
        "event": f"INSERT INTO domain_event (kind, member, payload, created_at) VALUES ('points_earned', {p(1)}, "
        f"{p(2)}, {p(3)})",
    }


def job_params(job: tuple[tuple[int, str, str], str], store_id: int, terminal_id: int, step: int) -> dict[str, Any]:
    (member_id, public_id, _), receipt = job
    now = datetime.now(UTC)
    return {
        "member_id": member_id,
        "public_id": public_id,
        "receipt": receipt,
        "store": store_id,
        "terminal": terminal_id,
        "step": step,
        "now": now,
        "expires": now + timedelta(days=365),
        "since": now - timedelta(days=365),
        "hash": hashlib.sha256(receipt.encode()).hexdigest(),
        "answer": json.dumps({"points_earned": 150, "receipt_no": receipt}),
        "payload": json.dumps({"points": 150}),
    }


async def drive_raw_postgres(
    url: str, key_hash: str, store_id: int, terminal_id: int, clients: int, jobs: list[Any], step: int
) -> Result:
    import asyncpg

    sql = statements(lambda n: f"${n}", lock=" FOR UPDATE")
    pool = await asyncpg.create_pool(url, min_size=1, max_size=APP_POOL_SIZE)

    async def one(job: Any) -> None:
        v = job_params(job, store_id, terminal_id, step)
        m = v["member_id"]
        async with pool.acquire() as c:
            await c.fetchrow(sql["auth"], key_hash)
        async with pool.acquire() as c, c.transaction():
            await c.fetchrow(sql["code_member"], v["public_id"])
            await c.fetchrow(sql["code_guard"], step, m)
            await c.fetchrow(sql["member"], m)
            await c.fetchrow(sql["first"], m)
            tier = await c.fetchrow(sql["lowest_tier"])
            await c.fetch(sql["rules"], True, v["now"])
            pid = await c.fetchval(
                sql["purchase"], store_id, v["receipt"], m, terminal_id, 1_250_000, 150, v["hash"], v["now"]
            )
            await c.fetchrow(sql["lock"], m)
            await c.fetchrow(sql["reference"], f"earn:{store_id}:{v['receipt']}")
            eid = await c.fetchval(
                sql["entry"], m, 150, f"earn:{store_id}:{v['receipt']}", store_id, terminal_id, v["now"], v["hash"]
            )
            await c.fetchrow(sql["balance"], 150, v["hash"], v["now"], m)
            await c.fetchval(sql["lot"], m, eid, 150, v["expires"], v["now"])
            await c.fetch(sql["tiers"])
            await c.fetchrow(sql["member_tier"], m)
            await c.fetchrow(sql["qualifying"], m, v["since"])
            await c.fetchrow(sql["upgrade"], tier["id"], v["now"], m)
            await c.execute(sql["tier_change"], m, tier["id"], v["now"])
            await c.execute(sql["tier_event"], m, v["payload"], v["now"])
            await c.execute(sql["answer"], eid, v["answer"], pid)
            await c.execute(sql["event"], m, v["payload"], v["now"])

    try:
        return await run_jobs("raw", clients, jobs, one)
    finally:
        await pool.close()


async def drive_raw_sqlite(
    path: str, key_hash: str, store_id: int, terminal_id: int, clients: int, jobs: list[Any], step: int
) -> Result:
    sql = statements(lambda _: "?", lock="")
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "c"):
            local.c = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            local.c.execute("PRAGMA synchronous = FULL")
            local.c.execute("PRAGMA foreign_keys = ON")
        c: sqlite3.Connection = local.c
        return c

    def ts(value: datetime) -> str:
        return value.isoformat()

    def blocking(job: Any) -> None:
        v = job_params(job, store_id, terminal_id, step)
        m, now = v["member_id"], ts(v["now"])
        c = connection()
        c.execute(sql["auth"], (key_hash,)).fetchone()
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute(sql["code_member"], (v["public_id"],)).fetchone()
            c.execute(sql["code_guard"], (step, m, step)).fetchone()
            c.execute(sql["member"], (m,)).fetchone()
            c.execute(sql["first"], (m,)).fetchone()
            tier = c.execute(sql["lowest_tier"]).fetchone()
            c.execute(sql["rules"], (1, now, now)).fetchall()
            pid = c.execute(
                sql["purchase"], (store_id, v["receipt"], m, terminal_id, 1_250_000, 150, v["hash"], now)
            ).fetchone()[0]
            c.execute(sql["lock"], (m,)).fetchone()
            reference = f"earn:{store_id}:{v['receipt']}"
            c.execute(sql["reference"], (reference,)).fetchone()
            eid = c.execute(sql["entry"], (m, 150, reference, 150, store_id, terminal_id, now, v["hash"])).fetchone()[0]
            c.execute(sql["balance"], (150, v["hash"], now, m)).fetchone()
            c.execute(sql["lot"], (m, eid, 150, 150, ts(v["expires"]), now)).fetchone()
            c.execute(sql["tiers"]).fetchall()
            c.execute(sql["member_tier"], (m,)).fetchone()
            c.execute(sql["qualifying"], (m, ts(v["since"]))).fetchone()
            c.execute(sql["upgrade"], (tier[0], now, m)).fetchone()
            c.execute(sql["tier_change"], (m, tier[0], now))
            c.execute(sql["tier_event"], (m, v["payload"], now))
            c.execute(sql["answer"], (eid, v["answer"], pid))
            c.execute(sql["event"], (m, v["payload"], now))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    executor = ThreadPoolExecutor(max_workers=clients)
    loop = asyncio.get_running_loop()

    async def one(job: Any) -> None:
        await loop.run_in_executor(executor, blocking, job)

    try:
        return await run_jobs("raw", clients, jobs, one)
    finally:
        executor.shutdown()


# --- main ----------------------------------------------------------------------------------


def table(engine: str, pairs: list[tuple[Result, Result]]) -> str:
    lines = [
        f"engine: {engine}",
        f"{'clients':>7} | {'app req/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'raw req/s':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} | {'app/raw':>7}",
    ]
    for app, raw in pairs:
        lines.append(
            f"{app.clients:>7} | {app.throughput:>9.0f} {app.pct(0.5):>7.1f} {app.pct(0.99):>7.1f} | "
            f"{raw.throughput:>9.0f} {raw.pct(0.5):>7.1f} {raw.pct(0.99):>7.1f} | "
            f"{app.throughput / raw.throughput:>7.2f}"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> str:
    url = os.environ["DATABASE_URL"]
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    levels = [int(c) for c in args.clients.split(",")]
    per = args.requests
    await prepare_database(url)
    key, store_id, members = await seed(per * len(levels) * 2 + args.warmup)
    from loyalty.cards import step_at
    from loyalty.stores import hash_key
    from loyalty.tables import Terminal

    terminal = await Terminal.select(Terminal.id).first()
    assert terminal is not None
    jobs = [(m, f"B{i}") for i, m in enumerate(members)]
    warm, jobs = jobs[: args.warmup], jobs[args.warmup :]
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"bench-earn-{engine}-server.log"
    server = start_server(url, port, log_path)
    pairs: list[tuple[Result, Result]] = []
    try:
        await drive_app(port, key, 8, warm)
        for i, clients in enumerate(levels):
            app_jobs = jobs[2 * i * per : (2 * i + 1) * per]
            raw_jobs = jobs[(2 * i + 1) * per : (2 * i + 2) * per]
            app = await drive_app(port, key, clients, app_jobs)
            step = step_at(datetime.now(UTC)) + 10 + i
            if engine == "sqlite":
                from loyalty.db import sqlite_path

                raw = await drive_raw_sqlite(
                    sqlite_path(url), hash_key(key), store_id, terminal["id"], clients, raw_jobs, step
                )
            else:
                raw = await drive_raw_postgres(url, hash_key(key), store_id, terminal["id"], clients, raw_jobs, step)
            pairs.append((app, raw))
            print(table(engine, pairs[-1:]).splitlines()[-1], file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
    header = (
        f"POST /api/v1/pos/earn, {per} requests per level, distinct members and receipts; "
        f"uvicorn 1 worker (uvloop, httptools); app pool {APP_POOL_SIZE}; {os.cpu_count()} CPUs shared by client, "
        "server and database"
    )
    return header + "\n" + table(engine, pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per concurrency level (each side)")
    parser.add_argument("--clients", default="8,32,64", help="concurrency levels")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--out", default="", help="also write the table to this file")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-earn-')}/bench.sqlite"
    os.environ.setdefault("APP_ENV", "development")
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()
