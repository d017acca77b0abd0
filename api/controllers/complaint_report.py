"""The complaints desk's staff pages: the report, the open cases, and each case with its actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from admin import case_page
from admin import complaint_report as report_page
from api import case_actions
from api.errors import STATUS_BY_KIND
from api.staff import current_staff
from api.staff_form_token import token_for, token_matches, with_token
from api.staff_pages import error_page, page
from loyalty import complaints
from loyalty.audit import StaffActor
from loyalty.complaints import CaseNotFound, complaint_report
from loyalty.db import MAX_ID
from loyalty.errors import DomainError, NotFound

# A case reference as the desk writes it (KN-<year>-<6 digits or more>): anything else is no case,
# and never reaches the database (a NUL byte there is an error on PostgreSQL, not a miss).
REFERENCE = re.compile(r"KN-\d{4}-\d{6,10}", re.IGNORECASE)
# The case page's forms carry the staff pages' token (api.staff_form_token): another site cannot
# post on a case in a signed-in staff member's name.
EXPIRED = "Biểu mẫu đã hết hạn: hãy mở lại trang hồ sơ / The form has expired: open the case again."


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
async def complaint_case_page(
    request: Request[Any, Any, Any], reference: FromPath[str], done: FromQuery[str] = ""
) -> Template:
    """One case with its whole timeline (internal notes too), photos and the desk's actions."""
    user = current_staff(request)
    desk = await complaints.desk_case(_known(reference))
    token = token_for(request)
    context = case_page.case_context(desk, user.username, token, datetime.now(UTC), done=done[:20])
    return with_token(page(case_page.TEMPLATE, context), token)


@post("/staff/complaints/{reference:str}", include_in_schema=False, media_type="text/html", status_code=303)
async def complaint_case_action(request: Request[Any, Any, Any], reference: FromPath[str]) -> Response[Any]:
    """One of the case page's forms: the desk's function with the staff actor, then back to the page."""
    user = current_staff(request)
    reference = _known(reference)
    # A browser sends a text box's line breaks as CRLF: the desk keeps plain newlines.
    raw = await request.form()
    form = {key: str(value)[: complaints.MAX_TEXT + 1].replace("\r\n", "\n") for key, value in raw.items()}
    if not token_matches(request, form.get("token", "")):
        return error_page(403, EXPIRED)
    actor = StaffActor(user.id, user.username)
    try:
        done = await case_actions.carry_out(reference, actor, form)
    except CaseNotFound:
        raise  # no such case: the 404 page
    except DomainError as exc:
        desk = await complaints.desk_case(reference)
        context = case_page.case_context(
            desk, user.username, form["token"], datetime.now(UTC), error=case_page.error_vi(exc), typed=form
        )
        return page(case_page.TEMPLATE, context, status_code=STATUS_BY_KIND.get(exc.kind, 422))
    case = await complaints.get_case(reference)
    return Redirect(f"/staff/complaints/{case.reference}?done={done}", status_code=303)


def _known(reference: str) -> str:
    if not REFERENCE.fullmatch(reference.strip()):
        raise NotFound(f"no complaint {reference[:40]!r}")
    return reference.strip()


@get("/staff/complaints/photos/{photo_id:int}", include_in_schema=False)
async def complaint_photo(photo_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)]) -> Response[bytes]:
    found = await complaints.photo(photo_id)
    return Response(found.content, media_type=found.content_type, headers={"Cache-Control": "private, no-store"})
