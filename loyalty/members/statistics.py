"""Member statistics: one ``MemberStats`` row per member, rebuilt set-wise in SQL.

Rules:

* Everything is computed by ``INSERT … SELECT … ON CONFLICT (member) DO UPDATE`` over a range of
  member ids (portable to SQLite ≥ 3.24 and PostgreSQL); no member is ever loaded into Python.
* A *visit* is a receipt (``Purchase``) not fully refunded; *spend* is ``amount − refunded_amount``
  in đồng. Windows: the last 90 days and the last 365 days ("12 months") before ``now``.
* ``avg_basket`` = spend over 12 months ÷ visits over 12 months (integer đồng, 0 without visits).
* ``channel``: ``till`` (only scanned at a till), ``claim`` (only claimed receipts in the app),
  ``both``, or ``none`` (never bought).
* RFM scores, 1–5, NULL for a member who never bought. Fixed cut points, so a score means the
  same thing next month (not quintiles that move with the population):

  ====  ========================  ===========================  ==========================
  score recency: last visit       frequency: visits, 12 months  monetary: spend, 12 months
  ====  ========================  ===========================  ==========================
  5     ≤ 14 days ago             ≥ 24                          ≥ 20,000,000 đ
  4     ≤ 30 days                 ≥ 12                          ≥ 10,000,000 đ
  3     ≤ 60 days                 ≥ 6                           ≥ 5,000,000 đ
  2     ≤ 120 days                ≥ 2                           ≥ 1,000,000 đ
  1     longer ago                0–1                           less
  ====  ========================  ===========================  ==========================

* Freshness: every change of a member's purchases updates the member's row in the same write
  transaction, so the row shows a purchase or a refund as soon as it is committed:

  - an earn (at the till, or an approved receipt claim; ``earning.award_purchase``) counts the
    purchase in with :func:`record_purchase`: one upsert by member (``EARN_SQL``) that adds the
    visit and spend to every window and the totals and derives last purchase, average basket,
    channel and the RFM scores from the new counters. It reads no purchases;
  - a refund (``refunds.refund``) recomputes the member's row with :func:`refresh_member`, the
    set-wise statement restricted to one member id (its purchases by the indexed
    ``purchase.member``): a refund may remove a visit and with it the last purchase or a channel,
    which counters cannot undo. Refunds are rare next to earns.

  Why counters on the earn and not the recompute: the earn is the hot path and the members who
  earn most often have the longest history; the counters cost the same whatever the history,
  while the recompute grows with it (figures in docs/benchmarks.md).

  Both writes hold the member's row lock first (``cards.use_code`` / ``points.lock_member``), so
  one member's earns and refunds write the row one after the other and a recompute sees every
  purchase committed before it.

  The worker jobs stay: ``stats.refresh_recent`` (every minute) recomputes the members who bought
  in the last 10 minutes and any member without a row, which makes an earn's counters exact
  (the windows as of now; a row the earn created for a member whose earlier receipts were never
  counted); ``stats.refresh_all`` (every 6 hours) rebuilds every row so the 90-day and 12-month
  windows slide. ``refreshed_at`` is the time of the last recomputation: the windows and
  ``days_since_last_visit`` are as of then, plus the earns since (an earn sets
  ``days_since_last_visit`` to 0 and the recency score to 5). Segments that read recency use
  ``last_purchase_at`` against the current time, so they never go stale by the window sliding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from piccolo.query.functions.aggregate import Count, Max, Min

from loyalty import db
from loyalty.db import write_transaction
from loyalty.jobs import job
from loyalty.schema import Member, MemberStats

BATCH = 50_000
RECENCY_DAYS = (14, 30, 60, 120)
FREQUENCY_VISITS = (24, 12, 6, 2)
MONETARY_DONG = (20_000_000, 10_000_000, 5_000_000, 1_000_000)
STAT_COLUMNS = (
    "first_purchase_at",
    "last_purchase_at",
    "visits_90d",
    "spend_90d",
    "visits_12m",
    "spend_12m",
    "visits_total",
    "spend_total",
    "avg_basket",
    "channel",
    "days_since_last_visit",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "refreshed_at",
)


def _whens(expression: str, cuts: tuple[int, ...], op: str) -> str:
    return " ".join(f"WHEN {expression} {op} {cut} THEN {5 - i}" for i, cut in enumerate(cuts))


def _score(expression: str, cuts: tuple[int, ...], *, descending_is_better: bool) -> str:
    whens = _whens(expression, cuts, ">=" if descending_is_better else "<=")
    return f"CASE WHEN p.last_at IS NULL THEN NULL {whens} ELSE 1 END"


def _refresh_sql(member_condition: str) -> str:
    """The upsert. Parameters: $1 now, $2 the start of the 90 days, $3 the start of the 12 months;
    ``member_condition`` (on ``m.id``) numbers its own from $4."""
    now = db.typed("$1", "timestamptz")  # PostgreSQL cannot tell the type of a bare $1 in a select list
    days = db.whole_days_between(now, "q.last_at")
    recency = _score("p.days", RECENCY_DAYS, descending_is_better=False)
    frequency = _score("p.v12", FREQUENCY_VISITS, descending_is_better=True)
    monetary = _score("p.s12", MONETARY_DONG, descending_is_better=True)
    updates = ", ".join(f"{c} = excluded.{c}" for c in STAT_COLUMNS)
    return f"""
