"""GET /staff/campaigns[/{id}|.csv]: campaign results pages and CSV, behind the admin's staff login."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter

from admin.campaign_report import render_all, render_one
from api.staff import current_staff
from loyalty.campaign_results import Results, results, to_csv
from loyalty.campaign_tables import Campaign
from loyalty.campaigns import CampaignNotFound

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


CAMPAIGN_REPORT_ROUTES = [
    campaign_results_page,
    campaign_result_page,
    campaign_results_csv,
]
