"""GET /staff/campaigns[/{id}|.csv]: campaign results pages and CSV, behind the admin's staff login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter

from admin.campaign_report import render_all, render_one
from admin.vip_upload import MAX_UPLOAD_BYTES, render_form, render_result
from api.staff import current_staff
from loyalty import audit, vip
from loyalty.audit import StaffActor
from loyalty.campaign_results import Results, results, to_csv
from loyalty.campaign_tables import Campaign
from loyalty.campaigns import CampaignNotFound
from loyalty.db import write_transaction
from loyalty.errors import DomainError

NO_STORE = {"Cache-Control": "no-store"}


async def _all() -> list[Results]:
    rows = await Campaign.select(Campaign.id).order_by(Campaign.id, ascending=False).limit(200)
    return [await results(row["id"]) for row in rows]


@get("/staff/campaigns", include_in_schema=False, media_type="text/html")
async def campaign_results_page(request: Request[Any, Any, Any]) -> Response[str]:
    user = current_staff(request)
    return Response(render_all(await _all(), user.username), media_type="text/html", headers=NO_STORE)


@get("/staff/campaigns/{campaign_id:int}", include_in_schema=False, media_type="text/html")
async def campaign_result_page(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Response[str]:
    user = current_staff(request)
    try:
        found = await results(campaign_id)
    except CampaignNotFound:
        return Response("<p>No such campaign.</p>", status_code=404, media_type="text/html")
    return Response(render_one(found, user.username), media_type="text/html", headers=NO_STORE)


@get("/staff/campaigns.csv", include_in_schema=False, media_type="text/csv")
async def campaign_results_csv(campaign: Annotated[int | None, QueryParameter(ge=1)] = None) -> Response[str]:
    try:
        items = [await results(campaign)] if campaign else await _all()
    except CampaignNotFound:
        return Response("no such campaign\n", status_code=404, media_type="text/plain")
    headers = {**NO_STORE, "Content-Disposition": "attachment; filename=campaign-results.csv"}
    return Response(to_csv(items), media_type="text/csv; charset=utf-8", headers=headers)


UPLOAD_COOKIE = "vip_upload_token"


@dataclass
class VipUpload:
    token: str
    group_id: int
    file: UploadFile


@get("/staff/vip/upload", include_in_schema=False, media_type="text/html")
async def vip_upload_page(request: Request[Any, Any, Any]) -> Response[str]:
    user = current_staff(request)
    token = secrets.token_urlsafe(24)
    page = render_form(await vip.groups(), token, user.username)
    response = Response(page, media_type="text/html", headers=NO_STORE)
    response.set_cookie(UPLOAD_COOKIE, token, path="/staff/vip", httponly=True, samesite="strict")
    return response


@post("/staff/vip/upload", include_in_schema=False, media_type="text/html", status_code=200)
async def vip_upload(
    request: Request[Any, Any, Any], data: Annotated[VipUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
) -> Response[str]:
    user = current_staff(request)
    expected = request.cookies.get(UPLOAD_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, data.token):
        return Response("<p>This form has expired: open it again.</p>", status_code=403, media_type="text/html")
    raw = await data.file.read(MAX_UPLOAD_BYTES + 1)
    groups = await vip.groups()
    if len(raw) > MAX_UPLOAD_BYTES:
        message = "<p class='error'>The file is larger than 2 MB.</p>"
        return Response(
            render_form(groups, data.token, user.username, message), status_code=413, media_type="text/html"
        )
    text = raw.decode("utf-8-sig", errors="replace")
    try:
        async with write_transaction():
            added = await vip.add_phones(data.group_id, text)
            await audit.record(
                StaffActor(user.id, user.username),
                "vip_group.upload",
                "vip_group",
                data.group_id,
                added=added.added,
                unmatched=len(added.unmatched),
                file=data.file.filename,
            )
    except DomainError as exc:
        message = f"<p class='error'>{escape(exc.detail)}</p>"
        return Response(
            render_form(groups, data.token, user.username, message), status_code=422, media_type="text/html"
        )
    page = render_form(groups, data.token, user.username, render_result(added))
    return Response(page, media_type="text/html", headers=NO_STORE)


CAMPAIGN_REPORT_ROUTES = [
    campaign_results_page,
    campaign_result_page,
    campaign_results_csv,
    vip_upload_page,
    vip_upload,
]
