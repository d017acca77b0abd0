"""The complaints report page (``templates/complaint_report.html``): Piccolo Admin 1.14 has no charts.

Served by the API at ``/staff/reports/complaints`` under the same staff login as the admin: the
admin's session cookie (``id``) is checked against piccolo_api's session table, and only an
active admin user sees the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from loyalty.complaints import Report

SESSION_COOKIE = "id"
TEMPLATE = "complaint_report.html"


async def staff_for_session(token: str | None) -> BaseUser | None:
    """The active admin user behind an admin session cookie, or None."""
    if not token or len(token) > 200:
        return None
    user_id = await SessionsBase.get_user_id(token)
    if not user_id:
        return None
    user = await BaseUser.objects().where(BaseUser.id == user_id).first()
    if user is None or not user.active or not user.admin:
        return None
    return user


@dataclass(frozen=True)
class Row:
    name: str
    counts: list[int]
    total: int


@dataclass(frozen=True)
class WeekTable:
    title: str
    rows: list[Row]


def _minutes(value: int | None) -> str:
    if value is None:
        return "–"
    hours, minutes = divmod(value, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} ngày {hours} giờ"
    return f"{hours} giờ {minutes:02d} phút" if hours else f"{minutes} phút"


def _table(title: str, names: list[str], weeks: list[date], counts: dict[tuple[date, str], int]) -> WeekTable:
    rows = []
    for name in names:
        per_week = [counts.get((w, name), 0) for w in weeks]
        rows.append(Row(name, per_week, sum(per_week)))
    return WeekTable(title, rows)


def _decimal(tenths: int) -> str:
    """Tenths the Vietnamese way, with a decimal comma (``4,0``)."""
    return f"{tenths / 10:.1f}".replace(".", ",")


def report_context(report: Report, username: str) -> dict[str, Any]:
    breach = "–" if report.breach_permille is None else f"{_decimal(report.breach_permille)} %"
    satisfaction = (
        "–" if report.satisfaction_tenths is None else f"{_decimal(report.satisfaction_tenths)} / 5 ({report.rated})"
    )
    return {
        "report": report,
        "weeks": [f"{w:%d/%m}" for w in report.weeks],
        "first_response": _minutes(report.median_first_response_minutes),
        "resolution": _minutes(report.median_resolution_minutes),
        "breach": breach,
        "satisfaction": satisfaction,
        "tables": [
            _table("Hồ sơ theo loại và tuần", report.categories, report.weeks, report.by_category),
            _table("Hồ sơ theo cửa hàng và tuần", report.stores, report.weeks, report.by_store),
        ],
        "username": username,
    }
