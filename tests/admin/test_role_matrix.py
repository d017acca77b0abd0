"""Every table API call, every form and every /staff page of the real app, for every role, with a
real signed-in session: allowed or refused exactly as ``admin.permissions`` says. A table, form
or page the matrix does not list fails here first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from piccolo.table import Table

from admin import permissions
from admin.access import NO_ROLE_LINK, NO_ROLE_PAGE, SYSTEM_TABLES
from admin.access import REFUSAL as SYSTEM_REFUSAL
from admin.role_access import NO_ROLE
from admin.site import FORMS, SERVED, SIDEBAR_LINKS
from api.staff import LOGIN_PAGE
from api.staff_pages import STATIC_PATH
from loyalty.members import record_member
from loyalty.schema import Store
from loyalty.staff import Role
from tests.admin.test_rewards_admin import PNG
from tests.support.admin_rows import row_in
from tests.support.complaints import staff
from tests.support.staff import sign_in, staff_http

# Who signs in: each role, a superuser (acts as a manager and opens the system tables) and an
# account without a role.
WHO: dict[str, Role | None] = {
    "manager": Role.MANAGER,
    "marketing": Role.MARKETING,
    "care": Role.CARE,
    "store": Role.STORE,
    "superuser": None,
    "no-role": None,
}
TABLE_NAMES = [config.table_class._meta.tablename for config in SERVED]
SYSTEM_NAMES = {table._meta.tablename for table in SYSTEM_TABLES}
STORE_CODE = "Q1"
# A concrete address for each /staff route (the rows need not exist: a 404 is an allowed answer).
EXAMPLE_ARGS = {
    "{reference:str}": "KN-2026-000001",
    "{photo_id:int}": "1",
    "{campaign_id:int}": "1",
    "{segment_id:int}": "1",
    "{member_id:int}": "1",
}


def _role(who: str) -> Role | None:
    return Role.MANAGER if who == "superuser" else WHO[who]


def _role_refused(answer: httpx.Response) -> bool:
    """403 from the role check (the matrix), not from a table's write policy or another rule."""
    return answer.status_code == 403 and ("Vai trò" in answer.text or NO_ROLE in answer.text)


