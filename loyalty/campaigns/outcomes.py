"""What a campaign achieved, counted in SQL (a report: read-only, one query per figure).

* ``audience``: members chosen for its occurrences (gift rows of any status).
* ``gifts_issued`` / ``points_given``: gifts given (points are the gift rows' points).
* ``over_budget`` / ``failed``: members chosen but not given (caps reached, reward out of stock).
* ``pushes_delivered``: push deliveries sent for the campaign's gift events (one per voucher gift,
  one per batch of points gifts), when the notifications tables exist (they belong to another
  app; read by name, never imported);
  ``inbox_messages`` / ``inbox_read``: its inbox messages, and how many were opened.
* ``vouchers_redeemed`` and ``redemption_rate`` (redeemed ÷ voucher gifts given, per mille, so
  integers only), ``revenue``: đồng (net of refunds) of the receipts the vouchers were redeemed
  on, matched by (store, receipt number) to ``Purchase``.
* ``channel_results``: its messages' deliveries, those that reached the member (sent or
  delivered) and their cost in đồng, per channel.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from loyalty import db
from loyalty.campaigns.lifecycle import CampaignNotFound
from loyalty.events import EventKind
from loyalty.schema import Campaign, CampaignStatus, GiftStatus, VoucherStatus


@dataclass(frozen=True, slots=True)
class Results:
    campaign_id: int
    name: str
    status: CampaignStatus
    audience: int
    gifts_issued: int
    points_given: int
    over_budget: int
    failed: int
    pushes_delivered: int
    inbox_messages: int
    inbox_read: int
    vouchers_given: int
    vouchers_redeemed: int
    redemption_rate_per_mille: int
    revenue: int

    @property
    def redemption_rate(self) -> str:
        return f"{self.redemption_rate_per_mille / 10:.1f}%"


async def _count(sql: str, *args: Any) -> int:
    row = await db.fetchrow(sql, *args)
    return int(row["n"] or 0) if row else 0


async def _table_exists(name: str) -> bool:
    return bool(await _count(f"SELECT CASE WHEN {db.table_exists('$1')} THEN 1 ELSE 0 END AS n", name))


# Voucher gifts are reported one event each, points gifts one event per batch: both name the campaign.
_KINDS = f"'{EventKind.CAMPAIGN_GIFT.value}', '{EventKind.CAMPAIGN_GIFTS.value}'"
_EVENTS = f"e.kind IN ({_KINDS}) AND {db.json_integer('e.payload', 'campaign_id')} = $1"


async def results(campaign_id: int) -> Results:
    row = await Campaign.select(Campaign.name, Campaign.status).where(Campaign.id == campaign_id).first()
    if row is None:
        raise CampaignNotFound(f"campaign {campaign_id} not found")
    given, over, failed = GiftStatus.GIVEN, GiftStatus.OVER_BUDGET, GiftStatus.FAILED
    gifts = await db.fetchrow(
        "SELECT COUNT(*) AS audience, "
        f"SUM(CASE WHEN status = '{given}' THEN 1 ELSE 0 END) AS given, "
        f"SUM(CASE WHEN status = '{given}' THEN points ELSE 0 END) AS points, "
        f"SUM(CASE WHEN status = '{over}' THEN 1 ELSE 0 END) AS over_budget, "
        f"SUM(CASE WHEN status = '{failed}' THEN 1 ELSE 0 END) AS failed, "
        f"SUM(CASE WHEN status = '{given}' AND voucher IS NOT NULL THEN 1 ELSE 0 END) AS vouchers "
        "FROM campaign_gift WHERE campaign = $1",
        campaign_id,
    )
    assert gifts is not None  # an aggregate always has its row
    g = {k: int(v or 0) for k, v in gifts.items()}
    events = _EVENTS
    pushes = inbox = read = 0
    if await _table_exists("inbox_message"):
        inbox = await _count(
            f"SELECT COUNT(*) AS n FROM inbox_message i JOIN domain_event e ON e.id = i.event WHERE {events}",
            campaign_id,
        )
        read = await _count(
            "SELECT COUNT(*) AS n FROM inbox_message i JOIN domain_event e ON e.id = i.event "
            f"WHERE i.read_at IS NOT NULL AND {events}",
            campaign_id,
        )
    if await _table_exists("delivery"):
        # 'sent' is the notifications app's DeliveryStatus.SENT (read by name, never imported).
        pushes = await _count(
            "SELECT COUNT(*) AS n FROM delivery d JOIN inbox_message i ON i.id = d.message "
            f"JOIN domain_event e ON e.id = i.event WHERE d.status = 'sent' AND {events}",
            campaign_id,
        )
    redeemed = await _count(
        "SELECT COUNT(*) AS n FROM campaign_gift g JOIN voucher v ON v.id = g.voucher "
        f"WHERE g.campaign = $1 AND v.status = '{VoucherStatus.REDEEMED}'",
        campaign_id,
    )
    revenue = await _count(
        "SELECT COALESCE(SUM(p.amount - p.refunded_amount), 0) AS n FROM campaign_gift g "
        "JOIN voucher v ON v.id = g.voucher "
        "JOIN purchase p ON p.store = v.redeemed_store AND p.receipt_no = v.receipt_no "
        f"WHERE g.campaign = $1 AND v.status = '{VoucherStatus.REDEEMED}'",
        campaign_id,
    )
    rate = redeemed * 1000 // g["vouchers"] if g["vouchers"] else 0
    return Results(
        campaign_id,
        row["name"],
        CampaignStatus(row["status"]),
        g["audience"],
        g["given"],
        g["points"],
        g["over_budget"],
        g["failed"],
        pushes,
        inbox,
        read,
        g["vouchers"],
        redeemed,
        rate,
        revenue,
    )


@dataclass(frozen=True, slots=True)
class ChannelResult:
    """A campaign's messages on one channel: deliveries made, reached (sent or delivered), cost."""

    channel: str
    deliveries: int
    reached: int
    cost_vnd: int


async def channel_results(campaign_id: int) -> list[ChannelResult]:
    """Deliveries and cost per channel of the campaign's messages (one query; none without the
    notifications tables)."""
    if not await _table_exists("delivery"):
        return []
    rows = await db.fetch_tuples(
        "SELECT d.channel, COUNT(*), SUM(CASE WHEN d.status IN ('sent', 'delivered') THEN 1 ELSE 0 END), "
        "SUM(d.cost_vnd) FROM delivery d JOIN inbox_message i ON i.id = d.message "
        f"JOIN domain_event e ON e.id = i.event WHERE {_EVENTS} GROUP BY d.channel ORDER BY d.channel",
        campaign_id,
    )
    return [ChannelResult(str(c), int(n or 0), int(r or 0), int(v or 0)) for c, n, r, v in rows]


def to_csv(items: list[Results]) -> str:
    out = io.StringIO()
    names = [*asdict(items[0]).keys(), "redemption_rate"] if items else ["campaign_id"]
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    for item in items:
        writer.writerow({**asdict(item), "redemption_rate": item.redemption_rate})
    return out.getvalue()
