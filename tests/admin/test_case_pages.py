"""The desk's case pages: open cases, one case with internal notes and photos, staff only."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loyalty import complaints
from tests.conftest import member_headers
from tests.support.complaints import PASSWORD, seed_desk, staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 80


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    # Its own address: the admin limits logins per address.
    transport = httpx.ASGITransport(app=app, client=("10.9.0.7", 4100))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_staff_see_the_whole_case_with_photos(client: httpx.AsyncClient, staff_client: httpx.AsyncClient) -> None:
    await seed_desk()
    filed = await client.post(
        "/api/v1/me/complaints",
        headers=member_headers(),
        json={"category": "other", "description": "Ly bị nứt <b>", "photos": [base64.b64encode(PNG).decode()]},
    )
    reference = filed.json()["id"]
    actor = await staff("lan")
    await complaints.reply(reference, actor, "Khách quen, xử lý nhanh", visible=False)
    anonymous = await staff_client.get(f"/staff/complaints/{reference}")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/staff/login?next=/staff/complaints/{reference}"

    await staff_client.get("/admin/")
    csrf = staff_client.cookies.get("csrftoken") or ""
    login = await staff_client.post(
        "/admin/public/login/", json={"username": "lan", "password": PASSWORD}, headers={"X-CSRFToken": csrf}
    )
    assert login.status_code == 200, login.text

    listing = await staff_client.get("/staff/complaints")
    assert listing.status_code == 200 and reference in listing.text
    page = await staff_client.get(f"/staff/complaints/{reference}")
    assert page.status_code == 200
    assert "Khách quen, xử lý nhanh" in page.text and "internal" in page.text
    assert "Ly bị nứt &lt;b&gt;" in page.text
    photo_path = page.text.split('src="')[1].split('"')[0]
    photo = await staff_client.get(photo_path)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png" and photo.content == PNG
    assert (await staff_client.get("/staff/complaints/KN-0000-000000")).status_code == 404
