"""Benchmark: segment preview and a points gift to every member, at scale.

    .venv/bin/python -m bench.campaign --members 1000000                       # SQLite (new file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_campaign \\
        .venv/bin/python -m bench.campaign --members 1000000                   # PostgreSQL (emptied!)

Members (and purchases for one member in ten) are generated set-wise in SQL (generate_series on
PostgreSQL, a recursive CTE on SQLite); then it times the statistics refresh, segment previews
and the fan-out of a one-off 10-point gift to everyone, and prints wall times, the process's
peak RSS and the fan-out's peak Python allocations (tracemalloc, with ``--tracemalloc``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any


def _configure(url: str | None) -> str:
    if not url:
        folder = tempfile.mkdtemp(prefix="bench-campaign-")
        url = f"sqlite:///{folder}/bench.sqlite"
    os.environ["DATABASE_URL"] = url
    return url


async def _prepare(url: str) -> None:
    from tests.support.database import migrate, recreate_postgres_schema

    if url.startswith("postgres"):
        await recreate_postgres_schema(url)
    await migrate()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _generate(n: int, now: datetime) -> None:
    from loyalty.db.engines import is_sqlite
    from loyalty.schema import Member

    if is_sqlite():
        source = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {}) "
        pad = "printf('%07d', g)"
        birthday = "date('1970-01-01', '+' || (g % 15000) || ' days')"
        created = "datetime({}, '-' || (g % 700) || ' days')"
        series = "FROM s"
        cast_now = "{}"
    else:
        source = ""
        pad = "lpad(g::text, 7, '0')"
        birthday = "DATE '1970-01-01' + (g % 15000)"
        created = "CAST({} AS TIMESTAMPTZ) - (g % 700) * INTERVAL '1 day'"
        series = "FROM generate_series(1, {}) AS g"
        cast_now = "CAST({} AS TIMESTAMPTZ)"
    sql = (
        f"{source}INSERT INTO member (public_id, phone, name, email, birthday, gender, locale, address, city, "
        "timezone, "
        "points_balance, card_secret, last_card_step, ledger_head, created_at, updated_at) "
        f"SELECT 'B' || {pad}, '+8490' || {pad}, 'Member ' || g, NULL, {birthday}, "
        "CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END, CASE WHEN g % 5 = 0 THEN 'en' ELSE 'vi' END, '', "
        f"CASE WHEN g % 3 = 0 THEN 'Hà Nội' ELSE 'Hồ Chí Minh' END, 'Asia/Ho_Chi_Minh', 0, 'JBSWY3DPEHPK3PXP', 0, '', "
        f"{created}, {cast_now} {series}"
    )
    args: list[Any] = [n, now, now] if is_sqlite() else [now, now, n]
    await Member.raw(sql, *args)
    store = (
        "INSERT INTO store (code, name, city, address, timezone, active, created_at) "
        "VALUES ('B1', 'Bench', '', '', 'Asia/Ho_Chi_Minh', {}, {})"
    )
    await Member.raw(store, True, now)
    purchase_time = (
        "datetime({}, '-' || (id % 200) || ' days')"
        if is_sqlite()
        else "CAST({} AS TIMESTAMPTZ) - (id % 200) * INTERVAL '1 day'"
    )
    await Member.raw(
        "INSERT INTO purchase (store, receipt_no, member, terminal, channel, amount, refunded_amount, points_earned, "
        "points_reversed, earn_entry, request_hash, answer, created_at) "
        "SELECT (SELECT MIN(id) FROM store), 'R' || id, id, NULL, CASE WHEN id % 20 = 0 THEN 'claim' ELSE 'till' END, "
        f"150000 + (id % 7) * 10000, 0, 15, 0, NULL, '', {{}}, {purchase_time} FROM member WHERE id % 10 = 0",
        "{}",
        now,
    )


async def main(n: int, url: str, trace: bool) -> None:
    from loyalty import campaigns
    from loyalty.campaigns import lanes, segments
    from loyalty.members import statistics
    from loyalty.schema import LedgerEntry, Member, PointLot

    now = datetime.now(UTC)
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"engine: {engine}  members: {n:,}  give batch: {lanes.GIVE_BATCH}", flush=True)
    print(f"database: {url}", flush=True)
    await _prepare(url)
    from loyalty.db.engines import open_pool

    await open_pool(max_size=4)
    t = time.perf_counter()
    await _generate(n, now)
    print(f"generate members (set-wise):        {time.perf_counter() - t:8.2f} s", flush=True)
    t = time.perf_counter()
    await statistics.refresh_all(now=now)
    print(f"refresh statistics (all members):  {time.perf_counter() - t:8.2f} s", flush=True)
    if engine == "postgresql":
        await Member.raw("ANALYZE")
    else:
        await Member.raw("ANALYZE")
    await segments.install_builtins()
    for name in ("new", "regular", "at risk", "birthday this month", "online"):
        definition = segments.BUILTINS[name][1]
        t = time.perf_counter()
        shown = await segments.preview(definition, now=now)
        print(f"preview {name!r:24}       {time.perf_counter() - t:8.3f} s  count {shown.count:,}", flush=True)
    t = time.perf_counter()
    shown = await segments.preview({"and": []}, now=now)
    print(f"preview everyone                   {time.perf_counter() - t:8.3f} s  count {shown.count:,}", flush=True)

    campaign_id = await campaigns.create_campaign(
        {
            "name": "Bench gift",
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 10,
            "title_vi": "Quà cho $name",
            "title_en": "A gift for $name",
            "message_vi": "Tặng bạn $points điểm",
            "message_en": "Here are $points points",
            "schedule": "once",
            "run_at": now - timedelta(minutes=1),
        }
    )
    await campaigns.change_status(campaign_id, "launch")
    rss_before = _rss_mib()
    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    given = 0
    while True:
        done = await campaigns.run_campaign(campaign_id, now=now, max_batches=100_000)
        given += done
        status = await Member.raw("SELECT status FROM campaign WHERE id = {}", campaign_id)
        if status[0]["status"] == "finished" or not done:
            break
    wall = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    print(f"fan-out: points gift to everyone    {wall:8.2f} s  gifts {given:,}  ({given / wall:,.0f}/s)", flush=True)
    print(f"peak RSS before fan-out {rss_before:,.0f} MiB, after {_rss_mib():,.0f} MiB", flush=True)
    if peak is not None:
        print(f"fan-out peak Python allocations (tracemalloc): {peak:,.1f} MiB", flush=True)
    entries = await LedgerEntry.count()
    lots = await PointLot.count()
    total = await Member.raw("SELECT SUM(points_balance) AS s FROM member")
    ok = entries == n and lots == n and int(total[0]["s"]) == 10 * n
    print(f"check: entries {entries:,}, lots {lots:,}, balances {int(total[0]['s']):,}: {'OK' if ok else 'WRONG'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--tracemalloc", action="store_true", help="measure Python allocations (slower)")
    options = parser.parse_args()
    database_url = _configure(os.environ.get("DATABASE_URL"))
    asyncio.run(main(options.members, database_url, options.tracemalloc))
