"""The campaign results pages (``templates/campaign.html``, ``templates/campaigns.html``): Piccolo
Admin 1.14 has no charts.

Served by the API at ``/staff/campaigns`` (all campaigns), ``/staff/campaigns/{id}`` and
``/staff/campaigns.csv`` under the admin's staff login (see ``admin.complaint_report``).
"""

from __future__ import annotations

from typing import Any

from loyalty.campaigns import ChannelResult, Results

ONE_TEMPLATE = "campaign.html"
ALL_TEMPLATE = "campaigns.html"
ROWS = (
    ("audience", "Audience (members chosen)"),
    ("gifts_issued", "Gifts issued"),
    ("points_given", "Points given"),
    ("over_budget", "Not given: budget reached"),
    ("failed", "Not given: reward out of stock"),
    ("pushes_delivered", "Pushes delivered"),
    ("inbox_messages", "Inbox messages"),
    ("inbox_read", "Inbox messages read"),
    ("vouchers_given", "Vouchers given"),
    ("vouchers_redeemed", "Vouchers redeemed"),
    ("redemption_rate", "Redemption rate"),
    ("revenue", "Revenue of the receipts that used them (đ)"),
)


def _figures(results: Results) -> list[object]:
    return [getattr(results, key) for key, _ in ROWS]


CHANNEL_LABELS = ("Channel", "Deliveries", "Reached (sent or delivered)", "Cost (đ)")


def one_context(results: Results, username: str, channels: list[ChannelResult] | None = None) -> dict[str, Any]:
    rows = list(zip((label for _, label in ROWS), _figures(results), strict=True))
    by_channel = [(c.channel, [c.deliveries, c.reached, c.cost_vnd]) for c in channels or []]
    return {
        "title": f"Campaign: {results.name}",
        "results": results,
        "rows": rows,
        "channel_labels": CHANNEL_LABELS,
        "by_channel": by_channel,
        "username": username,
    }


def all_context(items: list[Results], username: str) -> dict[str, Any]:
    campaigns = [{"id": r.campaign_id, "name": r.name, "status": r.status, "figures": _figures(r)} for r in items]
    return {
        "title": "Campaign results",
        "labels": [label for _, label in ROWS],
        "campaigns": campaigns,
        "username": username,
    }
