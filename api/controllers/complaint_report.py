"""GET /staff/reports/complaints: the complaints report page, behind the admin's staff login."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.response import Template

from admin import case_page
from admin import complaint_report as report_page
from api.staff import current_staff
from api.staff_pages import page
from loyalty import complaints
from loyalty.complaints import complaint_report
from loyalty.db import MAX_ID
from loyalty.errors import NotFound

# A case reference as the desk writes it (KN-<year>-<6 digits or more>): anything else is no case,
# and never reaches the database (a NUL byte there is an error on PostgreSQL, not a miss).
REFERENCE = re.compile(r"KN-\d{4}-\d{6,10}", re.IGNORECASE)


@get("/staff/reports/complaints", include_in_schema=False, media_type="text/html")
async def complaint_report_page(
    request: Request[Any, Any, Any], weeks: Annotated[int, QueryParameter(ge=1, le=52)] = 8
) -> Template:
    user = current_staff(request)
    report = await complaint_report(datetime.now(UTC), weeks=weeks)
    return page(report_page.TEMPLATE, report_page.report_context(report, user.username))


@get("/staff/complaints", include_in_schema=False, media_type="text/html")
async def complaint_case_list(request: Request[Any, Any, Any]) -> Template:
    """Open cases, most urgent first, each linking to its case page."""
    user = current_staff(request)
    cases = await complaints.open_cases()
    return page(case_page.LIST_TEMPLATE, case_page.case_list_context(cases, user.username))


@get("/staff/complaints/{reference:str}", include_in_schema=False, media_type="text/html")
async def complaint_case_page(request: Request[Any, Any, Any], reference: FromPath[str]) -> Template:
    """One case with its whole timeline (internal notes too) and photos, for the desk."""
    user = current_staff(request)
    if not REFERENCE.fullmatch(reference.strip()):
        raise NotFound(f"no complaint {reference[:40]!r}")
    view = await complaints.staff_case(reference)
    return page(case_page.TEMPLATE, case_page.case_context(view, view.photo_ids, user.username))


@get("/staff/complaints/photos/{photo_id:int}", include_in_schema=False)
async def complaint_photo(photo_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)]) -> Response[bytes]:
    found = await complaints.photo(photo_id)
    return Response(found.content, media_type=found.content_type, headers={"Cache-Control": "private, no-store"})
