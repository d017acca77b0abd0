"""Points gifts of a campaign run, given batch by batch on lanes, several workers at once.

Rules and invariants:

* A batch (:func:`gift_points_batch`) is one write transaction on one lane nobody else holds
  (:mod:`loyalty.campaigns.lanes`). It chooses the lane's next ``GIVE_BATCH`` audience members
  after its cursor without a gift this occurrence, locks them in id order, credits them
  set-wise (:func:`loyalty.points.bulk_credit`, every invariant of ``points.credit``), writes
  their gift rows already ``given``, one ``campaign_gifts`` event, and moves the lane's cursor.
  Workers on different lanes share no row but the campaign's, and a batch raises its budget
  counters as its last write, so that lock is held for the commit only.
* Budget: the counters go up by one conditional UPDATE after the gifts are written; when it
  fails, the batch goes back to a savepoint, locks the campaign row and gives only what is left.
  A batch that gave less than it chose has spent the budget (``Outcome.budget_spent``).
* A crash rolls a batch back whole: its lane is free again, its cursor where it was. UNIQUE
  (campaign, occurrence, member), on the gift rows and in the ledger reference
  (``campaign-gift:<campaign>:<occurrence>:<member>``), makes a second gift impossible anyway.

One event per batch, not per gift (:func:`loyalty.campaigns.messages.batch_payload`); the
notifications side writes each member's message from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from loyalty import db
from loyalty.campaigns import lanes
from loyalty.campaigns.audience import Audience
from loyalty.campaigns.gifts import REFERENCE_PREFIX, GiftSpec, reserve_budget, take_budget, take_what_is_left
from loyalty.campaigns.lifecycle import LIVE, mark_running
from loyalty.campaigns.messages import batch_payload
from loyalty.events import EventKind, emit
from loyalty.points import Holder, bulk_credit, bulk_settings, next_sqlite_id
from loyalty.schema import Campaign, GiftStatus


class Outcome(NamedTuple):
    """What one batch did: gifts given, and whether the budget ran out while choosing them."""

    given: int
    budget_spent: bool


def gift_reference(campaign_id: int, occurrence: str, member_id: int) -> str:
    """The ledger reference of a points gift: unique exactly when (campaign, occurrence, member) is."""
    return f"{REFERENCE_PREFIX}{campaign_id}:{occurrence}:{member_id}"


def _after(audience: Audience, lane: lanes.Lane, cursor: int) -> tuple[str, list[Any]]:
    """``FROM … WHERE …`` of the lane's audience members after ``cursor`` without a gift this
    occurrence, and its values. The text is the same for any cursor (the statement is cached)."""
    p = audience.params()
    after = p.add(cursor)
    upper = "" if lane.high is None else f" AND m.id <= {p.add(lane.high)}"
    campaign, occurrence = p.add(lane.campaign), p.add(lane.occurrence)
    # g.member > cursor: lets the planner read only this lane's part of the occurrence's gifts.
    sql = (
        f"FROM {audience.from_clause} WHERE ({audience.where}) AND m.id > {after}{upper} AND NOT EXISTS "
        f"(SELECT 1 FROM campaign_gift g WHERE g.campaign = {campaign} AND g.occurrence = {occurrence} "
        f"AND g.member = m.id AND g.member > {after})"
    )
    return sql, p.values


async def gift_points_batch(run_id: int, spec: GiftSpec, audience: Audience, *, now: datetime) -> Outcome | None:
    """Give points to the next ``GIVE_BATCH`` members of a lane of the run nobody else holds, in one
    transaction. None when no lane is free (all done, or held by other workers) or the campaign
    is not live."""
    async with db.write_transaction(), bulk_settings():
        lane = await lanes.take_lane(run_id)
        if lane is None:
            return None
        campaign = await Campaign.select(Campaign.status).where(Campaign.id == spec.campaign_id).first()
        if campaign is None or campaign["status"] not in LIVE:
            return None
        remaining, args = _after(audience, lane, lane.cursor)
        # The balances read here are current: SQLite's IMMEDIATE transaction is the only writer;
        # on PostgreSQL the chosen members are locked as they are read, in id order (the order
        # every bulk writer locks in), and a row changed meanwhile is read again.
        rows = await db.fetch_tuples(
            f"SELECT m.id, m.points_balance, m.ledger_head {remaining} "
            f"ORDER BY m.id LIMIT {lanes.GIVE_BATCH}{db.for_update('m')}",
            *args,
        )
        chosen = list(map(Holder._make, rows))
        last = chosen[-1].id if chosen else lane.cursor
        # A short batch means the lane's end, unless a member left the audience while being locked
        # (a concurrent change re-read on PostgreSQL): look once more before calling it done.
        done = (lane.high is not None and last == lane.high) or (
            len(chosen) < lanes.GIVE_BATCH and not await _any_after(audience, lane, last)
        )
        given = await _give(spec, lane.occurrence, chosen, now) if chosen else 0
        if given < len(chosen):
            # The budget ran out: the lane stops after the last member given; refuse_the_rest ends it.
            last = chosen[given - 1].id if given else lane.cursor
            done = False
        await lanes.move_lane(lane, cursor=last, given=given, done=done, now=now)
        if done:
            await lanes.end_run_if_all_lanes_done(run_id, now)
        return Outcome(given, given < len(chosen))


async def _any_after(audience: Audience, lane: lanes.Lane, cursor: int) -> bool:
    remaining, args = _after(audience, lane, cursor)
    return await db.fetchrow(f"SELECT 1 AS more {remaining} LIMIT 1", *args) is not None


async def _give(spec: GiftSpec, occurrence: str, chosen: list[Holder], now: datetime) -> int:
    """Credit the chosen members within the budget, record their gifts and report the batch;
    returns gifts given."""
    # Not SQL that differs but the order of the work: see the two functions.
    given = await (_reserving_first if db.is_sqlite() else _reserving_last)(spec, occurrence, chosen, now)
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
    await db.execute("SAVEPOINT gifts")
    gifts = await _credit_and_record(spec, occurrence, chosen, now)
    if await take_budget(spec, len(chosen)):
        await db.execute("RELEASE SAVEPOINT gifts")
        return chosen, gifts
    await db.execute("ROLLBACK TO SAVEPOINT gifts")
    await db.execute("RELEASE SAVEPOINT gifts")
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

    Two statements because the engines number the rows differently. SQLite: from the entries' id
    range (the only writer, so ids run on from MAX(id), and the gifts' ids after theirs).
    PostgreSQL: from arrays of the members and their entries (two lanes' batches draw entry ids
    from the sequence at the same time, so a batch's entries are no range), ids from the sequence."""
    if db.is_sqlite():
        first = await next_sqlite_id("campaign_gift")
        await db.execute(
            "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, entry, error, created_at, "
            f"given_at) SELECT $1, $2, member, '{GiftStatus.GIVEN}', delta, id, '', $3, $3 FROM ledger_entry "
            "WHERE id BETWEEN $4 AND $5 ORDER BY id",
            spec.campaign_id,
            occurrence,
            now,
            entry_ids[0],
            entry_ids[-1],
        )
        return first, first + len(given) - 1
    members, entries = db.typed("$5", "bigint[]"), db.typed("$6", "bigint[]")
    row = await db.fetchrow(
        "WITH g AS (INSERT INTO campaign_gift (campaign, occurrence, member, status, points, entry, error, "
        f"created_at, given_at) SELECT $1, $2, v.member, '{GiftStatus.GIVEN}', $3, v.entry, '', $4, $4 "
        f"FROM unnest({members}, {entries}) AS v(member, entry) RETURNING id) "
        "SELECT MIN(id) AS first, MAX(id) AS last FROM g",
        spec.campaign_id,
        occurrence,
        spec.points,
        now,
        [h.id for h in given],
        entry_ids,
    )
    assert row is not None  # an aggregate always has its row
    return int(row["first"]), int(row["last"])
