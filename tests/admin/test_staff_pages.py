"""The /staff pages answer a browser with pages: errors as a readable page, and after signing in the
page that was asked for. The JSON API keeps its problem+json."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser

from api.staff import safe_next
from loyalty.campaigns import vip
from tests.support.complaints import PASSWORD, staff
from tests.support.staff import sign_in, staff_http

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


def _is_error_page(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "<a href='/admin/'>← Về trang quản trị / Back to the admin</a>" in answer.text
    assert "{" not in answer.text.split("<body>")[1]  # no JSON document in the page


async def test_an_unknown_case_is_a_not_found_page(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    answer = await staff_client.get("/staff/complaints/KN-2026-999999", headers=HTML)
    _is_error_page(answer, 404)
    assert "Không tìm thấy" in answer.text and "Not found" in answer.text and "KN-2026-999999" in answer.text


async def test_a_bad_query_is_a_bad_request_page(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    answer = await staff_client.get("/staff/reports/complaints?weeks=abc", headers=HTML)
    _is_error_page(answer, 400)
    assert "Yêu cầu không hợp lệ" in answer.text and "weeks" in answer.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/staff/complaints/KN-0000-000000", 404),
        ("/staff/complaints/KN%00-2026-000001", 404),
        ("/staff/complaints/%00", 404),
        ("/staff/complaints/" + "9" * 300, 404),
        ("/staff/complaints/photos/99999999999999999999", 404),
        ("/staff/complaints/photos/424242", 404),
        ("/staff/reports/complaints?weeks=0", 400),
        ("/staff/reports/complaints?weeks=99999999999999999999", 400),
        ("/staff/reports/complaints?weeks=%00", 422),
        ("/staff/campaigns/424242", 404),
        ("/staff/campaigns/99999999999999999999", 404),
        ("/staff/campaigns/2147483648", 404),  # campaigns keep 32-bit ids
        ("/staff/complaints/photos/2147483648", 404),
        ("/staff/campaigns/-1", 404),
        ("/staff/campaigns/abc", 404),
        ("/staff/campaigns.csv?campaign=424242", 404),
        ("/staff/campaigns.csv?campaign=99999999999999999999", 400),
        ("/staff/campaigns.csv?campaign=x%00", 422),
        ("/staff/no-such-page", 404),
    ],
)
async def test_bad_input_on_any_staff_page_is_a_page_never_a_crash(
    staff_client: httpx.AsyncClient, path: str, status: int
) -> None:
    await sign_in(staff_client)
    _is_error_page(await staff_client.get(path, headers=HTML), status)


async def test_a_bad_upload_post_is_a_page(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    page = await staff_client.get("/staff/vip/upload")
    token = page.text.split("name='token' value='")[1].split("'")[0]
    empty = {"file": ("", b"", "application/octet-stream")}  # a multipart post, as the page's form sends
    posted = await staff_client.post(
        "/staff/vip/upload", data={"token": token, "group_id": "abc"}, files=empty, headers=HTML
    )
    _is_error_page(posted, 400)
    wrong_method = await staff_client.delete("/staff/campaigns", headers=HTML)
    _is_error_page(wrong_method, 405)
    forged = await staff_client.post(
        "/staff/vip/upload", data={"token": "forged", "group_id": "1"}, files=empty, headers=HTML
    )
    _is_error_page(forged, 403)


async def test_a_json_client_still_gets_problem_json(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    answer = await staff_client.get("/staff/complaints/KN-2026-999999", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "complaint_not_found"
    api = await staff_client.get("/api/v1/me", headers=HTML)
    assert api.status_code == 401 and api.headers["content-type"].startswith("application/problem+json")


async def _login_form(http: httpx.AsyncClient, location: str) -> dict[str, str]:
    page = await http.get(location)
    assert page.status_code == 200 and 'name="password"' in page.text.replace("'", '"'), page.text
    return {"csrftoken": http.cookies.get("csrftoken") or "", "format": "html"}


async def test_signing_in_from_a_staff_link_lands_on_that_page(staff_client: httpx.AsyncClient) -> None:
    await staff("hoa")
    group = await vip.create_group("Khách Tết")
    asked = await staff_client.get("/staff/campaigns.csv?campaign=7&x=1")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/staff/login?next=/staff/campaigns.csv%3Fcampaign%3D7%26x%3D1"
    asked = await staff_client.get("/staff/vip/upload")
    location = asked.headers["location"]
    assert location == "/staff/login?next=/staff/vip/upload"
    form = await _login_form(staff_client, location)
    wrong = await staff_client.post(location, data={**form, "username": "hoa", "password": "wrong"})
    assert "The username or password is incorrect." in wrong.text and "id" not in staff_client.cookies
    signed_in = await staff_client.post(location, data={**form, "username": "hoa", "password": PASSWORD})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/vip/upload"
    landed = await staff_client.get(signed_in.headers["location"])
    assert landed.status_code == 200 and "Khách Tết" in landed.text and f"value='{group}'" in landed.text
    # The same session opens the admin too.
    assert (await staff_client.get("/admin/api/user/")).json()["username"] == "hoa"


async def test_wrong_passwords_on_the_staff_login_lock_out_only_the_attackers_address(app: Any) -> None:
    await staff("hoa")
    location = "/staff/login?next=/staff/campaigns"
    async with staff_http(app) as attacker, staff_http(app) as owner:
        form = await _login_form(attacker, location)
        tries = [
            (await attacker.post(location, data={**form, "username": "hoa", "password": f"guess {n}"})).status_code
            for n in range(12)
        ]
        assert tries[-1] == 429 and 429 not in tries[:10]  # ADMIN_LOGIN_FAILURES_PER_USER is 10
        form = await _login_form(owner, location)
        signed_in = await owner.post(location, data={**form, "username": "hoa", "password": PASSWORD})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/campaigns"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com/staff/",
        "/\\evil.com",
        "/%5Cevil.com",
        "\\\\evil.com",
        "/staff/../..//evil.com",
        "javascript:alert(1)",
        "/ staff",
        "http:/staff/",
        "",
    ],
)
async def test_the_login_never_sends_anyone_to_another_site(staff_client: httpx.AsyncClient, target: str) -> None:
    await staff("hoa")
    location = str(httpx.URL("/staff/login", params={"next": target}))
    form = await _login_form(staff_client, location)
    signed_in = await staff_client.post(location, data={**form, "username": "hoa", "password": PASSWORD})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/dashboard"


async def test_a_return_target_with_a_line_break_is_refused_and_sets_no_header(staff_client: httpx.AsyncClient) -> None:
    # Control characters in a query are refused at the edge for every route, the login included.
    location = str(httpx.URL("/staff/login", params={"next": "/staff/\r\nSet-Cookie: a=b"}))
    refused = await staff_client.get(location, headers={"Accept": "text/html"})
    _is_error_page(refused, 422)
    assert "a=b" not in refused.headers.get("set-cookie", "") and "location" not in refused.headers


def test_only_local_staff_and_admin_pages_are_return_targets() -> None:
    assert safe_next("/staff/complaints/KN-2026-000001") == "/staff/complaints/KN-2026-000001"
    assert safe_next("/staff/campaigns.csv?campaign=3") == "/staff/campaigns.csv?campaign=3"
    assert (
        safe_next("/admin/#/forms/add-phone-numbers-to-a-vip-group")
        == "/admin/#/forms/add-phone-numbers-to-a-vip-group"
    )
    for bad in ("//evil.com", "https://evil.com", "/\\evil.com", "/health", "evil.com", "/staff/\x00", None):
        assert safe_next(bad) == "/staff/dashboard"


async def test_a_member_account_cannot_sign_in_on_the_staff_login(staff_client: httpx.AsyncClient) -> None:
    await BaseUser.create_user(username="khach", password=PASSWORD, active=True, admin=False)
    location = "/staff/login?next=/staff/campaigns"
    form = await _login_form(staff_client, location)
    refused = await staff_client.post(location, data={**form, "username": "khach", "password": PASSWORD})
    assert refused.status_code == 401 and "not a staff account" in refused.text
    assert "id" not in staff_client.cookies
    nul = await staff_client.post(location, data={**form, "username": "kh\x00ach", "password": PASSWORD})
    assert nul.status_code == 401 and "incorrect" in nul.text and "id" not in staff_client.cookies
