"""Points gifts of a campaign run: lanes of the audience, given batch by batch, several workers at once.

Rules and invariants:

* When a run starts, its members are cut once into *lanes* (:class:`CampaignLane`): consecutive
  ranges of ``LANE_BATCHES × GIVE_BATCH`` member ids, the last one without an upper end (so a
  member who joins during the run is still in it). :func:`plan_lanes` does it under the run's
  lock; a second call finds the lanes made.
* A batch (:func:`gift_points_batch`) is one write transaction. It takes a lane nobody holds
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's IMMEDIATE transaction serialises writers),
  chooses the lane's next ``GIVE_BATCH`` audience members after its cursor without a gift this
  occurrence, locks them in id order, credits them set-wise (:func:`loyalty.bulk_ledger.bulk_credit`,
  every invariant of ``ledger.credit``), writes their gift rows already ``given``, one
  ``campaign_gifts`` event, and moves the lane's cursor. Workers on different lanes share no
  row but the campaign's, and a batch raises its budget counters as its last write, so that lock
  is held for the commit only.
* Budget: the counters go up by one conditional UPDATE after the gifts are written; when it fails,
  the batch goes back to a savepoint, locks the campaign row and gives only what is left. A batch
  that gave less than it chose has spent the budget: :func:`refuse_the_rest` then takes every lane
  (waiting for the batches in flight), records the rest of the audience ``over_budget``, ends the
  run and finishes the campaign.
* A crash rolls a batch back whole: its lane is free again, its cursor where it was. UNIQUE
  (campaign, occurrence, member), on the gift rows and in the ledger reference
  (``campaign-gift:<campaign>:<occurrence>:<member>``), makes a second gift impossible anyway.
* The run is done (``selected_at``) when its last lane is; lanes end under the run's lock, so two
  lanes ending at once cannot both miss it.

One event per batch, not per gift: it names the batch's gifts (gift id and member ranges) and
carries the campaign's words; the notifications side writes each member's message from it
(:class:`GiftBatch`), in the member's locale, under the consent, quiet-hour and cap rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from loyalty.campaigns.fanout import (
    LIVE,
    REFERENCE_PREFIX,
    GiftSpec,
    budget_left,
    finish_campaign,
    gift_texts,
    mark_running,
    reserve_budget,
    take_budget,
    take_what_is_left,
    typed_param,
)
from loyalty.db import is_sqlite, write_transaction
from loyalty.events import EventKind, emit
from loyalty.points import (
    Holder,
    bulk_credit,
    bulk_settings,
    execute,
    fetch,
    fetch_holders,
    fetch_template,
    next_sqlite_id,
    sqlite_timestamp,
)

GIVE_BATCH = 20_000  # one write transaction: short enough not to hold SQLite's one write lock for long
LANE_BATCHES = 5  # a lane spans this many batches of member ids: enough lanes for workers to share


class Lane(NamedTuple):
    id: int
    campaign: int
    occurrence: str
    cursor: int
    high: int | None


class Outcome(NamedTuple):
    """What one batch did: gifts given, and whether the budget ran out while choosing them."""

    given: int
    budget_spent: bool


def gift_reference(campaign_id: int, occurrence: str, member_id: int) -> str:
    """The ledger reference of a points gift: unique exactly when (campaign, occurrence, member) is."""
    return f"{REFERENCE_PREFIX}{campaign_id}:{occurrence}:{member_id}"


async def plan_lanes(run_id: int, *, now: datetime) -> None:
    """Cut the run's members (after the run's cursor) into lanes of ``LANE_BATCHES × GIVE_BATCH``
    member ids, once. By id, not by audience: it costs two index lookups instead of a pass over
    the audience, and a lane holding little of the audience is quick to give."""
    async with write_transaction():
        lock = "" if is_sqlite() else " FOR UPDATE"
        run = await fetch(f"SELECT cursor, selected_at FROM campaign_run WHERE id = $1{lock}", run_id)
        if not run or run[0]["selected_at"] is not None:
            return
        if await fetch("SELECT 1 AS planned FROM campaign_lane WHERE run = $1 LIMIT 1", run_id):
            return
        cursor = int(run[0]["cursor"])
        span = await fetch("SELECT MIN(id) AS low, MAX(id) AS high FROM member WHERE id > $1", cursor)
        low, high = span[0]["low"], span[0]["high"]
        start = cursor if low is None else int(low) - 1
        bounds = list(range(start, cursor if high is None else int(high), LANE_BATCHES * GIVE_BATCH))
        for number, first in enumerate(bounds or [start]):
            last = bounds[number + 1] if number + 1 < len(bounds) else None
            await execute(
                "INSERT INTO campaign_lane (run, number, cursor, high, given, done_at, created_at) "
                "VALUES ($1, $2, $3, $4, 0, NULL, $5)",
                run_id,
                number,
                first,
                last,
                now,
            )


async def gift_points_batch(
    run_id: int, spec: GiftSpec, *, audience_from: str, audience_where: str, audience_args: list[Any], now: datetime
) -> Outcome | None:
    """Give points to the next ``GIVE_BATCH`` members of a lane of the run nobody else holds, in one
    transaction. None when no lane is free (all done, or held by other workers) or the campaign
    is not live."""
    async with write_transaction(), bulk_settings():
        lane = await _take_lane(run_id)
        if lane is None:
            return None
        status = await fetch("SELECT status FROM campaign WHERE id = $1", spec.campaign_id)
        if not status or status[0]["status"] not in LIVE:
            return None
        upper = "" if lane.high is None else " AND m.id <= {}"
        bound = [] if lane.high is None else [lane.high]
        # g.member > cursor: lets the planner read only this lane's part of the occurrence's gifts.
        audience = (
            f"FROM {audience_from} WHERE ({audience_where}) AND m.id > {{}}{upper} AND NOT EXISTS "
            "(SELECT 1 FROM campaign_gift g WHERE g.campaign = {} AND g.occurrence = {} AND g.member = m.id "
            "AND g.member > {})"
        )
        # The balances read here are current: SQLite's IMMEDIATE transaction is the only writer;
        # on PostgreSQL the chosen members are locked as they are read, in id order (the order
        # every bulk writer locks in), and a row changed meanwhile is read again.
        lock = "" if is_sqlite() else " FOR UPDATE OF m"
        chosen = await fetch_holders(
            f"SELECT m.id, m.points_balance, m.ledger_head {audience} ORDER BY m.id LIMIT {GIVE_BATCH}{lock}",
            *audience_args,
            lane.cursor,
            *bound,
            lane.campaign,
            lane.occurrence,
            lane.cursor,
        )
        last = chosen[-1].id if chosen else lane.cursor
        # A short batch means the lane's end, unless a member left the audience while being locked
        # (a concurrent change re-read on PostgreSQL): look once more before calling it done.
        done = (lane.high is not None and last == lane.high) or (
            len(chosen) < GIVE_BATCH
            and not await fetch_template(
                f"SELECT 1 AS more {audience} LIMIT 1",
                *audience_args,
                last,
                *bound,
                lane.campaign,
                lane.occurrence,
                last,
            )
        )
        given = await _give(spec, lane.occurrence, chosen, now) if chosen else 0
        if given < len(chosen):
            # The budget ran out: the lane stops after the last member given; refuse_the_rest ends it.
            last = chosen[given - 1].id if given else lane.cursor
            done = False
        await execute(
            "UPDATE campaign_lane SET cursor = $1, given = given + $2, done_at = $3 WHERE id = $4",
            last,
            given,
            now if done else None,
            lane.id,
        )
        if done:
            await _end_run_if_all_lanes_done(run_id, now)
        return Outcome(given, given < len(chosen))


async def _take_lane(run_id: int) -> Lane | None:
    skip = "" if is_sqlite() else " FOR UPDATE OF l SKIP LOCKED"
    rows = await fetch(
        "SELECT l.id, r.campaign, r.occurrence, l.cursor, l.high FROM campaign_lane l "
        "JOIN campaign_run r ON r.id = l.run WHERE l.run = $1 AND l.done_at IS NULL "
        f"ORDER BY l.number LIMIT 1{skip}",
        run_id,
    )
    if not rows:
        return None
    row = rows[0]
    high = None if row["high"] is None else int(row["high"])
    return Lane(int(row["id"]), int(row["campaign"]), str(row["occurrence"]), int(row["cursor"]), high)


async def _give(spec: GiftSpec, occurrence: str, chosen: list[Holder], now: datetime) -> int:
    """Credit the chosen members within the budget, record their gifts and report the batch;
    returns gifts given."""
    given = await (_reserving_first if is_sqlite() else _reserving_last)(spec, occurrence, chosen, now)
    if given is None:
        return 0
    members, gifts = given
    await emit(EventKind.CAMPAIGN_GIFTS, None, **batch_payload(spec, occurrence, gifts, members))
    await mark_running(spec.campaign_id, now)
    return len(members)


Given = tuple[list[Holder], tuple[int, int]] | None  # members given, and their first and last gift id


async def _reserving_first(spec: GiftSpec, occurrence: str, chosen: list[Holder], now: datetime) -> Given:
    """SQLite: the budget is reserved before the gifts are written. The one writer makes the order
    moot there, and a savepoint would copy every page the batch then changes."""
    chosen = chosen[: await reserve_budget(spec, len(chosen))]
    return (chosen, await _credit_and_record(spec, occurrence, chosen, now)) if chosen else None


async def _reserving_last(spec: GiftSpec, occurrence: str, chosen: list[Holder], now: datetime) -> Given:
    """PostgreSQL: the gifts are written first and the counters raised last, so the campaign row is
    locked from that UPDATE to the commit only and other lanes' batches run meanwhile. If the caps
    refuse, back to the savepoint, lock the row and give only what is left."""
    await execute("SAVEPOINT gifts")
    gifts = await _credit_and_record(spec, occurrence, chosen, now)
    if await take_budget(spec, len(chosen)):
        await execute("RELEASE SAVEPOINT gifts")
        return chosen, gifts
    await execute("ROLLBACK TO SAVEPOINT gifts")
    await execute("RELEASE SAVEPOINT gifts")
    chosen = chosen[: await take_what_is_left(spec, len(chosen))]
    return (chosen, await _credit_and_record(spec, occurrence, chosen, now)) if chosen else None


async def _credit_and_record(spec: GiftSpec, occurrence: str, given: list[Holder], now: datetime) -> tuple[int, int]:
    """The points and one ``given`` gift row per member; returns the first and last gift id."""
    references = [gift_reference(spec.campaign_id, occurrence, h.id) for h in given]
    description = f"Gift: {spec.name}"[:500]
    async with bulk_credit(given, references, spec.points, description=description, now=now) as credited:
        return await _record_given(spec, occurrence, given, credited.entry_ids, now)


async def _record_given(
    spec: GiftSpec, occurrence: str, given: list[Holder], entry_ids: list[int], now: datetime
) -> tuple[int, int]:
    """One ``given`` gift row per credit, set-wise; returns the first and last gift id written.
    SQLite: from the entries' id range (the only writer, so ids run on from MAX(id)).
    PostgreSQL: from arrays, ids from the sequence."""
    if is_sqlite():
        first = await next_sqlite_id("campaign_gift")
        at = sqlite_timestamp(now)
        await execute(
            "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, entry, error, created_at, "
            "given_at) SELECT $1, $2, member, 'given', delta, id, '', $3, $4 FROM ledger_entry "
            "WHERE id BETWEEN $5 AND $6 ORDER BY id",
            spec.campaign_id,
            occurrence,
            at,
            at,
            entry_ids[0],
            entry_ids[-1],
        )
        return first, first + len(given) - 1
    rows = await fetch(
        "WITH g AS (INSERT INTO campaign_gift (campaign, occurrence, member, status, points, entry, error, "
        "created_at, given_at) SELECT $1, $2, v.member, 'given', $3, v.entry, '', $4, $4 "
        "FROM unnest($5::bigint[], $6::bigint[]) AS v(member, entry) RETURNING id) "
        "SELECT MIN(id) AS first, MAX(id) AS last FROM g",
        spec.campaign_id,
        occurrence,
        spec.points,
        now,
        [h.id for h in given],
        entry_ids,
    )
    return int(rows[0]["first"]), int(rows[0]["last"])


def batch_payload(spec: GiftSpec, occurrence: str, gifts: tuple[int, int], given: list[Holder]) -> dict[str, Any]:
    """The ``campaign_gifts`` event: one per batch. Its gifts are the occurrence's gifts with ids in
    ``first_gift``…``last_gift`` and members in ``first_member``…``last_member`` (both ranges: on
    PostgreSQL two lanes' batches draw gift ids from the sequence at the same time). It carries
    the campaign's words as they were when given; the notifications side writes each member's
    message from it (:class:`GiftBatch`)."""
    return {
        "campaign_id": spec.campaign_id,
        "campaign": spec.name,
        "occurrence": occurrence,
        "first_gift": gifts[0],
        "last_gift": gifts[1],
        "first_member": given[0].id,
        "last_member": given[-1].id,
        "points": spec.points,
        "texts": spec.texts,
        "reward_names": spec.reward_names,
    }


class GiftBatch:
    """A ``campaign_gifts`` event's payload, read once; :meth:`message` gives each member's
    ``campaign_gift`` message payload (the campaign's words with the member's name)."""

    def __init__(self, batch: dict[str, Any]) -> None:
        self.occurrence = str(batch["occurrence"])
        self.first_gift, self.last_gift = int(batch["first_gift"]), int(batch["last_gift"])
        self.first_member, self.last_member = int(batch["first_member"]), int(batch["last_member"])
        self.spec = GiftSpec(
            campaign_id=int(batch["campaign_id"]),
            name=str(batch["campaign"]),
            status="",
            gift_kind="points",
            points=int(batch["points"]),
            reward_id=None,
            valid_days=None,
            texts={k: str(v) for k, v in dict(batch["texts"]).items()},
            reward_names={k: str(v) for k, v in dict(batch.get("reward_names") or {}).items()},
        )

    def message(self, gift_id: int, name: str, balance: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "campaign_id": self.spec.campaign_id,
            "campaign": self.spec.name,
            "occurrence": self.occurrence,
            "gift_id": gift_id,
            "points": self.spec.points,
        }
        if balance is not None:
            payload["balance"] = balance
        payload.update(gift_texts(self.spec, {"name": name}))
        return payload


async def _end_run_if_all_lanes_done(run_id: int, now: datetime) -> None:
    """Called by a batch that ended its lane. The run's lock makes two lanes ending at once take
    turns, so the second sees the first's lane done and ends the run."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    await fetch(f"SELECT id FROM campaign_run WHERE id = $1{lock}", run_id)
    await execute(
        "UPDATE campaign_run SET selected_at = $1, selected = (SELECT COALESCE(SUM(given), 0) FROM campaign_lane "
        "WHERE run = $2) WHERE id = $3 AND selected_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM campaign_lane WHERE run = $4 AND done_at IS NULL)",
        now,
        run_id,
        run_id,
        run_id,
    )


async def refuse_the_rest(
    run_id: int, spec: GiftSpec, *, audience_from: str, audience_where: str, audience_args: list[Any], now: datetime
) -> None:
    """The budget is spent: once every lane is free (batches in flight finish first), the rest of
    the run's audience is recorded ``over_budget`` set-wise, the run ended and the campaign
    finished (nothing more can be given). Its own transaction, holding no campaign lock while it
    waits, so a batch in flight can still reach its budget check and end."""
    async with write_transaction():
        lock = "" if is_sqlite() else " FOR UPDATE"
        await fetch(f"SELECT id FROM campaign_lane WHERE run = $1 ORDER BY number{lock}", run_id)
        run = await fetch(f"SELECT occurrence, selected_at FROM campaign_run WHERE id = $1{lock}", run_id)
        if not run or run[0]["selected_at"] is not None:
            return
        occurrence = str(run[0]["occurrence"])
        if await budget_left(spec, 1):
            return  # the caps were raised meanwhile: the lanes carry on
        await fetch_template(
            "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, error, created_at) "
            f"SELECT {{}}, {{}}, m.id, 'over_budget', 0, '', {typed_param('TIMESTAMPTZ')} "
            f"FROM {audience_from} WHERE ({audience_where}) "
            "ON CONFLICT (campaign, occurrence, member) DO NOTHING",
            spec.campaign_id,
            occurrence,
            sqlite_timestamp(now) if is_sqlite() else now,
            *audience_args,
        )
        await execute("UPDATE campaign_lane SET done_at = $1 WHERE run = $2 AND done_at IS NULL", now, run_id)
        await _end_run_if_all_lanes_done(run_id, now)
        await finish_campaign(spec.campaign_id, now)
