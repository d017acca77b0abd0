"""/api/v1/me/complaints: the member files complaints, follows them, writes, and rates them.

Cases are addressed by their public reference (``KN-2026-000123``); another member's case is
404. Only the customer-visible timeline leaves through here.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from api.auth import CallingMember
from api.idempotency import run_once
from api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from api.schemas_complaints import (
    CategoryOut,
    ComplaintCreated,
    ComplaintDetail,
    ComplaintIn,
    ComplaintPage,
    ComplaintSummary,
    MessageIn,
    RatingIn,
    TimelineOut,
)
from loyalty import complaints


def detail_out(view: complaints.CaseView) -> ComplaintDetail:
    case = view.case
    return ComplaintDetail(
        id=case.reference,
        status=case.status,
        category=view.category_code,
        channel=case.channel,
        store_code=view.store_code,
        description=case.description,
        photos=view.photo_count,
        created_at=case.created_at,
        updated_at=case.updated_at,
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        resolved_at=case.resolved_at,
        rating=case.rating_score,
        rating_comment=case.rating_comment,
        can_rate=case.can_rate,
        timeline=[TimelineOut(line.at, line.kind, line.author, line.body) for line in view.timeline],
    )


class ComplaintsController(Controller):
    path = "/me/complaints"
    tags = ["complaints"]

    @post("", status_code=201, summary="File a complaint (Idempotency-Key accepted)")
    async def file(
        self, request: Request[Any, Any, Any], member: CallingMember, data: JSONBody[ComplaintIn]
    ) -> Response[Any]:
        photos = complaints.decode_photos(data.photos)

        async def change(_: str | None) -> ComplaintCreated:
            case = await complaints.file_from_app(
                member.id,
                category=data.category,
                description=data.description,
                store_code=data.store_code,
                photos=photos,
            )
            return ComplaintCreated(
                case.reference, case.status, data.category, case.created_at, case.first_response_due
            )

        return await run_once(request, f"complaint:{member.id}", data, change)

    @get("", summary="The member's complaints, newest first")
    async def list_cases(self, member: CallingMember, limit: Limit = 20, cursor: Cursor = None) -> ComplaintPage:
        rows = await complaints.member_cases(member.id, limit=limit + 1, after_id=decode_cursor("kn", cursor))
        page = rows[:limit]
        items = [_summary(found) for found in page]
        return ComplaintPage(items, encode_cursor("kn", page[-1].case.id) if len(rows) > limit else None)

    @get("/{reference:str}", summary="One complaint with its timeline")
    async def get_case(self, member: CallingMember, reference: FromPath[str]) -> ComplaintDetail:
        return detail_out(await complaints.member_case(member.id, reference))

    @post("/{reference:str}/messages", status_code=201, summary="Write to the staff handling the case")
    async def message(
        self,
        request: Request[Any, Any, Any],
        member: CallingMember,
        reference: FromPath[str],
        data: JSONBody[MessageIn],
    ) -> Response[Any]:
        async def change(_: str | None) -> ComplaintDetail:
            await complaints.member_message(member.id, reference, data.body)
            return detail_out(await complaints.member_case(member.id, reference))

        return await run_once(request, f"complaint-message:{member.id}:{reference}", data, change)

    @post("/{reference:str}/rating", status_code=201, summary="Rate a resolved case, once (409 otherwise)")
    async def rating(
        self, member: CallingMember, reference: FromPath[str], data: JSONBody[RatingIn]
    ) -> ComplaintDetail:
        await complaints.rate(member.id, reference, data.score, data.comment)
        return detail_out(await complaints.member_case(member.id, reference))


@get("/complaint-categories", tags=["complaints"], summary="Categories a complaint can be filed under")
async def complaint_categories(member: CallingMember) -> list[CategoryOut]:
    return [CategoryOut(c.code, c.name) for c in await complaints.categories(member.locale)]


def _summary(found: complaints.CaseSummary) -> ComplaintSummary:
    case = found.case
    return ComplaintSummary(
        id=case.reference,
        status=case.status,
        category=found.category_code,
        channel=case.channel,
        store_code=found.store_code,
        created_at=case.created_at,
        updated_at=case.updated_at,
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        resolved_at=case.resolved_at,
        rating=case.rating_score,
    )
