"""GET /staff/campaigns[/{id}|.csv]: campaign results pages and CSV, behind the admin's staff login."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from admin import campaign_report as report_page
from api.staff import current_staff
from api.staff_pages import NO_STORE, page
from loyalty.campaigns import Results, channel_results, results, to_csv
from loyalty.db import MAX_ID
from loyalty.schema import Campaign

# Excel reads a CSV as the machine's legacy code page unless it opens with a UTF-8 byte order mark.
BOM = "\ufeff"
CampaignId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


async def _all() -> list[Results]:
    rows = await Campaign.select(Campaign.id).order_by(Campaign.id, ascending=False).limit(200)
    return [await results(row["id"]) for row in rows]


@get("/staff/campaigns", include_in_schema=False, media_type="text/html")
async def campaign_results_page(request: Request[Any, Any, Any]) -> Template:
    user = current_staff(request)
    return page(report_page.ALL_TEMPLATE, report_page.all_context(await _all(), user.username, now=datetime.now(UTC)))


@get("/staff/campaigns/{campaign_id:int}", include_in_schema=False, media_type="text/html")
async def campaign_result_page(request: Request[Any, Any, Any], campaign_id: CampaignId) -> Template:
    user = current_staff(request)
    found = await results(campaign_id)  # an unknown one: CampaignNotFound, the 404 page
    channels = await channel_results(campaign_id)
    context = report_page.one_context(found, user.username, channels, now=datetime.now(UTC))
    return page(report_page.ONE_TEMPLATE, context)


@get("/staff/campaigns.csv", include_in_schema=False, media_type="text/csv")
async def campaign_results_csv(
    campaign: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
) -> Response[bytes]:
    items = [await results(campaign)] if campaign else await _all()
    day = datetime.now(UTC).date().isoformat()
    name = f"campaign-{campaign}-results-{day}.csv" if campaign else f"campaign-results-{day}.csv"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    # Litestar adds "; charset=utf-8" to a text/* type itself.
    return Response((BOM + to_csv(items)).encode(), media_type="text/csv", headers=headers)


CAMPAIGN_REPORT_ROUTES = [
    campaign_results_page,
    campaign_result_page,
    campaign_results_csv,
]