INSERT INTO member_stats (member, {", ".join(STAT_COLUMNS)})
SELECT m.id, p.first_at, p.last_at, COALESCE(p.v90, 0), COALESCE(p.s90, 0), COALESCE(p.v12, 0),
  COALESCE(p.s12, 0), COALESCE(p.vt, 0), COALESCE(p.st, 0),
  CASE WHEN COALESCE(p.v12, 0) > 0 THEN p.s12 / p.v12 ELSE 0 END,
  CASE WHEN p.till > 0 AND p.claim > 0 THEN 'both' WHEN p.till > 0 THEN 'till'
       WHEN p.claim > 0 THEN 'claim' ELSE 'none' END,
  p.days, {recency}, {frequency}, {monetary}, {now}
FROM member m LEFT JOIN (
  SELECT q.*, {days} AS days FROM (
    SELECT member, MIN(created_at) AS first_at, MAX(created_at) AS last_at,
      CAST(SUM(CASE WHEN created_at > $2 THEN 1 ELSE 0 END) AS BIGINT) AS v90,
      CAST(SUM(CASE WHEN created_at > $2 THEN amount - refunded_amount ELSE 0 END) AS BIGINT) AS s90,
      CAST(SUM(CASE WHEN created_at > $3 THEN 1 ELSE 0 END) AS BIGINT) AS v12,
      CAST(SUM(CASE WHEN created_at > $3 THEN amount - refunded_amount ELSE 0 END) AS BIGINT) AS s12,
      CAST(COUNT(*) AS BIGINT) AS vt, CAST(SUM(amount - refunded_amount) AS BIGINT) AS st,
      SUM(CASE WHEN channel = 'till' THEN 1 ELSE 0 END) AS till,
      SUM(CASE WHEN channel = 'claim' THEN 1 ELSE 0 END) AS claim
    FROM purchase WHERE refunded_amount < amount AND {member_condition.replace("m.id", "member")}
    GROUP BY member
  ) q
) p ON p.member = m.id
WHERE {member_condition}
ON CONFLICT (member) DO UPDATE SET {updates}
"""


# Which members a recompute covers, on m.id; their parameters follow the upsert's own ($4 …).
RANGE = "m.id BETWEEN $4 AND $5"
RECENT = (
    "m.id IN (SELECT p2.member FROM purchase p2 WHERE p2.created_at > $4 "
    "UNION SELECT m2.id FROM member m2 WHERE NOT EXISTS "
    "(SELECT 1 FROM member_stats s2 WHERE s2.member = m2.id))"
)


async def _run(member_condition: str, condition_args: list[object], now: datetime) -> None:
    await db.execute(
        _refresh_sql(member_condition), now, now - timedelta(days=90), now - timedelta(days=365), *condition_args
    )


async def refresh_range(low: int, high: int, *, now: datetime | None = None) -> None:
    """Rebuild the statistics of members with ``low ≤ id ≤ high`` (one statement)."""
    async with write_transaction():
        await _run(RANGE, [low, high], now or datetime.now(UTC))


async def refresh_member(member_id: int, *, now: datetime | None = None) -> None:
    """Recompute one member's row (a refund; inside the caller's write transaction if one is open)."""
    await refresh_range(member_id, member_id, now=now)


def _counted(expression: str, cuts: tuple[int, ...]) -> str:
    return f"CASE {_whens(expression, cuts, '>=')} ELSE 1 END"


# The earn's update, on its hot path (a fixed text through the db runner; bench/earn.py replays it). $1 member, $2 the
# purchase's time, $3 its amount, $4 its channel. The purchase is new, so it falls in every window.
# Without a row the member is taken to have bought nothing before (refresh_recent corrects that).
_AMOUNT = "CAST($3 AS BIGINT)"  # PostgreSQL cannot tell $3's type from its uses alone
_SPEND_12M = "member_stats.spend_12m + excluded.spend_12m"
EARN_SQL = f"""
INSERT INTO member_stats (member, {", ".join(STAT_COLUMNS)})
VALUES ($1, $2, $2, 1, {_AMOUNT}, 1, {_AMOUNT}, 1, {_AMOUNT}, {_AMOUNT}, $4, 0, 5, 1,
  {_counted(_AMOUNT, MONETARY_DONG)}, $2)
