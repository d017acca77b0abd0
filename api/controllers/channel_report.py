"""GET /staff/channels[.csv]: channel health per day (sent, delivered, failed, cost), behind the
admin's staff login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template

from admin import channel_report
from api.staff import current_staff
from api.staff_pages import NO_STORE, page
from notifications.channel_health import channel_health, to_csv

# Excel reads a CSV as the machine's legacy code page unless it opens with a UTF-8 byte order mark.
BOM = "\ufeff"
Days = Annotated[int, QueryParameter(ge=1, le=366)]


def _since(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


@get("/staff/channels", include_in_schema=False, media_type="text/html")
async def channel_health_page(request: Request[Any, Any, Any], days: Days = 30) -> Template:
    user = current_staff(request)
    rows = await channel_health(_since(days))
    return page(channel_report.TEMPLATE, channel_report.context(rows, days, user.username))


@get("/staff/channels.csv", include_in_schema=False, media_type="text/csv")
async def channel_health_csv(days: Days = 30) -> Response[bytes]:
    rows = await channel_health(_since(days))
    name = f"channel-health-{datetime.now(UTC).date().isoformat()}.csv"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response((BOM + to_csv(rows, channel_report.CSV_LABELS)).encode(), media_type="text/csv", headers=headers)


CHANNEL_REPORT_ROUTES = [channel_health_page, channel_health_csv]
