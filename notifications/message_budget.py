"""A campaign's message budget while sending: its channels, and the counter that stops it.

Rules (``loyalty.campaigns.message_cost`` has the estimate before launch):

* A campaign's messages take only the campaign's channels (``campaign.channels``).
* When a held marketing delivery of a campaign with a message budget is released, its price
  (``NotifySettings.prices``, from ``loyalty.settings``; an SMS counted as one part) is added to the campaign's
  ``message_cost_vnd`` by a guarded UPDATE (``… WHERE message_cost_vnd + cost <=
  message_budget_vnd``, the campaign rows locked on PostgreSQL in campaign id order, after the
  deliveries: one order on every path, so two workers never deadlock); a delivery that no
  longer fits is skipped, "message budget". What each delivery really cost is recorded when it is sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from loyalty import db
from loyalty.events import EventKind
from loyalty.settings import MessagePrices
from notifications.channels.base import Channel

# A message's campaign is named by its event's payload (the message's own data holds the id as
# displayed text, "1.234"); both campaign event kinds carry it.
KINDS = f"'{EventKind.CAMPAIGN_GIFT.value}', '{EventKind.CAMPAIGN_GIFTS.value}'"
CAMPAIGN_JOIN = (
    f"JOIN domain_event e ON e.id = im.event AND e.kind IN ({KINDS}) "
    f"JOIN campaign c ON c.id = {db.json_integer('e.payload', 'campaign_id')}"
)


async def campaign_channels(messages: Iterable[int]) -> dict[int, frozenset[Channel]]:
    """Message → the channels its campaign allows (messages of no campaign are not listed)."""
    ids = list(messages)
    if not ids:
        return {}
    rows = await db.fetch_tuples(
        f"SELECT im.id, c.channels FROM inbox_message im {CAMPAIGN_JOIN} WHERE {db.one_of('im.id', '$1')}",
        db.listed(ids),
    )
    known = set(Channel)
    return {
        int(message): frozenset(Channel(c) for c in str(channels).split(",") if c in known)
        for message, channels in rows
    }


async def within_budget(deliveries: list[int], prices: MessagePrices) -> tuple[list[int], list[int]]:
    """Split deliveries about to be released into (may go, over the message budget), counting
    those that go against their campaign's budget. Call inside the releasing transaction.

    Lock order: the caller holds the delivery rows (claimed ``SKIP LOCKED``, so never waited
    for); the campaign rows are then locked in campaign id order, whatever order the deliveries
    come in, and counted in that order: two workers releasing messages of the same campaigns
    queue on the first campaign instead of each holding one the other wants (a deadlock)."""
    if not deliveries:
        return [], []
    rows = await db.fetch_tuples(
        f"SELECT d.id, d.channel, c.id FROM delivery d JOIN inbox_message im ON im.id = d.message {CAMPAIGN_JOIN} "
        f"WHERE {db.one_of('d.id', '$1')} AND c.message_budget_vnd IS NOT NULL ORDER BY d.id",
        db.listed(deliveries),
    )
    if not rows:
        return list(deliveries), []
    left = {
        int(campaign): int(remaining)
        for campaign, remaining in await db.fetch_tuples(
            f"SELECT id, message_budget_vnd - message_cost_vnd FROM campaign WHERE {db.one_of('id', '$1')} "
            f"ORDER BY id{db.for_update()}",
            db.listed({int(campaign) for _, _, campaign in rows}),
        )
    }
    price = prices.per_message()
    spent: dict[int, int] = defaultdict(int)
    kept: dict[int, list[int]] = defaultdict(list)
    over: list[int] = []
    for delivery, channel, campaign in rows:
        cost = price.get(str(channel), 0)
        if spent[campaign] + cost <= left.get(campaign, 0):
            spent[campaign] += cost
            kept[campaign].append(delivery)
        else:
            over.append(delivery)
    for campaign in sorted(spent):
        if not spent[campaign]:
            continue
        # The rows are locked already; the guard still keeps the counter within the budget.
        counted = await db.fetch_tuples(
            "UPDATE campaign SET message_cost_vnd = message_cost_vnd + $1 "
            "WHERE id = $2 AND message_cost_vnd + $1 <= message_budget_vnd RETURNING id",
            spent[campaign],
            campaign,
        )
        if not counted:
            over.extend(kept.pop(campaign))
    out = set(over)
    return [d for d in deliveries if d not in out], over
