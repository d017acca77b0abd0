"""The channel health page (``templates/channels.html``): per day and channel, messages sent,
delivered, failed and their cost, in Vietnamese like the rest of the staff site.

Served by the API at ``/staff/channels`` and ``/staff/channels.csv`` under the admin's staff login.
"""

from __future__ import annotations

from typing import Any

from admin import formats
from admin.choices_vi import name_of
from loyalty.schema import MessageChannel
from notifications.channel_health import ChannelDay

TEMPLATE = "channels.html"
LABELS = ["Ngày", "Kênh", "Đã gửi", "Đã đến nơi", "Thất bại", "Chi phí"]
CSV_LABELS = [*LABELS[:-1], "Chi phí (đồng)"]  # the file keeps plain numbers for spreadsheets


def context(rows: list[ChannelDay], days: int, username: str) -> dict[str, Any]:
    shown = [
        {
            "day": formats.day(r.day),
            "channel": name_of(MessageChannel, r.channel),
            "figures": [formats.points(r.sent), formats.points(r.delivered), formats.points(r.failed)],
            "cost": formats.vnd(r.cost_vnd),
        }
        for r in rows
    ]
    return {
        "title": f"Tình trạng các kênh gửi tin ({days} ngày qua)",
        "labels": LABELS,
        "rows": shown,
        "days": days,
        "username": username,
    }
