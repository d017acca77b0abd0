"""What a campaign gives (read once per run) and the budget its gifts are counted against.

Budget: the campaign's counters (``gifts_issued``, ``points_given``) are raised only by one
conditional UPDATE that checks the caps (:func:`take_budget`); when it refuses, the campaign row
is locked and only what is left is taken (:func:`budget_left`), so the caps hold across any
number of workers. A gift that then fails (a reward out of stock) gives its count back.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty import db
from loyalty.campaigns.fields import GiftKind, StoredCampaign
from loyalty.points import LedgerBroken
from loyalty.schema import Campaign, Reward

REFERENCE_PREFIX = "campaign-gift:"


@dataclass(frozen=True, slots=True)
class GiftSpec:
    """What a campaign gives and says, read once per run."""

    campaign_id: int
    name: str
    gift_kind: GiftKind
    points: int
    reward_id: int | None
    valid_days: int | None
    texts: dict[str, str]  # title_vi, title_en, message_vi, message_en
    reward_names: dict[str, str]  # by locale

    @property
    def points_each(self) -> int:
        """Points one gift counts against ``max_points`` (none for a voucher)."""
        return self.points if self.gift_kind == GiftKind.POINTS else 0


async def spec_of(campaign: StoredCampaign) -> GiftSpec:
    names = {"vi": "", "en": ""}
    if campaign.reward:
        reward = await Reward.select(Reward.name_vi, Reward.name_en).where(Reward.id == campaign.reward).first()
        if reward:
            names = {"vi": reward["name_vi"], "en": reward["name_en"]}
    return GiftSpec(
        campaign_id=campaign.id,
        name=campaign.name,
        gift_kind=campaign.gift_kind,
        points=campaign.gift_points,
        reward_id=campaign.reward,
        valid_days=campaign.voucher_valid_days,
        texts=campaign.texts(),
        reward_names=names,
    )


async def reserve_budget(spec: GiftSpec, wanted: int) -> int:
    """Raise the campaign's counters for up to ``wanted`` gifts within the caps; how many fit."""
    return wanted if await take_budget(spec, wanted) else await take_what_is_left(spec, wanted)


async def take_what_is_left(spec: GiftSpec, wanted: int) -> int:
    """After :func:`take_budget` refused ``wanted``: lock the campaign row, raise the counters by
    what still fits, and return that (0 when the budget is spent)."""
    left = await budget_left(spec, wanted)
    if left and not await take_budget(spec, left):
        raise LedgerBroken(f"campaign {spec.campaign_id}: budget moved under a locked row")
    return left


async def take_budget(spec: GiftSpec, n: int) -> bool:
    """Raise the campaign's counters by ``n`` gifts if that stays within its caps (one guarded UPDATE)."""
    moved = await db.execute(
        "UPDATE campaign SET gifts_issued = gifts_issued + $1, points_given = points_given + $2 "
        "WHERE id = $3 AND (max_gifts IS NULL OR gifts_issued + $1 <= max_gifts) "
        "AND (max_points IS NULL OR points_given + $2 <= max_points)",
        n,
        n * spec.points_each,
        spec.campaign_id,
    )
    return moved == 1


async def budget_left(spec: GiftSpec, wanted: int) -> int:
    """How many of ``wanted`` gifts still fit the caps, with the campaign's row locked until the
    transaction ends (a no-key lock: the foreign-key checks of gift rows still pass it)."""
    row = await db.fetchrow(
        f"SELECT max_gifts, max_points, gifts_issued, points_given FROM campaign WHERE id = $1{db.for_no_key_update()}",
        spec.campaign_id,
    )
    assert row is not None, "a campaign being given is never deleted (its gifts point at it)"
    left = wanted
    if row["max_gifts"] is not None:
        left = min(left, int(row["max_gifts"]) - int(row["gifts_issued"]))
    if row["max_points"] is not None and spec.points_each:
        left = min(left, (int(row["max_points"]) - int(row["points_given"])) // spec.points_each)
    return max(left, 0)


async def give_back(spec: GiftSpec) -> None:
    """One gift counted against the budget was not given after all (a reward out of stock)."""
    await Campaign.update({Campaign.gifts_issued: Campaign.gifts_issued - 1}).where(Campaign.id == spec.campaign_id)
