"""GET /staff/reports/complaints: the complaints report page, behind the admin's staff login."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter

from admin.complaint_report import SESSION_COOKIE, render, staff_for_session
from loyalty.complaint_reports import complaint_report


@get("/staff/reports/complaints", include_in_schema=False, media_type="text/html")
async def complaint_report_page(
    request: Request[Any, Any, Any], weeks: Annotated[int, QueryParameter(ge=1, le=52)] = 8
) -> Response[str]:
    user = await staff_for_session(request.cookies.get(SESSION_COOKIE))
    if user is None:
        # A browser is sent to log in; the page is never shown without a staff session.
        return Response("", status_code=303, headers={"Location": "/admin/"})
    report = await complaint_report(datetime.now(UTC), weeks=weeks)
    return Response(render(report, user.username), media_type="text/html", headers={"Cache-Control": "no-store"})
