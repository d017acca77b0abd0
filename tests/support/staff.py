"""Staff signed in over HTTP, as the browser does it: the admin's login with its CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.support.complaints import PASSWORD, staff


@asynccontextmanager
async def staff_http(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own address (the admin limits logins per address), not signed in yet."""
    transport = httpx.ASGITransport(app=app, client=(address, 4300))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def sign_in(http: httpx.AsyncClient, username: str = "hoa") -> dict[str, str]:
    """Sign ``username`` (created on first use) in through the admin; the CSRF header for its forms."""
    await staff(username)
    await http.get("/admin/")
    csrf = http.cookies.get("csrftoken") or ""
    login = await http.post(
        "/admin/public/login/", json={"username": username, "password": PASSWORD}, headers={"X-CSRFToken": csrf}
    )
    assert login.status_code == 200, login.text
    return {"X-CSRFToken": http.cookies.get("csrftoken") or csrf}
