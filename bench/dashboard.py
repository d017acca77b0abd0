"""Benchmark: the staff dashboard's figures over 1,000,000 members and 10,000,000 ledger entries.

    .venv/bin/python -m bench.dashboard --members 1000000 --entries 10000000            # SQLite (new file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/thanthiet_dash_bench \\
        .venv/bin/python -m bench.dashboard --members 1000000 --entries 10000000        # PostgreSQL (emptied!)

Everything is generated set-wise in SQL (generate_series on PostgreSQL, a recursive CTE on
SQLite): the members (``bench.campaign``'s generator, joined over 700 days), 50 stores, three
tiers, statistics for half the members, the ledger entries spread evenly over the last two years
in time order (earn 60 %, redeem 15 %, expire 10 %, gift 10 %, adjust 5 %; earn and redeem at a
store), and 200,000 vouchers of 20 rewards. Then it times the worker's first fill of the ledger's
daily summary (``reports.refresh``) and a run after it, and each figure of ``loyalty.reports`` and
the whole page through the app (signed in, over ASGI), three times each, for the periods the
staff pick most (30 days by day, 90 days by week, a year by month, 30 days at one store), and
prints seconds per figure and the page's against the 1 s goal.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

GOAL_S = 1.0
SPAN_S = 730 * 86_400
CHUNK = 1_000_000
STORES = 50
ROUNDS = 3


def _configure(url: str | None) -> str:
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-dashboard-')}/bench.sqlite"
    os.environ["DATABASE_URL"] = url
    return url


def _series(sqlite: bool, first: str, last: str) -> tuple[str, str]:
    """(prefix, FROM clause) of a series g = first … last."""
    if sqlite:
        return f"WITH RECURSIVE s(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM s WHERE g < {last}) ", "FROM s"
    return "", f"FROM generate_series(CAST({first} AS BIGINT), {last}) AS g"


def _moment(sqlite: bool, seconds_ago: str) -> str:
    """A timestamp ``seconds_ago`` before the epoch second bound at $1, stored as Piccolo stores one."""
    if sqlite:
        return f"strftime('%Y-%m-%d %H:%M:%S', $1 - ({seconds_ago}), 'unixepoch') || '+00:00'"
    return f"to_timestamp($1 - ({seconds_ago}))"


async def _seed(members: int, entries: int, now: datetime) -> None:
    from bench.campaign import _generate
    from loyalty import db
    from loyalty.db import is_sqlite

    sqlite = is_sqlite()
    epoch = int(now.timestamp())
    t = time.perf_counter()
    await _generate(members, now)
    print(f"seed {members:,} members (set-wise):       {time.perf_counter() - t:8.1f} s", flush=True)
    t = time.perf_counter()
    prefix, source = _series(sqlite, "2", str(STORES))
    await db.execute(
        f"{prefix}INSERT INTO store (code, name, city, address, timezone, active, created_at)"
        f" SELECT 'S' || g, 'Cửa hàng ' || g, '', '', 'Asia/Ho_Chi_Minh', $2, {_moment(sqlite, '0')} {source}",
        epoch,
        True,
    )
    await db.execute(
        "INSERT INTO tier (code, name_vi, name_en, rank, metric, threshold, earn_multiplier_pct, benefits_vi,"
        " benefits_en) VALUES ('member', 'Thành viên', 'Member', 1, 'points', 0, 100, '', ''),"
        " ('silver', 'Bạc', 'Silver', 2, 'points', 500, 110, '', ''),"
        " ('gold', 'Vàng', 'Gold', 3, 'points', 2000, 125, '', '')"
    )
    await db.execute(
        "UPDATE member SET points_balance = id % 1000, tier = (SELECT MIN(id) FROM tier) + id % 3 WHERE id % 10 <> 0"
    )
    await db.execute(
        "INSERT INTO member_stats (member, first_purchase_at, last_purchase_at, visits_90d, spend_90d, visits_12m,"
        " spend_12m, visits_total, spend_total, avg_basket, channel, days_since_last_visit, recency_score,"
        f" frequency_score, monetary_score, refreshed_at) SELECT id, {_moment(sqlite, '(id % 400) * 86400')},"
        f" {_moment(sqlite, '(id % 200) * 86400')}, 1, 150000, 2, 300000, 3, 450000, 150000, 'till', id % 200,"
        f" 3, 3, 3, {_moment(sqlite, '0')} FROM member WHERE id % 2 = 0",
        epoch,
    )
    print(f"seed stores, tiers, balances, statistics: {time.perf_counter() - t:8.1f} s", flush=True)
    first_member = await db.fetchrow("SELECT MIN(id) AS m FROM member")
    first_store = await db.fetchrow("SELECT MIN(id) AS s FROM store")
    assert first_member is not None and first_store is not None
    base_m, base_s = int(first_member["m"]), int(first_store["s"])
    t = time.perf_counter()
    for start in range(1, entries + 1, CHUNK):
        end = min(start + CHUNK - 1, entries)
        prefix, source = _series(sqlite, str(start), str(end))
        kind = (
            "CASE WHEN g % 20 < 12 THEN 'earn' WHEN g % 20 < 15 THEN 'redeem' WHEN g % 20 < 17 THEN 'expire'"
            " WHEN g % 20 < 19 THEN 'gift' ELSE 'adjust' END"
        )
        delta = (
            "CASE WHEN g % 20 < 12 THEN 10 + g % 50 WHEN g % 20 < 15 THEN -10 - g % 40 WHEN g % 20 < 17"
            " THEN -1 - g % 30 WHEN g % 20 < 19 THEN 20 WHEN g % 2 = 0 THEN 5 ELSE -5 END"
        )
        store = f"CASE WHEN g % 20 < 15 THEN {base_s} + g % {STORES} ELSE NULL END"
        await db.execute(
            f"{prefix}INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description,"
            " store, terminal, staff, created_at, prev_hash, entry_hash)"
            f" SELECT {base_m} + g % {members}, {delta}, {kind}, 'bench:' || g, 0, 0, '', {store}, NULL, NULL,"
            f" {_moment(sqlite, f'({entries} - g) * {SPAN_S} / {entries}')}, '', '' {source}",
            epoch,
        )
        print(f"  ledger entries {end:>12,}              {time.perf_counter() - t:8.1f} s", flush=True)
    t = time.perf_counter()
    prefix, source = _series(sqlite, "1", "20")
    await db.execute(
        f"{prefix}INSERT INTO reward (name_vi, name_en, description_vi, description_en, points_cost, stock_left,"
        " per_member_limit, valid_from, valid_until, min_tier, store, image, voucher_valid_days, active, created_at)"
        f" SELECT 'Quà ' || g, 'Reward ' || g, '', '', 100 * g, NULL, NULL, {_moment(sqlite, str(SPAN_S))}, NULL,"
        f" NULL, NULL, '', 30, $2, {_moment(sqlite, str(SPAN_S))} {source}",
        epoch,
        True,
    )
    first_reward = await db.fetchrow("SELECT MIN(id) AS r FROM reward")
    assert first_reward is not None
    prefix, source = _series(sqlite, "1", "200000")
    await db.execute(
        f"{prefix}INSERT INTO voucher (code, member, reward, reference, status, source, points_paid, spend_entry,"
        " issued_at, valid_until, redeemed_at, redeemed_store, redeemed_terminal, receipt_no, cancelled_reason,"
        f" reminded_at) SELECT 'V' || g, {base_m} + (g * 7) % {members}, {int(first_reward['r'])} + (g * g) % 20,"
        " 'bench-voucher:' || g, CASE WHEN g % 3 = 0 THEN 'redeemed' ELSE 'issued' END, 'redemption',"
        f" 100 * (1 + (g * g) % 20), NULL, {_moment(sqlite, f'(200000 - g) * {SPAN_S} / 200000')},"
        f" {_moment(sqlite, '-86400 * 30')}, NULL, NULL, NULL, NULL, '', NULL {source}",
        epoch,
    )
    await db.execute("ANALYZE")
    print(f"seed 20 rewards, 200,000 vouchers, ANALYZE: {time.perf_counter() - t:8.1f} s", flush=True)


async def _timed(label: str, run: Any) -> float:
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        await run()
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    flag = "" if median <= GOAL_S else "  OVER 1 s"
    print(f"  {label:34} median {median:7.3f} s  (runs {', '.join(f'{x:.3f}' for x in times)}){flag}", flush=True)
    return median


async def main(members: int, entries: int, url: str, skip_seed: bool) -> None:
    import httpx
    from piccolo.apps.user.tables import BaseUser
    from piccolo_api.session_auth.tables import SessionsBase

    from api.app import create_app
    from loyalty import reports
    from loyalty.db.engines import open_pool
    from loyalty.reports.activity import complaint_figures, live_campaigns, top_rewards
    from loyalty.reports.ledger import ledger_figures
    from loyalty.reports.members import member_figures
    from loyalty.schema import LedgerEntry, Member, Store
    from tests.support.database import migrate, recreate_postgres_schema

    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    now = datetime.now(UTC)
    print(f"engine: {engine}  members: {members:,}  ledger entries: {entries:,}  goal: {GOAL_S} s", flush=True)
    if not skip_seed and engine == "postgresql":
        await recreate_postgres_schema(url)
    await migrate()
    await open_pool(max_size=4)
    if not skip_seed:
        await _seed(members, entries, now)
    t = time.perf_counter()
    written = await reports.refresh_summary(now)
    print(f"worker reports.refresh, first fill:        {time.perf_counter() - t:8.1f} s  ({written:,} day rows)")
    t = time.perf_counter()
    written = await reports.refresh_summary(now)
    print(f"worker reports.refresh, next run:          {time.perf_counter() - t:8.2f} s  ({written:,} day rows)")
    print(f"rows: members {await Member.count():,}, ledger entries {await LedgerEntry.count():,}", flush=True)
    username = f"bench{int(time.time())}"  # a new one each run: --skip-seed keeps the last
    user = await BaseUser.create_user(
        username=username, password="bench-bench-1", email=f"{username}@bench.invalid", admin=True, active=True
    )
    session = await SessionsBase.create_session(user_id=user.id)
    q1 = await Store.select(Store.code).order_by(Store.id).first()
    today = reports.local_today(now)
    day, week, month = reports.Grain.DAY, reports.Grain.WEEK, reports.Grain.MONTH
    store_id = (await reports.store_choices())[0].store_id
    scenarios = [
        ("30 days by day", reports.last_days(today, 30, day), "preset=30d&grain=day"),
        ("90 days by week", reports.last_days(today, 90, week), "preset=90d&grain=week"),
        ("365 days by month", reports.last_days(today, 365, month), ""),
        ("30 days by day, one store", reports.last_days(today, 30, day, store_id), ""),
    ]
    scenarios[2] = (
        scenarios[2][0],
        scenarios[2][1],
        f"preset=custom&from={today - timedelta(days=364)}&to={today}&grain=month",
    )
    scenarios[3] = (scenarios[3][0], scenarios[3][1], f"preset=30d&grain=day&store={q1['code'] if q1 else ''}")
    app = create_app()
    for name in ("api.access", "httpx"):  # a line per request would drown the figures
        logging.getLogger(name).setLevel(logging.WARNING)
    transport = httpx.ASGITransport(app=cast(Any, app), client=("127.0.0.1", 4300))
    worst = 0.0
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        http.cookies.set("id", session.token)
        for name, period, query in scenarios:
            print(f"{name}:", flush=True)
            await _timed("ledger (points per bucket, store)", lambda p=period: ledger_figures(p))
            await _timed("members (totals, active, tiers)", lambda p=period: member_figures(p, now))
            await _timed("top rewards", lambda p=period: top_rewards(p))
            await _timed("live campaigns", live_campaigns)
            await _timed("complaints", lambda p=period: complaint_figures(p))
            await _timed("all figures (reports.dashboard)", lambda p=period: reports.dashboard(p, now))

            async def page(q: str = query) -> None:
                answer = await http.get(f"/staff/dashboard?{q}")
                assert answer.status_code == 200, answer.text[:300]

            worst = max(worst, await _timed("the whole page (GET over ASGI)", page))
    verdict = "within" if worst <= GOAL_S else "OVER"
    print(f"slowest page: {worst:.3f} s, {verdict} the {GOAL_S} s goal", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--skip-seed", action="store_true", help="time an already seeded database again")
    options = parser.parse_args()
    database_url = _configure(os.environ.get("DATABASE_URL"))
    asyncio.run(main(options.members, options.entries, database_url, options.skip_seed))
