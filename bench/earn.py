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
   to a file; the till rate limit is lifted) and drives ``POST /api/v1/pos/earn`` over real HTTP,
   keep-alive HTTP/1.1 connections at each concurrency (a raw asyncio client: it shares the
   CPUs with the server, so it must be cheap), each request with a fresh member QR code.
3. Runs the raw baseline: the same SQL statements the earn issues (``statements()``: the app's
   own statement texts imported from earning.cards / earning.purchases / tiers / points.fast_credit
   / events / members.statistics; the till key lookup is cached by the app for 5 s, so it is not
   per earn): one transaction with the member of the code, the guarded use of the step (which locks the
   member), tier ladder, purchase history, rules, credit (entry + lot + guarded balance: one
   statement on PostgreSQL, three on SQLite), tier upgrade + tier change + its event, purchase
   with its answer, the member's statistics row, points event; straight through asyncpg (a pool
   of the app's size) or sqlite3 (one connection per thread, BEGIN IMMEDIATE, same pragmas), at
   the same concurrency.
4. On PostgreSQL, runs ``pgbench``'s TPC-B at the same client count (``pgbench -i`` on a throw-away
   database next to the bench one, scale 10, then ``-c N -j 2 -T S -M prepared``), the anchor of issue 17.
5. Prints throughput, p50 and p99 for both, the ratio app/raw, p99 app/raw and (PostgreSQL) the
   ratio app/pgbench tps. The load average is printed with the table: other work shares the CPUs.

Client, server and database share the machine, so absolute numbers are those of this box.
``BENCH_APP=module:attr`` serves another ASGI target instead of ``api.app:app`` (for experiments).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
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

ROOT = Path(__file__).resolve().parent.parent
APP_POOL_SIZE = 20  # loyalty.db.open_pool's default
RAW_STATEMENTS = {"postgresql": 12, "sqlite": 14}  # drive_raw_postgres, drive_raw_sqlite (BEGIN/COMMIT aside)


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
    from tests.support.database import recreate_postgres_schema

    if not url.startswith("sqlite"):
        await recreate_postgres_schema(url)


async def seed(members: int) -> tuple[str, int, list[tuple[int, str, str]]]:
    """Migrate and seed; return the till key, the store id and (id, public_id, secret) per member."""
    import pyotp

    from loyalty.members import stores
    from loyalty.members.accounts import new_public_id
    from loyalty.schema import EarningRule, Member
    from loyalty.setup import demo
    from tests.support.database import migrate

    await migrate()
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


def uvicorn_command(port: int, target: str = "") -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target or os.environ.get("BENCH_APP", "api.app:app"),
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def earn_bodies(jobs: list[tuple[tuple[int, str, str], str]]) -> list[bytes]:
    """Request bodies with fresh member codes (valid 30-90 s), made before a level starts so the
    client spends its share of the two cores on HTTP, not on TOTP."""
    from loyalty.earning import cards

    now = datetime.now(UTC)
    return [
        json.dumps(
            {
                "member_code": cards.code_for(public_id, secret, now).code,
                "receipt_no": receipt,
                "amount": 1_250_000,
                "items": [{"sku": "MILK-1L", "category": "milk", "quantity": 2, "amount": 250_000}],
            }
        ).encode()
        for (_, public_id, secret), receipt in jobs
    ]


