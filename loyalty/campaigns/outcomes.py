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
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from loyalty.db import is_sqlite
from loyalty.events import EventKind
from loyalty.schema import Campaign, Member


@dataclass(frozen=True)
class Results:
    campaign_id: int
    name: str
    status: str
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


async def _one(sql: str, *args: Any) -> int:
    rows = await Member.raw(sql, *args)
    return int(rows[0]["n"] or 0) if rows else 0


async def _table_exists(name: str) -> bool:
    if is_sqlite():
        return bool(await _one("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = {}", name))
    return bool(await _one("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = {}", name))


def _event_campaign() -> str:
    if is_sqlite():
        return "CAST(json_extract(e.payload, '$.campaign_id') AS INTEGER)"
    return "CAST(CAST(e.payload AS jsonb) ->> 'campaign_id' AS BIGINT)"


async def results(campaign_id: int) -> Results:
    from loyalty.campaigns.lifecycle import CampaignNotFound

    row = await Campaign.select(Campaign.name, Campaign.status).where(Campaign.id == campaign_id).first()
    if row is None:
        raise CampaignNotFound(f"campaign {campaign_id} not found")
    gifts = await Member.raw(
        "SELECT COUNT(*) AS audience, "
        "SUM(CASE WHEN status = 'given' THEN 1 ELSE 0 END) AS given, "
        "SUM(CASE WHEN status = 'given' THEN points ELSE 0 END) AS points, "
        "SUM(CASE WHEN status = 'over_budget' THEN 1 ELSE 0 END) AS over_budget, "
        "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, "
        "SUM(CASE WHEN status = 'given' AND voucher IS NOT NULL THEN 1 ELSE 0 END) AS vouchers "
        "FROM campaign_gift WHERE campaign = {}",
        campaign_id,
    )
    g = {k: int(v or 0) for k, v in gifts[0].items()}
    # Voucher gifts are reported one event each, points gifts one event per batch: both name the campaign.
    kinds = f"'{EventKind.CAMPAIGN_GIFT.value}', '{EventKind.CAMPAIGN_GIFTS.value}'"
    events = f"e.kind IN ({kinds}) AND {_event_campaign()} = {{}}"
    pushes = inbox = read = 0
    if await _table_exists("inbox_message"):
        inbox = await _one(
            f"SELECT COUNT(*) AS n FROM inbox_message i JOIN domain_event e ON e.id = i.event WHERE {events}",
            campaign_id,
        )
        read = await _one(
            "SELECT COUNT(*) AS n FROM inbox_message i JOIN domain_event e ON e.id = i.event "
            f"WHERE i.read_at IS NOT NULL AND {events}",
            campaign_id,
        )
    if await _table_exists("delivery"):
        pushes = await _one(
            "SELECT COUNT(*) AS n FROM delivery d JOIN inbox_message i ON i.id = d.message "
            f"JOIN domain_event e ON e.id = i.event WHERE d.status = 'sent' AND {events}",
            campaign_id,
        )
    redeemed = await _one(
        "SELECT COUNT(*) AS n FROM campaign_gift g JOIN voucher v ON v.id = g.voucher "
        "WHERE g.campaign = {} AND v.status = 'redeemed'",
        campaign_id,
    )
    revenue = await _one(
        "SELECT COALESCE(SUM(p.amount - p.refunded_amount), 0) AS n FROM campaign_gift g "
        "JOIN voucher v ON v.id = g.voucher "
        "JOIN purchase p ON p.store = v.redeemed_store AND p.receipt_no = v.receipt_no "
        "WHERE g.campaign = {} AND v.status = 'redeemed'",
        campaign_id,
    )
    rate = redeemed * 1000 // g["vouchers"] if g["vouchers"] else 0
    return Results(
        campaign_id,
        row["name"],
        row["status"],
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


def to_csv(items: list[Results]) -> str:
    out = io.StringIO()
    names = [*asdict(items[0]).keys(), "redemption_rate"] if items else ["campaign_id"]
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    for item in items:
        writer.writerow({**asdict(item), "redemption_rate": item.redemption_rate})
    return out.getvalue()
