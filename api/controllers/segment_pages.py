"""GET/POST /staff/segments…: the segment builder, its live count and the pickers' look-ups.

Marketers build a segment from rows instead of typing JSON (``admin.segment_builder``); Save turns
the rows into the same filter the admin's "Save a segment" form takes and calls
``loyalty.campaigns.save_segment`` (which validates and audits). The page works without a script
(the rows post as form fields); ``segments.js`` adds rows, fits each value's input to its field
and counts the audience as the rows change (``POST /staff/segments/count``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from admin import pickers
from admin.segment_builder import JOINS, definition_from_rows, rows_from_definition, rows_from_form
from admin.segment_page import LIST_TEMPLATE, SAMPLE, TEMPLATE, builder_context, segment_list
from api.staff import current_staff
from api.staff_form_token import FIELD, token_for, token_matches, with_token
from api.staff_pages import error_page, page
from loyalty import campaigns
from loyalty.audit import StaffActor
from loyalty.db import MAX_ID
from loyalty.errors import DomainError
from loyalty.schema import Segment

SegmentId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Query = Annotated[str, QueryParameter(max_length=100)]
Saved = Annotated[bool, QueryParameter()]
STATUS = {"invalid": 422, "conflict": 409, "not_found": 404}
EXPIRED = "Biểu mẫu đã hết hạn: hãy mở lại trang / This form has expired: open the page again."


def form_lists(form: Any) -> dict[str, list[str]]:
    """A posted form as name → every value (a multiple select or checkboxes send several)."""
    return {key: [str(v) for v in form.getall(key)] for key in dict.fromkeys(form)}


def not_saved(exc: DomainError) -> str:
    """A domain refusal in the staff's language first (the domain's own words follow)."""
    if exc.kind == "conflict":
        return f"Chưa lưu: trùng tên hoặc không được sửa / Not saved: {exc.detail}"
    if exc.detail.startswith(("Dòng", "Thêm", "Chọn", "Tối đa")):
        return exc.detail
    return f"Chưa lưu: dữ liệu chưa đúng / Not saved: {exc.detail}"


@get("/staff/segments", include_in_schema=False, media_type="text/html")
async def segments_page(request: Request[Any, Any, Any]) -> Template:
    user = current_staff(request)
    return page(LIST_TEMPLATE, {"username": user.username, "segments": await segment_list()})


@get("/staff/segments/new", include_in_schema=False, media_type="text/html")
async def new_segment_page(request: Request[Any, Any, Any]) -> Template:
    user = current_staff(request)
    token = token_for(request)
    return with_token(page(TEMPLATE, await builder_context(user.username, token)), token)


@get("/staff/segments/{segment_id:int}", include_in_schema=False, media_type="text/html")
async def segment_page(request: Request[Any, Any, Any], segment_id: SegmentId, saved: Saved = False) -> Template:
    user = current_staff(request)
    row = await Segment.select().where(Segment.id == segment_id).first()
    if row is None:
        return error_page(404, f"Không có phân khúc {segment_id} / no segment {segment_id}")
    definition = await campaigns.definition_of(segment_id)
    found = rows_from_definition(definition)
    join, rows = found or ("and", [])
    token = token_for(request)
    context = await builder_context(
        user.username,
        token,
        segment_id=segment_id,
        name=str(row["name"]) + (" (bản sao)" if row["builtin"] else ""),
        description=str(row["description"]),
        join=join,
        rows=rows,
        builtin=bool(row["builtin"]),
        nested=found is None,
        definition=json.dumps(definition, ensure_ascii=False, indent=2) if found is None else "",
        saved=saved,
        preview=await campaigns.preview(definition, sample=SAMPLE),
    )
    return with_token(page(TEMPLATE, context), token)


async def _save(request: Request[Any, Any, Any], segment_id: int | None) -> Template | Redirect:
    user = current_staff(request)
    form = form_lists(await request.form())
    if not token_matches(request, (form.get(FIELD) or [""])[0]):
        return error_page(403, EXPIRED)
    name = (form.get("name") or [""])[0]
    description = (form.get("description") or [""])[0][:1000]
    join = (form.get("join") or ["and"])[0]
    rows = rows_from_form(form)
    try:
        definition = definition_from_rows(join, rows)
        saved_id = await campaigns.save_segment(
            name, definition, description=description, segment_id=segment_id, actor=StaffActor(user.id, user.username)
        )
    except DomainError as exc:
        context = await builder_context(
            user.username,
            token_for(request),
            segment_id=segment_id,
            name=name,
            description=description,
            join=join if join in JOINS else "and",
            rows=[row for row in rows if not row.blank],
            error=not_saved(exc),
        )
        return page(TEMPLATE, context, status_code=STATUS.get(exc.kind, 422))
    return Redirect(f"/staff/segments/{saved_id}?saved=true", status_code=303)


@post("/staff/segments/new", include_in_schema=False, media_type="text/html", status_code=200)
async def create_segment(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _save(request, None)


@post("/staff/segments/{segment_id:int}", include_in_schema=False, media_type="text/html", status_code=200)
async def change_segment(request: Request[Any, Any, Any], segment_id: SegmentId) -> Template | Redirect:
    return await _save(request, segment_id)


@post("/staff/segments/count", include_in_schema=False, status_code=200)
async def count_segment(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The audience of the rows as they stand (the builder's form, posted by its script): how many
    members, and the first few. Bad rows: 422 problem+json naming the row."""
    form = form_lists(await request.form())
    definition = definition_from_rows((form.get("join") or ["and"])[0], rows_from_form(form), need_one=False)
    shown = await campaigns.preview(definition, sample=SAMPLE)
    return {
        "count": shown.count,
        "sample": [{"name": s.name or s.public_id, "phone": s.phone or ""} for s in shown.sample],
        "definition": definition,
    }


@get("/staff/api/segments", include_in_schema=False)
async def find_segments(q: Query = "") -> list[pickers.Choice]:
    await campaigns.install_builtins()
    return await pickers.segments(q)


@get("/staff/api/vip-groups", include_in_schema=False)
async def find_vip_groups(q: Query = "") -> list[pickers.Choice]:
    return await pickers.vip_groups(q)


@get("/staff/api/members", include_in_schema=False)
async def find_members(phone: Query = "") -> list[pickers.Choice]:
    return await pickers.members(phone)


@get("/staff/api/rewards", include_in_schema=False)
async def find_rewards(q: Query = "") -> list[pickers.Choice]:
    return await pickers.rewards(q)


SEGMENT_PAGE_ROUTES = [
    segments_page,
    new_segment_page,
    segment_page,
    create_segment,
    change_segment,
    count_segment,
    find_segments,
    find_vip_groups,
    find_members,
    find_rewards,
]