async def drive_app(port: int, key: str, clients: int, jobs: list[tuple[tuple[int, str, str], str]]) -> Result:
    """``clients`` keep-alive HTTP/1.1 connections written to directly with asyncio streams: a
    load generator far cheaper than an HTTP client library (it shares the CPUs with the server)."""
    head = (
        f"POST /api/v1/pos/earn HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(clients):
        connections.put_nowait(await asyncio.open_connection("127.0.0.1", port))

    async def one(body: bytes) -> None:
        reader, writer = await connections.get()
        writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        answer = await reader.readexactly(length)
        connections.put_nowait((reader, writer))
        if status != 201:
            raise RuntimeError(f"earn answered {status}: {answer.decode(errors='replace')}")

    try:
        return await run_jobs("app", clients, earn_bodies(jobs), one)
    finally:
        while not connections.empty():
            connections.get_nowait()[1].close()


def statements(sqlite: bool) -> dict[str, str]:
    """The earn's SQL: the app's own statement texts, imported from the modules that run them
    (``$n`` for asyncpg, SQLite's ``?n``). The till key lookup is not among them: the app caches
    it for 5 s, so it is not a per-earn statement."""
    from loyalty import events
    from loyalty.db.sql import for_sqlite
    from loyalty.earning import cards, purchases
    from loyalty.members import statistics
    from loyalty.points import fast_credit
    from loyalty.tiers import upgrades as tiers

    sql = {
        "code_member": cards.CODE_MEMBER_SQL,
        "code_use": cards.USE_STEP_SQL,
        "ladder": tiers.LADDER_SQL,
        "history": tiers.HISTORY_SQL,
        "rules": purchases.RULES_SQL,
        "credit": fast_credit.CREDIT_SQL_PG,
        "entry": fast_credit.CREDIT_SQL_SQLITE[0],
        "balance": fast_credit.CREDIT_SQL_SQLITE[1],
        "lot": fast_credit.CREDIT_SQL_SQLITE[2],
        "upgrade": tiers.MOVE_SQL,
        "tier_change": tiers.CHANGE_SQL,
        "event": events.EMIT_SQL,
        "purchase": purchases.PURCHASE_SQL,
        "stats": statistics.EARN_SQL,
    }
    return {k: for_sqlite(v) for k, v in sql.items()} if sqlite else sql


def job_params(job: tuple[tuple[int, str, str], str], store_id: int, terminal_id: int, step: int) -> dict[str, Any]:
    (member_id, public_id, _), receipt = job
    now = datetime.now(UTC)
    return {
        "member_id": member_id,
        "public_id": public_id,
        "receipt": receipt,
        "reference": f"earn:{store_id}:{receipt}",
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


def entry_args(v: dict[str, Any]) -> tuple[Any, ...]:
    m = v["member_id"]
    return (m, 150, "earn", v["reference"], 150, "receipt", v["store"], v["terminal"], None, v["now"], "", v["hash"])


async def drive_raw_postgres(
    url: str, key_hash: str, store_id: int, terminal_id: int, clients: int, jobs: list[Any], step: int
) -> Result:
    import asyncpg

    sql = statements(sqlite=False)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=APP_POOL_SIZE)

    async def one(job: Any) -> None:
        v = job_params(job, store_id, terminal_id, step)
        m, now = v["member_id"], v["now"]
        async with pool.acquire() as c, c.transaction():
            await c.fetchrow(sql["code_member"], v["public_id"])
            await c.fetchrow(sql["code_use"], m, step)
            tiers = await c.fetch(sql["ladder"])
            await c.fetchrow(sql["history"], m, v["since"])
            await c.fetch(sql["rules"], True, now)
            row = await c.fetchrow(sql["credit"], *entry_args(v), v["expires"], 0)
            await c.fetch(sql["upgrade"], tiers[0]["id"], now, m)
            await c.execute(sql["tier_change"], m, None, tiers[0]["id"], "qualified", now)
            await c.execute(sql["event"], "tier_changed", m, v["payload"], now)
            await c.fetchrow(
                sql["purchase"], store_id, v["receipt"], m, terminal_id, "till", 1_250_000, 150, row["entry"],
                v["hash"], v["answer"], now,
            )  # fmt: skip
            await c.execute(sql["stats"], m, now, 1_250_000, "till")
            await c.execute(sql["event"], "points_earned", m, v["payload"], now)

    try:
        return await run_jobs("raw", clients, jobs, one)
    finally:
        await pool.close()


async def drive_raw_sqlite(
    path: str, key_hash: str, store_id: int, terminal_id: int, clients: int, jobs: list[Any], step: int
) -> Result:
    sql = statements(sqlite=True)
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
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute(sql["code_member"], (v["public_id"],)).fetchone()
            c.execute(sql["code_use"], (m, step)).fetchone()
            tiers = c.execute(sql["ladder"]).fetchall()
            c.execute(sql["history"], (m, ts(v["since"]))).fetchone()
            c.execute(sql["rules"], (1, now)).fetchall()
            args = list(entry_args(v))
            args[9] = now
            eid = c.execute(sql["entry"], args).fetchone()[0]
            c.execute(sql["balance"], (m, 150, v["hash"], now, 0)).fetchone()
            c.execute(sql["lot"], (m, eid, 150, ts(v["expires"]), now)).fetchall()
            c.execute(sql["upgrade"], (tiers[0][0], now, m)).fetchall()
            c.execute(sql["tier_change"], (m, None, tiers[0][0], "qualified", now))
            c.execute(sql["event"], ("tier_changed", m, v["payload"], now))
            c.execute(
                sql["purchase"],
                (store_id, v["receipt"], m, terminal_id, "till", 1_250_000, 150, eid, v["hash"], v["answer"], now),
            ).fetchone()
            c.execute(sql["stats"], (m, now, 1_250_000, "till"))
            c.execute(sql["event"], ("points_earned", m, v["payload"], now))
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


# --- pgbench, the anchor of PostgreSQL's speed on this box ---------------------------------------


@dataclass(frozen=True)
class PgUrl:
    host: str
    port: str
    user: str
    database: str
    password: str

    @classmethod
    def parse(cls, url: str) -> PgUrl:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        return cls(
            parts.hostname or "127.0.0.1",
            str(parts.port or 5432),
            unquote(parts.username or "postgres"),
            parts.path.lstrip("/"),
            unquote(parts.password or ""),
        )

    def args(self, database: str) -> list[str]:
        return ["-h", self.host, "-p", self.port, "-U", self.user, database]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password} if self.password else dict(os.environ)


