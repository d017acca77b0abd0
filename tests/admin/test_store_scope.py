"""A store account sees its own store's members, tills, purchases and complaints, and nothing of
another store's: not by id, not by filter, not by count, not on a /staff page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loyalty import complaints
from loyalty.members import enrol_at_till, stores
from loyalty.schema import Member
from loyalty.staff import Role
from tests.support.complaints import PASSWORD, seed_desk, staff
from tests.support.staff import sign_in, staff_http


@pytest.fixture
async def two_stores() -> dict[str, Any]:
    """Stores Q1 and Q2, each with a till, a member it enrolled and a complaint about it."""
    await seed_desk()
    desk = await staff("desk")
    found: dict[str, Any] = {}
    for code, phone in (("Q1", "0907000001"), ("Q2", "0907000002")):
        store = await stores.create_store(code, f"Cửa hàng {code}")
        till = await stores.create_terminal(code, f"Quầy {code}")
        member = await enrol_at_till(phone, f"Khách {code}", terminal_id=till.terminal_id, store_code=code)
        case = await complaints.log_by_staff(
            desk,
            category="service_attitude",
            description=f"Chậm ở {code}",
            channel="phone",
            store_code=code,
            phone=phone,
        )
        found[code] = {"store": store.id, "till": till.terminal_id, "member": member.id, "case": case}
    return found


@pytest.fixture
async def q1_staff(app: Any, two_stores: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    await staff("thu-ngan", role=Role.STORE, store_code="Q1")
    async with staff_http(app) as http:
        await sign_in(http, "thu-ngan")
        yield http


async def test_a_till_enrols_members_into_its_store(two_stores: dict[str, Any]) -> None:
    row = await Member.select(Member.home_store).where(Member.id == two_stores["Q1"]["member"]).first()
    assert row == {"home_store": two_stores["Q1"]["store"]}


@pytest.mark.parametrize(
    ("table", "key", "column"),
    [("complaint", "case", "store"), ("member", "member", "home_store"), ("terminal", "till", "store")],
)
async def test_a_store_account_lists_and_counts_only_its_own_store(
    q1_staff: httpx.AsyncClient, two_stores: dict[str, Any], table: str, key: str, column: str
) -> None:
    q1, q2 = two_stores["Q1"], two_stores["Q2"]
    url = f"/admin/api/tables/{table}/"
    # Whatever filter it sends: none, the other store's, both, an operator that would invert it.
    own, other = str(q1["store"]), str(q2["store"])
    tries: list[tuple[tuple[str, str], ...]] = [
        (),
        ((column, other),),
        ((column, own), (column, other)),
        ((column, own), (f"{column}__operator", "not_equal")),
        ((f"{column}__operator", "is_null"),),
    ]
    for params in tries:
        listed = await q1_staff.get(url, params=params)
        assert listed.status_code == 200, listed.text
        stores_seen = {row[column] for row in listed.json()["rows"]}
        assert stores_seen == {q1["store"]}, (params, listed.json())
        counted = await q1_staff.get(f"{url}count/", params=params)
        assert counted.status_code == 200 and counted.json()["count"] == 1, (params, counted.text)
    # By id: its own row opens, the other store's does not exist for it.
    own_id = q1[key].id if key == "case" else q1[key]
    other_id = q2[key].id if key == "case" else q2[key]
    assert (await q1_staff.get(f"{url}{own_id}/")).status_code == 200
    assert (await q1_staff.get(f"{url}{other_id}/")).status_code == 404
    assert (await q1_staff.get(f"{url}{other_id}/", params={column: str(q2["store"])})).status_code == 404
    # The pickers list every row's name: refused.
    assert (await q1_staff.get(f"{url}ids/")).status_code == 403


async def test_a_store_account_cannot_open_other_tables_forms_or_the_chain_wide_pages(
    q1_staff: httpx.AsyncClient, two_stores: dict[str, Any]
) -> None:
    for table in ("complaint_event", "ledger_entry", "store", "audit_log", "staff_role"):
        assert (await q1_staff.get(f"/admin/api/tables/{table}/")).status_code == 403, table
    assert (await q1_staff.get("/admin/api/forms/acknowledge-a-complaint/schema/")).status_code == 403
    other = two_stores["Q2"]["case"].reference
    for path in (f"/staff/complaints/{other}", "/staff/complaints", "/staff/dashboard"):
        page = await q1_staff.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 403, path
        assert "Nhân viên cửa hàng (store) không được mở trang này" in page.text
        assert other not in page.text


async def test_a_bare_path_without_the_slash_is_scoped_too(
    q1_staff: httpx.AsyncClient, two_stores: dict[str, Any]
) -> None:
    q2 = two_stores["Q2"]
    answer = await q1_staff.get(
        "/admin/api/tables/complaint", params={"store": str(q2["store"])}, follow_redirects=True
    )
    if answer.status_code == 200:
        assert {row["store"] for row in answer.json()["rows"]} == {two_stores["Q1"]["store"]}
    else:
        assert answer.status_code in (403, 404)


async def test_a_store_account_signing_in_lands_on_the_admin_not_on_a_refusal(app: Any) -> None:
    await stores.create_store("Q1", "Cửa hàng Q1")
    await staff("thu-ngan", role=Role.STORE, store_code="Q1")
    await staff("quan-ly")
    await staff("moi", role=None)
    # An account without a role lands on the page that says so.
    for username, home in (("thu-ngan", "/admin/"), ("quan-ly", "/staff/dashboard"), ("moi", "/staff/dashboard")):
        async with staff_http(app) as http:
            page = await http.get("/staff/login")
            csrf = http.cookies.get("csrftoken") or ""
            assert page.status_code == 200
            signed_in = await http.post(
                "/staff/login",
                data={"username": username, "password": PASSWORD, "csrftoken": csrf},
                headers={"X-CSRFToken": csrf},
            )
            assert signed_in.status_code == 303 and signed_in.headers["location"] == home, signed_in.text