@pytest.fixture
async def signed_in(
    app: Any, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    who: str = request.param
    await Store(code=STORE_CODE, name="Thân Thiết Quận 1").save()
    await staff(
        who,
        superuser=who == "superuser",
        role=WHO[who] if who not in ("superuser", "no-role") else None,
        store_code=STORE_CODE if who == "store" else "",
        limit_vnd=50_000 if who == "care" else 0,
    )
    async with staff_http(app) as http:
        headers = await sign_in(http, who)
        yield http, headers


def _staff_route_methods() -> dict[str, set[str]]:
    """Every /staff route of the real app (but the login and the stylesheet) and its methods."""
    from api.app import app

    return {
        route.path: set(route.methods)
        for route in app.routes
        if route.path.startswith("/staff") and route.path != LOGIN_PAGE and not route.path.startswith(STATIC_PATH)
    }


def test_the_matrix_names_every_table_form_and_staff_page_of_the_app() -> None:
    pages = set(_staff_route_methods())
    assert sorted(pages - set(permissions.PAGES)) == [], "a /staff page missing from admin.permissions.PAGES"
    assert sorted(set(permissions.PAGES) - pages) == [], "admin.permissions.PAGES names a page the app lacks"
    assert sorted(set(TABLE_NAMES) ^ set(permissions.TABLES)) == [], "tables served vs admin.permissions.TABLES"
    assert sorted({form.slug for form in FORMS} ^ set(permissions.FORMS)) == [], "forms vs admin.permissions.FORMS"
    assert all(url in permissions.PAGES or url in permissions.LINKS for url in SIDEBAR_LINKS.values())


@pytest.mark.parametrize("signed_in", list(WHO), indirect=True)
async def test_every_table_api_call_answers_as_the_matrix_says(
    signed_in: tuple[httpx.AsyncClient, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    http, headers = signed_in
    who = request.node.callspec.params["signed_in"]
    role, superuser = _role(who), who == "superuser"
    rows: dict[str, int] = {}
    for config in SERVED:
        table: type[Table] = config.table_class
        rows[table._meta.tablename] = await row_in(table)
    wrong: list[str] = []

    def expect(name: str, call: str, answer: httpx.Response, allowed: bool) -> None:
        assert answer.status_code < 500, (name, call, answer.status_code, answer.text)
        if allowed and (answer.status_code in (401, 403) or _role_refused(answer)):
            wrong.append(f"{name} {call}: refused ({answer.status_code}) but allowed")
        if not allowed and answer.status_code not in (403, 405):
            wrong.append(f"{name} {call}: answered {answer.status_code} but refused")

    for name in TABLE_NAMES:
        url = f"/admin/api/tables/{name}/"
        system_ok = superuser or name not in SYSTEM_NAMES
        read = permissions.may_read(role, name) and system_ok
        write = permissions.may_write(role, name) and system_ok
        listed = await http.get(url, params={"__page_size": 1})
        expect(name, "list", listed, read)
        if not system_ok and permissions.may_read(role, name):  # a manager, not a superuser
            assert SYSTEM_REFUSAL in listed.text, (name, listed.text)
        expect(name, "count", await http.get(f"{url}count/"), read)
        expect(name, "schema", await http.get(f"{url}schema/"), read)
        expect(name, "new", await http.get(f"{url}new/"), read)
        # Colleagues' names (an assignee, an author) are read by every role, store included.
        names_ok = name == "piccolo_user" and (role is not None or superuser)
        if who != "store":  # a store account reads its own store's rows by id (test_store_scope.py)
            expect(name, "row", await http.get(f"{url}{rows[name]}/"), read)
        if who != "store" or names_ok:
            expect(name, "ids", await http.get(f"{url}ids/", params={"limit": 1}), read or names_ok)
        create = await http.post(url, json={}, headers=headers)
        update = await http.patch(f"{url}{rows[name]}/", json={}, headers=headers)
        for call, answer in (("create", create), ("update", update)):
            assert answer.status_code < 500, (name, call, answer.text)
            if write and _role_refused(answer):
                wrong.append(f"{name} {call}: refused by role but allowed")
            if not write and answer.status_code not in (403, 405):
                wrong.append(f"{name} {call}: answered {answer.status_code} but refused")
    assert wrong == []


@pytest.mark.parametrize("signed_in", list(WHO), indirect=True)
async def test_every_form_answers_as_the_matrix_says(
    signed_in: tuple[httpx.AsyncClient, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    http, headers = signed_in
    who = request.node.callspec.params["signed_in"]
    role = _role(who)
    wrong: list[str] = []
    for form in FORMS:
        allowed = permissions.may_send(role, form.slug)
        url = f"/admin/api/forms/{form.slug}/"
        # An empty body: refused by the role, or by the form's own validation (or done, for a form
        # that needs nothing), never by the role when allowed.
        for call, answer in (
            ("page", await http.get(url)),
            ("schema", await http.get(f"{url}schema/")),
            ("post", await http.post(url, json={}, headers=headers)),
        ):
            assert answer.status_code < 500, (form.slug, call, answer.text)
            if allowed == _role_refused(answer):
                wrong.append(f"{form.slug} {call}: {answer.status_code} (allowed: {allowed})")
            if not allowed:
                assert "không được dùng biểu mẫu này" in answer.text or NO_ROLE in answer.text
    listed = {f["slug"] for f in (await http.get("/admin/api/forms/")).json()}
    grouped = (await http.get("/admin/api/forms/grouped/")).json()
    in_groups = {f["slug"] for forms in grouped["grouped"].values() for f in forms} | {
        f["slug"] for f in grouped["ungrouped"]
    }
    expected = {form.slug for form in FORMS if permissions.may_send(role, form.slug)}
    assert listed == in_groups == expected
    assert all(forms for forms in grouped["grouped"].values())  # no empty group in the sidebar
    assert wrong == []


@pytest.mark.parametrize("signed_in", list(WHO), indirect=True)
async def test_every_staff_page_and_the_sidebar_answer_as_the_matrix_says(
    signed_in: tuple[httpx.AsyncClient, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    http, headers = signed_in
    who = request.node.callspec.params["signed_in"]
    role, superuser = _role(who), who == "superuser"
    wrong: list[str] = []
    methods = _staff_route_methods()
    for page, roles in permissions.PAGES.items():
        path = page
        for arg, value in EXAMPLE_ARGS.items():
            path = path.replace(arg, value)
        # A page's GET; a route that only takes a POST (a form's action) is sent an empty one.
        method = "GET" if "GET" in methods[page] else "POST"
        answer = await http.request(method, path, headers={"Accept": "text/html", **headers})
        assert answer.status_code < 500, (path, answer.text)
        allowed = role in roles
        # A form's own refusal (an expired form token) is a 403 too, never the role's words.
        by_role = answer.status_code == 403 and ("không được mở trang này" in answer.text or NO_ROLE in answer.text)
        if allowed and (answer.status_code in (303, 401) or by_role):
            wrong.append(f"{path}: {answer.status_code} but allowed")
        if not allowed:
            if answer.status_code != 403:
                wrong.append(f"{path}: {answer.status_code} but refused")
            else:
                assert "Không được phép" in answer.text  # the error page, in Vietnamese
                assert (NO_ROLE if role is None else "không được mở trang này") in answer.text
    assert wrong == []

    tables = (await http.get("/admin/api/tables/")).json()
    expected = [t for t in TABLE_NAMES if permissions.may_read(role, t) and (superuser or t not in SYSTEM_NAMES)]
    assert sorted(tables) == sorted(expected)
    grouped = (await http.get("/admin/api/tables/grouped/")).json()
    shown = [*(t for names in grouped["grouped"].values() for t in names), *grouped["ungrouped"]]
    assert sorted(shown) == sorted(expected)
    assert all(grouped["grouped"].values())  # no empty group in the sidebar
    links = (await http.get("/admin/api/links/")).json()
    if role is None:  # one link, to the page that says the account has no role yet
        assert links == {NO_ROLE_LINK: NO_ROLE_PAGE}
    else:
        assert set(links.values()) == {url for url in SIDEBAR_LINKS.values() if permissions.may_open(role, url)}


def test_the_staff_docs_list_every_line_of_the_matrix() -> None:
    page = (Path(__file__).parents[2] / "docs" / "staff-admin.md").read_text(encoding="utf-8")
    missing = [key for key in (*permissions.TABLES, *permissions.FORMS, *permissions.PAGES) if f"`{key}`" not in page]
    assert missing == [], "docs/staff-admin.md: add these to the roles' table"


@pytest.mark.parametrize("signed_in", ["marketing", "care"], indirect=True)
async def test_an_upload_to_a_reward_image_needs_a_role_that_writes_rewards(
    signed_in: tuple[httpx.AsyncClient, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    http, headers = signed_in
    who = request.node.callspec.params["signed_in"]
    upload = await http.post(
        "/admin/api/media/",
        headers=headers,
        data={"table_name": "reward", "column_name": "image"},
        files={"file": ("coffee.png", PNG, "image/png")},
    )
    if permissions.may_write(_role(who), "reward"):
        assert upload.status_code == 200, upload.text
    else:
        assert _role_refused(upload), upload.text


@pytest.mark.parametrize("signed_in", ["manager", "marketing", "care"], indirect=True)
async def test_the_member_page_offers_only_the_actions_the_role_may_send(
    signed_in: tuple[httpx.AsyncClient, dict[str, str]], request: pytest.FixtureRequest
) -> None:
    http, _ = signed_in
    role = _role(request.node.callspec.params["signed_in"])
    member = await record_member("0907654321", "Chị Lan")
    shown = await http.get(f"/staff/members/{member.id}", headers={"Accept": "text/html"})
    assert shown.status_code == 200, shown.text
    anchors = {"points": 'id="adjust"', "voucher": 'id="voucher"', "vip": 'id="vip"', "complaint": 'id="complaint"'}
    anchors["erase"] = 'id="erase"'
    offered = {action for action, anchor in anchors.items() if anchor in shown.text}
    assert offered == {a for a in anchors if permissions.may_open(role, f"/staff/members/{{member_id:int}}/{a}")}