async def pgbench_init(url: str) -> str:
    """A throw-away database beside the bench one, initialised by ``pgbench -i -s 10``."""
    import asyncpg

    pg = PgUrl.parse(url)
    name = f"{pg.database}_pgbench"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    command = ["pgbench", "-i", "-q", "-s", "10", *pg.args(name)]
    await asyncio.to_thread(subprocess.run, command, env=pg.env(), check=True, capture_output=True)
    return name


def pgbench_tps(url: str, database: str, clients: int, seconds: int) -> float:
    """TPC-B tps at ``clients`` connections (prepared statements, no vacuum between runs)."""
    pg = PgUrl.parse(url)
    command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-M", "prepared"]
    done = subprocess.run([*command, *pg.args(database)], env=pg.env(), check=True, capture_output=True, text=True)
    found = re.search(r"tps = ([0-9.]+)", done.stdout)
    if found is None:
        raise RuntimeError(f"pgbench printed no tps: {done.stdout}{done.stderr}")
    return float(found.group(1))


async def pgbench_drop(url: str, database: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
    finally:
        await admin.close()


# --- main ----------------------------------------------------------------------------------


def table(engine: str, pairs: list[tuple[Result, Result, float | None]]) -> str:
    lines = [
        f"engine: {engine}",
        f"{'clients':>7} | {'app req/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'raw req/s':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} | {'app/raw':>7} {'p99 a/r':>7} | {'pgbench':>7} {'app/pgb':>7}",
    ]
    for app, raw, tps in pairs:
        anchor = f"{tps:>7.0f} {app.throughput / tps:>7.2f}" if tps else f"{'-':>7} {'-':>7}"
        lines.append(
            f"{app.clients:>7} | {app.throughput:>9.0f} {app.pct(0.5):>7.1f} {app.pct(0.99):>7.1f} | "
            f"{raw.throughput:>9.0f} {raw.pct(0.5):>7.1f} {raw.pct(0.99):>7.1f} | "
            f"{app.throughput / raw.throughput:>7.2f} {app.pct(0.99) / raw.pct(0.99):>7.2f} | {anchor}"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> str:
    url = os.environ["DATABASE_URL"]
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    levels = [int(c) for c in args.clients.split(",")]
    per = args.requests
    await prepare_database(url)
    key, store_id, members = await seed(per * len(levels) * 2 + args.warmup)
    from loyalty.earning.cards import step_at
    from loyalty.members.stores import hash_key
    from loyalty.schema import Terminal

    terminal = await Terminal.select(Terminal.id).first()
    assert terminal is not None
    jobs = [(m, f"B{i}") for i, m in enumerate(members)]
    warm, jobs = jobs[: args.warmup], jobs[args.warmup :]
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"bench-earn-{engine}-server.log"
    server = start_server(url, port, log_path)
    pairs: list[tuple[Result, Result, float | None]] = []
    cpu_per_earn: list[float] = []
    load_before = os.getloadavg()
    pgbench_db = await pgbench_init(url) if engine == "postgresql" and not args.no_pgbench else ""
    try:
        await drive_app(port, key, 8, warm)
        for i, clients in enumerate(levels):
            app_jobs = jobs[2 * i * per : (2 * i + 1) * per]
            raw_jobs = jobs[(2 * i + 1) * per : (2 * i + 2) * per]
            cpu_before = cpu_seconds(server.pid)
            app = await drive_app(port, key, clients, app_jobs)
            cpu_per_earn.append((cpu_seconds(server.pid) - cpu_before) / len(app_jobs) * 1000)
            step = step_at(datetime.now(UTC)) + 10 + i
            if engine == "sqlite":
                from loyalty.db.engines import sqlite_path

                raw = await drive_raw_sqlite(
                    sqlite_path(url), hash_key(key), store_id, terminal["id"], clients, raw_jobs, step
                )
            else:
                raw = await drive_raw_postgres(url, hash_key(key), store_id, terminal["id"], clients, raw_jobs, step)
            tps = pgbench_tps(url, pgbench_db, clients, args.pgbench_seconds) if pgbench_db else None
            pairs.append((app, raw, tps))
            print(table(engine, pairs[-1:]).splitlines()[-1], file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if pgbench_db:
            await pgbench_drop(url, pgbench_db)
    header = (
        f"POST /api/v1/pos/earn, {per} requests per level, distinct members and receipts; "
        f"uvicorn 1 worker (uvloop, httptools); app pool {APP_POOL_SIZE}; {os.cpu_count()} CPUs shared by client, "
        "server and database"
    )
    anchor = (
        f"pgbench: TPC-B scale 10, -c <clients> -j 2 -T {args.pgbench_seconds} -M prepared, same server, same run"
        if pgbench_db
        else "pgbench: not run"
    )
    load = f"load average (1/5/15 min): {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} at start, "
    load += "{:.2f} {:.2f} {:.2f} at end".format(*os.getloadavg())
    cpu = "app server CPU per earn (ms, user + system): " + " / ".join(f"{c:.2f}" for c in cpu_per_earn)
    cpu += f" at {args.clients} clients; the raw side runs {RAW_STATEMENTS[engine]} statements per earn"
    return "\n".join([header, anchor, load, cpu, table(engine, pairs)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per concurrency level (each side)")
    parser.add_argument("--clients", default="8,32,64", help="concurrency levels")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--out", default="", help="also write the table to this file")
    parser.add_argument("--pgbench-seconds", type=int, default=5, help="length of each pgbench run")
    parser.add_argument("--no-pgbench", action="store_true", help="skip the pgbench anchor (PostgreSQL)")
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
