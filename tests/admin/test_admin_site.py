"""The staff site: served at /admin/, login through its HTTP API with a CSRF token."""

from __future__ import annotations

import httpx
from piccolo.apps.user.tables import BaseUser

from loyalty.members import stores
from loyalty.staff import Role
from tests.support.complaints import give_role


async def _staff(username: str = "mai", password: str = "a-long-Passw0rd") -> None:
    user = await BaseUser.create_user(username=username, password=password, active=True, admin=True, superuser=False)
    await give_role(user.id, Role.MANAGER)


async def test_admin_redirects_to_trailing_slash_and_serves_the_page(client: httpx.AsyncClient) -> None:
    redirect = await client.get("/admin")
    assert redirect.status_code in (301, 307, 308)
    assert redirect.headers["location"].endswith("/admin/")
    page = await client.get("/admin/")
    assert page.status_code == 200
    assert "<html" in page.text.lower()


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    await client.get("/admin/")
    csrf = client.cookies.get("csrftoken")
    assert csrf, "the admin sets a CSRF cookie"
    return await client.post(
        "/admin/public/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": csrf},
    )


async def test_staff_login_works_with_the_right_password(client: httpx.AsyncClient) -> None:
    await _staff()
    response = await _login(client, "mai", "a-long-Passw0rd")
    assert response.status_code == 200, response.text
    me = await client.get("/admin/api/user/", headers={"X-CSRFToken": client.cookies.get("csrftoken") or ""})
    assert me.status_code == 200 and me.json()["username"] == "mai"


async def test_staff_login_fails_with_a_wrong_password(client: httpx.AsyncClient) -> None:
    await _staff()
    response = await _login(client, "mai", "wrong-password")
    assert response.status_code in (401, 403)
    me = await client.get("/admin/api/user/")
    assert me.status_code == 401


async def test_login_without_csrf_header_is_refused(client: httpx.AsyncClient) -> None:
    await _staff()
    await client.get("/admin/")
    response = await client.post("/admin/public/login/", json={"username": "mai", "password": "a-long-Passw0rd"})
    assert response.status_code == 403


async def test_terminal_key_hash_is_never_shown_to_staff(client: httpx.AsyncClient, till: dict[str, object]) -> None:
    await _staff("root", "a-long-Passw0rd")
    await BaseUser.update({BaseUser.superuser: True}).where(BaseUser.username == "root")
    assert (await _login(client, "root", "a-long-Passw0rd")).status_code == 200
    headers = {"X-CSRFToken": client.cookies.get("csrftoken") or ""}
    listing = await client.get("/admin/api/tables/terminal/", headers=headers)
    assert listing.status_code == 200, listing.text
    rows = listing.json()["rows"]
    assert rows and all(not row.get("key_hash") for row in rows)
    single = await client.get(f"/admin/api/tables/terminal/{till['terminal_id']}/", headers=headers)
    assert single.status_code == 200 and not single.json().get("key_hash")
    secret_hash = stores.hash_key(str(till["key"]))
    for text in (listing.text, single.text):
        assert secret_hash not in text and str(till["key"]) not in text
