"""The campaign results pages (``templates/campaign.html``, ``templates/campaigns.html``): Piccolo
Admin 1.14 has no charts.

Served by the API at ``/staff/campaigns`` (all campaigns), ``/staff/campaigns/{id}`` and
``/staff/campaigns.csv`` under the admin's staff login (see ``admin.complaint_report``). Labels
are Vietnamese (English after " / " where a marketer may look for the usual term); figures are
written the Vietnamese way (``admin.formats``), times in the programme's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from admin import formats
from admin.choices_vi import name_of
from loyalty.campaigns import ChannelResult, Results
from loyalty.schema import CampaignStatus, MessageChannel

ONE_TEMPLATE = "campaign.html"
ALL_TEMPLATE = "campaigns.html"


def _rate(results: Results) -> str:
    return formats.permille(results.redemption_rate_per_mille)


def _count(key: str) -> Callable[[Results], str]:
    return lambda results: formats.points(int(getattr(results, key)))


ROWS: tuple[tuple[str, Callable[[Results], str]], ...] = (
    ("Hội viên được chọn / Audience", _count("audience")),
    ("Quà đã tặng / Gifts issued", _count("gifts_issued")),
    ("Điểm đã tặng / Points given", _count("points_given")),
    ("Chưa tặng: hết ngân sách / Budget reached", _count("over_budget")),
    ("Chưa tặng: phần thưởng hết hàng / Out of stock", _count("failed")),
    ("Thông báo đẩy đã đến / Pushes delivered", _count("pushes_delivered")),
    ("Tin trong hộp thư / Inbox messages", _count("inbox_messages")),
    ("Tin đã đọc / Inbox read", _count("inbox_read")),
    ("Phiếu đã tặng / Vouchers given", _count("vouchers_given")),
    ("Phiếu đã dùng / Vouchers redeemed", _count("vouchers_redeemed")),
    ("Tỷ lệ sử dụng phiếu / Redemption rate", _rate),
    ("Doanh thu từ hóa đơn dùng phiếu / Revenue", lambda r: formats.vnd(r.revenue)),
)
CHANNEL_LABELS = ("Kênh / Channel", "Lượt gửi / Deliveries", "Đã đến (gửi hoặc nhận) / Reached", "Chi phí / Cost")


def _figures(results: Results) -> list[str]:
    return [shown(results) for _, shown in ROWS]


def one_context(
    results: Results, username: str, channels: list[ChannelResult] | None = None, *, now: datetime
) -> dict[str, Any]:
    rows = list(zip((label for label, _ in ROWS), _figures(results), strict=True))
    by_channel = [
        (
            name_of(MessageChannel, c.channel),
            [formats.points(c.deliveries), formats.points(c.reached), formats.vnd(c.cost_vnd)],
        )
        for c in channels or []
    ]
    return {
        "title": f"Chiến dịch: {results.name}",
        "results": results,
        "status": name_of(CampaignStatus, results.status),
        "rows": rows,
        "channel_labels": CHANNEL_LABELS,
        "by_channel": by_channel,
        "as_of": formats.local_time(now),
        "username": username,
    }


def all_context(items: list[Results], username: str, *, now: datetime) -> dict[str, Any]:
    campaigns = [
        {"id": r.campaign_id, "name": r.name, "status": name_of(CampaignStatus, r.status), "figures": _figures(r)}
        for r in items
    ]
    return {
        "title": "Kết quả chiến dịch",
        "labels": [label for label, _ in ROWS],
        "campaigns": campaigns,
        "as_of": formats.local_time(now),
        "username": username,
    }
