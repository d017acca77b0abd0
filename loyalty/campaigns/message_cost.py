"""What a campaign's messages will cost, before it is launched, and its message budget.

Rules:

* Each member of the audience is counted on the channel their message would take: their
  preferred channel first, then push → Zalo → SMS → e-mail, among the campaign's channels only,
  where they gave that channel's marketing consent and can be reached on it (push: an active
  device; Zalo, SMS: a phone number; e-mail: an address). A member reachable on none is counted
  as unreached and costs nothing. One set-wise query.
* The estimate is per occurrence (a one-off campaign, or one holiday), at
  ``loyalty.settings.MESSAGE_PRICES`` (an SMS counted as one part).
* Launching is refused when the estimate exceeds the message budget; while sending, the
  notifications dispatcher counts each released message against ``message_cost_vnd`` with a
  guarded UPDATE and skips the rest ("message budget") once the budget is spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from loyalty import db
from loyalty.campaigns.audience import audience_of
from loyalty.campaigns.fields import StoredCampaign
from loyalty.campaigns.lifecycle import load_campaign
from loyalty.campaigns.params import Params
from loyalty.errors import InvalidInput
from loyalty.members import CHANNELS
from loyalty.settings import MESSAGE_PRICES, MessagePrices

UNREACHED = "none"


@dataclass(frozen=True, slots=True)
class CostEstimate:
    members: dict[str, int] = field(default_factory=dict)  # channel → members reached on it
    vnd: dict[str, int] = field(default_factory=dict)  # channel → estimated cost
    unreached: int = 0
    budget_vnd: int | None = None

    @property
    def total_vnd(self) -> int:
        return sum(self.vnd.values())

    def line(self) -> str:
        """One line for staff: each channel's members and cost, the total and the budget."""
        parts = [f"{channel}: {self.members[channel]} → {self.vnd[channel]:,} đ" for channel in self.members]
        budget = f"; budget {self.budget_vnd:,} đ" if self.budget_vnd is not None else ""
        shown = "; ".join(parts) or "no member reachable"
        return f"Estimated message cost: {shown}; total {self.total_vnd:,} đ{budget}; unreached {self.unreached}."


def _reachable(channel: str, p: Params) -> str:
    consented = (
        "EXISTS (SELECT 1 FROM consent c WHERE c.member = m.id AND c.channel = "
        f"{p.add(channel)} AND c.purpose = {p.add('marketing')} AND c.granted = {p.add(True)})"
    )
    if channel == "push":
        where = f"EXISTS (SELECT 1 FROM device d WHERE d.member = m.id AND d.active = {p.add(True)})"
    elif channel == "email":
        where = "m.email IS NOT NULL AND m.email <> ''"
    else:
        where = "m.phone IS NOT NULL AND m.phone <> ''"
    return f"({where} AND {consented})"


def _chosen(channels: list[str], p: Params) -> str:
    """The channel a member's message takes (the routing order over ``channels``), as SQL."""
    whens = [f"WHEN m.preferred_channel = {p.add(c)} AND {_reachable(c, p)} THEN {p.add(c)}" for c in channels]
    whens += [f"WHEN {_reachable(c, p)} THEN {p.add(c)}" for c in channels]
    return f"CASE {' '.join(whens)} ELSE {p.add(UNREACHED)} END"


async def estimate(
    campaign: StoredCampaign, *, prices: MessagePrices = MESSAGE_PRICES, now: datetime | None = None
) -> CostEstimate:
    """The campaign's message cost per channel for one occurrence to its audience now."""
    audience = await audience_of(campaign, now=now or datetime.now(UTC))
    p = audience.params()
    channels = [c for c in CHANNELS if c in campaign.channels.split(",")]
    rows = await db.fetch_tuples(
        f"SELECT chosen, COUNT(*) FROM (SELECT {_chosen(channels, p)} AS chosen "
        f"FROM {audience.from_clause} WHERE {audience.where}) x GROUP BY chosen",
        *p.values,
    )
    counts = {str(channel): int(n) for channel, n in rows}
    price = prices.per_message()
    reached = {c: counts[c] for c in channels if counts.get(c)}
    return CostEstimate(
        members=reached,
        vnd={c: n * price[c] for c, n in reached.items()},
        unreached=counts.get(UNREACHED, 0),
        budget_vnd=campaign.message_budget_vnd,
    )


async def campaign_estimate(campaign_id: int, *, prices: MessagePrices = MESSAGE_PRICES) -> CostEstimate:
    return await estimate(await load_campaign(campaign_id), prices=prices)


async def check_budget(campaign: StoredCampaign, *, prices: MessagePrices = MESSAGE_PRICES) -> None:
    """Refuse (``InvalidInput``) a launch whose estimated message cost exceeds its budget."""
    if campaign.message_budget_vnd is None:
        return
    found = await estimate(campaign, prices=prices)
    if found.total_vnd > campaign.message_budget_vnd:
        raise InvalidInput(
            f"the messages are estimated at {found.total_vnd:,} đ, over the message budget of "
            f"{campaign.message_budget_vnd:,} đ: raise the budget or choose cheaper channels",
            field="message_budget_vnd",
        )
