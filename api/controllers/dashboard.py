"""GET /staff/dashboard[.csv]: the programme's dashboard and each of its figures as CSV, behind
the staff login. The staff's landing page after signing in (``api.staff.HOME``)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template

from admin import dashboard_page
from api.controllers.campaign_report import BOM
from api.staff import current_staff
from api.staff_pages import NO_STORE, page
from loyalty import reports

Preset = Annotated[str | None, QueryParameter(name="preset", max_length=20)]
First = Annotated[date | None, QueryParameter(name="from")]
Last = Annotated[date | None, QueryParameter(name="to")]
GrainName = Annotated[str, QueryParameter(name="grain", max_length=20)]
StoreCode = Annotated[str, QueryParameter(name="store", max_length=40)]
Figure = Annotated[str, QueryParameter(name="figure", max_length=40)]


async def _read(
    preset: str | None, first: date | None, last: date | None, grain: str, store: str
) -> tuple[dashboard_page.Choice, list[reports.StoreChoice], reports.Dashboard]:
    now = datetime.now(UTC)
    stores = await reports.store_choices()
    choice = dashboard_page.choose(
        reports.local_today(now),
        {s.code: s.store_id for s in stores},
        preset=preset,
        first=first,
        last=last,
        grain=grain,
        store=store,
    )
    return choice, stores, await reports.dashboard(choice.period, now)


@get("/staff/dashboard", include_in_schema=False, media_type="text/html")
async def dashboard_view(
    request: Request[Any, Any, Any],
    preset: Preset = None,
    first: First = None,
    last: Last = None,
    grain: GrainName = "day",
    store: StoreCode = "",
) -> Template:
    user = current_staff(request)
    choice, stores, figures = await _read(preset, first, last, grain, store)
    names = {s.code: s.name for s in stores}
    return page(dashboard_page.TEMPLATE, dashboard_page.dashboard_context(figures, choice, names, user.username))


@get("/staff/dashboard.csv", include_in_schema=False, media_type="text/csv")
async def dashboard_csv(
    figure: Figure = "summary",
    preset: Preset = None,
    first: First = None,
    last: Last = None,
    grain: GrainName = "day",
    store: StoreCode = "",
) -> Response[bytes]:
    if figure not in reports.FIGURES:  # before any figure is read
        raise reports.UnknownFigure(f"no figure {figure!r}; the figures are {', '.join(reports.FIGURES)}")
    choice, _, figures = await _read(preset, first, last, grain, store)
    table = reports.figure_table(figures, figure)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    period = choice.period
    name = f"dashboard-{figure}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response((BOM + out.getvalue()).encode(), media_type="text/csv", headers=headers)


DASHBOARD_ROUTES = [dashboard_view, dashboard_csv]
