"""Staff signed in over HTTP, as the browser does it: the admin's login with its CSRF token."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.support.complaints import PASSWORD, staff

_addresses = itertools.count(1)


@asynccontextmanager
async def staff_http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client from an address of its own (the logins limit sign-ins per address), not signed in."""
    n = next(_addresses)
    transport = httpx.ASGITransport(app=app, client=(f"10.77.{n // 250}.{n % 250 + 1}", 4300))
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
