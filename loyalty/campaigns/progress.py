"""How far the campaign runs in progress have gone, for the operators' metrics.

A run is in progress while its campaign is live or paused and either its audience is not yet
all gone through (``selected_at`` IS NULL) or, for vouchers, gifts chosen are still pending.

* Points runs walk the members in id order, lane by lane (``loyalty.campaigns.lanes``):
  ``members_total`` is the member ids after the run's start, ``members_done`` those the lanes'
  cursors have passed. Counted by id range (two index look-ups, never a pass over members), so
  an id left unused by a rolled-back sign-up counts as a member.
* Voucher runs choose their audience as pending gifts, then give them one by one:
  ``members_total`` is the audience chosen so far (it grows while choosing goes on),
  ``members_done`` the gifts no longer pending (given, over budget or failed).

Read-only; each statement goes through an index (campaign status, the run's campaign, the
pending gifts' partial index, the lane's run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loyalty import db
from loyalty.schema import CampaignStatus

IN_PROGRESS = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED)


@dataclass(frozen=True)
class RunProgress:
    run_id: int
    campaign_id: int
    gift_kind: str  # points | voucher
    members_done: int
    members_total: int


async def runs_in_progress() -> list[RunProgress]:
    statuses = ", ".join(f"'{s.value}'" for s in IN_PROGRESS)
    runs = await db.fetch(
        "SELECT r.id, r.campaign, r.occurrence, r.cursor, r.selected, r.selected_at, c.gift_kind "
        f"FROM campaign c JOIN campaign_run r ON r.campaign = c.id WHERE c.status IN ({statuses}) "
        "AND (r.selected_at IS NULL OR c.gift_kind = 'voucher')"
    )
    if not runs:
        return []
    pending = {
        (int(r["campaign"]), str(r["occurrence"])): int(r["n"])
        for r in await db.fetch(
            "SELECT campaign, occurrence, COUNT(*) AS n FROM campaign_gift WHERE status = 'pending' "
            "GROUP BY campaign, occurrence"
        )
    }
    progress: list[RunProgress] = []
    for run in runs:
        if run["gift_kind"] == "points":
            continue
        chosen = int(run["selected"])
        left = pending.get((int(run["campaign"]), str(run["occurrence"])), 0)
        if run["selected_at"] is None or left:
            progress.append(RunProgress(int(run["id"]), int(run["campaign"]), "voucher", chosen - left, chosen))
    points = [r for r in runs if r["gift_kind"] == "points"]
    return [*(await _points_progress(points)), *progress] if points else progress


async def _points_progress(runs: Sequence[db.Row]) -> list[RunProgress]:
    top_row = await db.fetch("SELECT COALESCE(MAX(id), 0) AS top FROM member")
    top = int(top_row[0]["top"])
    left: dict[int, int] = {}  # member ids still ahead of the lanes, per planned run
    lanes = await db.fetch(
        f"SELECT run, cursor, high, done_at FROM campaign_lane WHERE {db.one_of('run', '$1')}",
        db.listed(int(r["id"]) for r in runs),
    )
    for lane in lanes:
        ahead = 0
        if lane["done_at"] is None:
            end = top if lane["high"] is None else min(int(lane["high"]), top)
            ahead = max(0, end - int(lane["cursor"]))
        left[int(lane["run"])] = left.get(int(lane["run"]), 0) + ahead
    progress = []
    for run in runs:
        total = max(0, top - int(run["cursor"]))
        remaining = left.get(int(run["id"]), total)  # no lanes yet: nothing passed
        progress.append(RunProgress(int(run["id"]), int(run["campaign"]), "points", total - remaining, total))
    return progress