ON CONFLICT (member) DO UPDATE SET
  first_purchase_at = CASE WHEN member_stats.first_purchase_at < excluded.first_purchase_at
    THEN member_stats.first_purchase_at ELSE excluded.first_purchase_at END,
  last_purchase_at = CASE WHEN member_stats.last_purchase_at > excluded.last_purchase_at
    THEN member_stats.last_purchase_at ELSE excluded.last_purchase_at END,
  visits_90d = member_stats.visits_90d + 1,
  spend_90d = member_stats.spend_90d + excluded.spend_90d,
  visits_12m = member_stats.visits_12m + 1,
  spend_12m = {_SPEND_12M},
  visits_total = member_stats.visits_total + 1,
  spend_total = member_stats.spend_total + excluded.spend_total,
  avg_basket = ({_SPEND_12M}) / (member_stats.visits_12m + 1),
  channel = CASE WHEN member_stats.channel IN ('none', excluded.channel) THEN excluded.channel ELSE 'both' END,
  days_since_last_visit = 0,
  recency_score = 5,
  frequency_score = {_counted("member_stats.visits_12m + 1", FREQUENCY_VISITS)},
  monetary_score = {_counted(_SPEND_12M, MONETARY_DONG)}
"""


async def record_purchase(member_id: int, amount: int, channel: str, *, now: datetime) -> None:
    """Count a purchase just recorded into the member's row, in the earn's write transaction
    (which holds the member's lock)."""
    await db.execute(EARN_SQL, member_id, now, amount, channel)


async def refresh_all(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Rebuild every member's row in id ranges of ``batch``; returns the number of members."""
    now = now or datetime.now(UTC)
    bounds = await Member.select(
        Min(Member.id).as_alias("low"), Max(Member.id).as_alias("high"), Count().as_alias("n")
    ).first()
    if bounds is None or bounds["low"] is None:
        return 0
    low, high = int(bounds["low"]), int(bounds["high"])
    for start in range(low, high + 1, batch):
        await refresh_range(start, min(start + batch - 1, high), now=now)
    return int(bounds["n"])


async def refresh_recent(*, now: datetime | None = None, within: timedelta = timedelta(minutes=10)) -> int:
    """Refresh the members who bought since ``now - within`` (and any member without a row)."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        await _run(RECENT, [now - within], now)
    return int(await MemberStats.count().where(MemberStats.refreshed_at == now))


@job("stats.refresh_recent", every=timedelta(minutes=1))
async def refresh_recent_job(now: datetime) -> int:
    return await refresh_recent(now=now)


@job("stats.refresh_all", every=timedelta(hours=6))
async def refresh_all_job(now: datetime) -> int:
    return await refresh_all(now=now)
