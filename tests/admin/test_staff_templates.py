"""The staff pages are Jinja templates: one layout linking one stylesheet, no inline styles, and
every value a page shows escaped, whoever typed it (a member, a customer on the phone, staff)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from admin.pages import STATIC_DIR, TEMPLATE_DIR
from loyalty import campaigns, complaints, members
from loyalty.members import record_member
from loyalty.schema import ComplaintCategory
from tests.support.complaints import seed_desk, staff
from tests.support.staff import sign_in, staff_http

# Both kinds of quote and a closing tag: an attribute or a script broken open would show it.
HOSTILE = '<script>alert("x\'y")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#39;y&#34;)&lt;/script&gt;"
STYLESHEET = '<link rel="stylesheet" href="/staff/static/staff.css">'
HTML = {"Accept": "text/html"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


def _templated(answer: httpx.Response, status: int = 200) -> str:
    """The page's HTML, after checking it is a page of the shared layout."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"
    page = answer.text
    assert page.startswith("<!doctype html>\n<html lang=")
    assert page.count(STYLESHEET) == 1
    assert "<style" not in page.lower() and " style=" not in page.lower()
    assert "<a href='/admin/'>← Về trang quản trị / Back to the admin</a>" in page
    return page


def _escaped(page: str) -> None:
    assert ESCAPED in page
    assert "<script" not in page and "x'y" not in page and '"x' not in page


async def _hostile_programme() -> dict[str, Any]:
    """Everything the staff pages show, each named or written with HOSTILE."""
    await seed_desk()
    await ComplaintCategory(code=HOSTILE, name_vi=HOSTILE, name_en=HOSTILE).save()
    await members.create_store("Q9", HOSTILE)
    agent = await staff("an")
    await record_member("0907654321", name=HOSTILE)
    case = await complaints.log_by_staff(
        agent, category=HOSTILE, description=HOSTILE, channel="phone", phone="0907654321", store_code="Q9"
    )
    await complaints.reply(case.reference, agent, HOSTILE, visible=False)
    campaign = await campaigns.create_campaign(
        {
            "name": HOSTILE,
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 10,
            "schedule": "birthday",
            "title_vi": "Quà",
            "title_en": "Gift",
            "message_vi": "Tặng $points điểm",
            "message_en": "$points points",
        }
    )
    group = await campaigns.create_group(HOSTILE)
    return {"case": case.reference, "campaign": campaign, "group": group}


async def test_every_staff_page_is_the_shared_layout_with_every_value_escaped(
    staff_client: httpx.AsyncClient,
) -> None:
    made = await _hostile_programme()
    await sign_in(staff_client, HOSTILE)  # the signed-in line shows the staff member's name
    for path in (
        "/staff/complaints",
        f"/staff/complaints/{made['case']}",
        "/staff/reports/complaints",
        "/staff/campaigns",
        f"/staff/campaigns/{made['campaign']}",
        "/staff/vip/upload",
        "/staff/dashboard",
    ):
        page = _templated(await staff_client.get(path))
        _escaped(page)
        assert f"Signed in as {ESCAPED}" in page, path
    case_page = _templated(await staff_client.get(f"/staff/complaints/{made['case']}"))
    # The customer's name, the category (its name and code), the description, the internal note,
    # the signed-in staff member both in the line and among the staff a case may be assigned to.
    assert case_page.count(ESCAPED) == 7
    report = _templated(await staff_client.get("/staff/reports/complaints"))
    assert f"<th scope='row'>{ESCAPED}</th>" in report  # the category's row, in its table and the recurring one


async def test_the_vip_pages_results_escape_what_the_file_held(staff_client: httpx.AsyncClient) -> None:
    made = await _hostile_programme()
    await sign_in(staff_client)
    form = _templated(await staff_client.get("/staff/vip/upload"))
    assert f"<option value='{made['group']}'>{ESCAPED}</option>" in form
    token = form.split("name='token' value='")[1].split("'")[0]
    # A customer list as exported from a till: the member's name beside the phone.
    upload = f"name,phone\n{HOSTILE},0907654321\n".encode()
    posted = await staff_client.post(
        "/staff/vip/upload",
        data={"token": token, "group_id": str(made["group"])},
        files={"file": ("khach.csv", upload, "text/csv")},
    )
    page = _templated(posted)
    _escaped(page)
    assert f"<li>{ESCAPED}</li>" in page and "<strong>1 added</strong>" in page
    refused = await staff_client.post(
        "/staff/vip/upload",
        data={"token": token, "group_id": str(made["group"])},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert "<p class='error'>Paste some numbers or choose a file.</p>" in _templated(refused, 422)


@pytest.mark.parametrize("signed_in", [True, False])
async def test_a_page_no_route_answers_under_staff_is_the_html_error_page(
    staff_client: httpx.AsyncClient, signed_in: bool
) -> None:
    # Routing fails before any handler or guard runs: the app's template engine renders the page.
    if signed_in:
        await sign_in(staff_client)
    missing = _templated(await staff_client.get("/staff/no-such-page", headers=HTML), 404)
    assert "<title>404 · Không tìm thấy · Not found</title>" in missing and '<html lang="vi">' in missing
    assert "Signed in as" not in missing
    wrong_method = _templated(await staff_client.delete("/staff/campaigns", headers=HTML), 405)
    assert "Không hỗ trợ thao tác này" in wrong_method
    no_file = _templated(await staff_client.get("/staff/static/missing.css", headers=HTML), 404)
    assert "Không tìm thấy" in no_file


async def test_an_error_page_escapes_the_detail_it_repeats(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    answer = await staff_client.get("/staff/complaints/%3Cb%20onclick=%22x'y%22%3E", headers=HTML)
    page = _templated(answer, 404)
    assert "no complaint" in page and "&lt;b onclick=&#34;x" in page
    assert "<b onclick" not in page


async def test_the_stylesheet_is_served_as_css_to_anyone(staff_client: httpx.AsyncClient) -> None:
    # Signed out too: the error pages that link it are.
    answer = await staff_client.get("/staff/static/staff.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.headers["cache-control"] == "max-age=3600"
    assert answer.content == (STATIC_DIR / "staff.css").read_bytes()
    assert "font-family" in answer.text
    outside = await staff_client.get("/staff/static/..%2F..%2Fpages.py", headers=HTML)
    assert outside.status_code == 404 and "environment" not in outside.text


async def test_the_stylesheet_route_is_not_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert not [path for path in document["paths"] if path.startswith("/staff")]


def test_every_template_extends_the_layout_and_none_styles_itself() -> None:
    templates = sorted(TEMPLATE_DIR.glob("*.html"))
    assert TEMPLATE_DIR / "base.html" in templates and len(templates) > 1
    for template in templates:
        text = template.read_text()
        assert "<style" not in text and "style=" not in text, template.name
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, template.name
        if template.name != "base.html":
            assert text.startswith('{% extends "base.html" %}'), template.name
    assert list(STATIC_DIR.glob("*.css")) == [STATIC_DIR / "staff.css"]


def test_no_page_is_built_as_html_in_python() -> None:
    markup = re.compile(r"<(!doctype|html|head|body|style|table|p|h1|ul|form)[\s>]", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("api", "admin", "notifications", "loyalty")
        for path in sorted((ROOT / package).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if markup.search(line)
    ]
    assert found == []
