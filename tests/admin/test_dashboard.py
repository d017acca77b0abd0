"""/staff/dashboard: the landing page after the staff login, its figures formatted the Vietnamese
way, each with a CSV that holds the same numbers, and bad input answered 4xx."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from admin.charts import columns
from admin.formats import local_time, permille, points, vnd
from tests.support.complaints import PASSWORD, staff
from tests.support.dashboard import seed_november
from tests.support.staff import sign_in, staff_http

NOVEMBER = "preset=custom&from=2026-11-01&to=2026-11-30&grain=week"


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


def _csv(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_amounts_points_rates_and_times_are_written_the_vietnamese_way() -> None:
    assert vnd(3_500_000) == "3.500.000\u00a0₫"
    assert points(12_345) == "12.345" and points(-1_200) == "-1.200" and points(7) == "7"
    assert permille(58) == "5,8\u00a0%" and permille(None) == "–" and permille(1000) == "100,0\u00a0%"
    assert local_time(datetime(2026, 12, 1, 6, 20, tzinfo=UTC)) == "01/12/2026 13:20"  # UTC+7
    assert local_time(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "01/12/2026 00:30"


async def test_the_staff_login_lands_on_the_dashboard(staff_client: httpx.AsyncClient) -> None:
    await staff("hoa")
    form_page = await staff_client.get("/staff/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', form_page.text)
    assert token is not None
    signed_in = await staff_client.post(
        "/staff/login", data={"csrftoken": token.group(1), "username": "hoa", "password": PASSWORD}
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/dashboard"
    landing = await staff_client.get("/staff/dashboard")
    assert landing.status_code == 200 and "Tổng quan chương trình" in landing.text


async def test_the_admins_sidebar_links_the_dashboard(staff_client: httpx.AsyncClient) -> None:
    headers = await sign_in(staff_client)
    links = await staff_client.get("/admin/api/links/", headers=headers)
    assert links.status_code == 200 and "/staff/dashboard" in str(links.json())


async def test_the_page_shows_novembers_figures_formatted_and_the_csv_holds_the_same(
    staff_client: httpx.AsyncClient,
) -> None:
    await seed_november(datetime.now(UTC))
    await sign_in(staff_client)
    page = await staff_client.get(f"/staff/dashboard?{NOVEMBER}")
    assert page.status_code == 200, page.text
    html = page.text
    cards = dict(re.findall(r'<b id="([a-z0-9_]+)" data-value="(-?\d*)">', html))
    shown = dict(re.findall(r'<b id="([a-z0-9_]+)" data-value="-?\d*">([^<]*)</b>', html))
    assert shown["liability_vnd"] == "152.000\u00a0₫" and "1.520 điểm × 100\u00a0₫" in html
    assert shown["points_issued"] == "1.700" and shown["breakage_permille"] == "5,8\u00a0%"
    assert shown["redemption_permille"] == "23,5\u00a0%" and shown["complaints_breach_permille"] == "–"
    summary = dict(
        (name, value) for name, value in _csv(await staff_client.get(f"/staff/dashboard.csv?{NOVEMBER}"))[1:]
    )
    for figure, value in cards.items():  # every card is a row of the summary CSV, with the same number
        assert summary[figure] == value, figure
    assert summary["points_owed"] == "1520" and summary["members_total"] == "4"
    weeks = _csv(await staff_client.get(f"/staff/dashboard.csv?figure=points&{NOVEMBER}"))
    assert weeks[0] == ["bucket", "issued", "redeemed", "expired", "adjusted", "reversed"]
    assert weeks[1] == ["2026-10-26", "1000", "0", "0", "0", "0"] and len(weeks) == 7
    assert "<th scope='row'>26/10/2026</th><td>1.000</td>" in html  # the same row on the page
    stores = _csv(await staff_client.get(f"/staff/dashboard.csv?figure=stores&{NOVEMBER}"))
    assert [row[0] for row in stores[1:]] == ["Q1", "", "Q3"] and stores[1][2:] == ["1000", "0", "0", "-30", "0"]
    # Four charts drawn by the server, nothing fetched from elsewhere.
    assert html.count("<svg ") == 4 and "<script" not in html and "http" not in html.replace("http://www.w3.org", "")
    narrowed = await staff_client.get(f"/staff/dashboard.csv?{NOVEMBER}&store=Q1")
    assert dict((n, v) for n, v in _csv(narrowed)[1:])["points_issued"] == "1000"


async def test_each_preset_and_grain_opens(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    for query in ("", "preset=7d", "preset=90d&grain=week", "preset=month&grain=month"):
        assert (await staff_client.get(f"/staff/dashboard?{query}")).status_code == 200, query
    for figure in ("tiers", "rewards", "campaigns", "members"):
        assert len(_csv(await staff_client.get(f"/staff/dashboard.csv?figure={figure}"))) >= 1


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01&to=2026-12-01",  # no such date
        "from=yesterday&to=2026-12-01",
        "from=2026-12-01&to=2026-11-01",  # backwards
        "from=2020-01-01&to=2026-12-01",  # more than two years
        "from=0001-01-01&to=0001-01-02",
        "from=2026-11-01",  # one end only
        "preset=forever",
        "grain=hour",
        "store=NOPE",
        "store=" + "x" * 200,
    ],
)
async def test_bad_input_is_a_4xx_page_never_a_500(staff_client: httpx.AsyncClient, query: str) -> None:
    await sign_in(staff_client)
    for path in ("/staff/dashboard", "/staff/dashboard.csv"):
        answer = await staff_client.get(f"{path}?{query}", headers={"Accept": "text/html"})
        assert 400 <= answer.status_code < 500, (path, query, answer.status_code)
        assert "<html" in answer.text, (path, query)


async def test_an_unknown_figure_is_a_404_problem(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    answer = await staff_client.get("/staff/dashboard.csv?figure=secrets", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")


async def test_signed_out_the_dashboard_sends_to_the_login(staff_client: httpx.AsyncClient) -> None:
    answer = await staff_client.get("/staff/dashboard?preset=7d")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/staff/login?next=/staff/dashboard")


def test_a_chart_is_drawn_to_scale_with_whole_gridlines() -> None:
    chart = columns("c", "t", ["a", "b"], [("x", [1000, 250]), ("y", [-5, 0])])
    assert [g.label for g in chart.gridlines] == ["0", "250", "500", "750", "1.000"]
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 4 * heights[1] and heights[2:] == [0, 0]  # below zero is drawn as nothing
    assert chart.bars[0].title == "a · x: 1.000"
    assert [g.label for g in columns("c", "t", ["a"], [("x", [1])]).gridlines] == ["0", "1", "2", "3", "4"]
