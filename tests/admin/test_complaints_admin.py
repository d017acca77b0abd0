"""The complaints desk through the admin's HTTP API, and the report page behind the staff login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from loyalty import complaints
from loyalty.complaints.compensation import for_case
from loyalty.schema import AuditLog, Complaint, ComplaintEvent, Member
from tests.conftest import member_headers
from tests.support.complaints import PASSWORD, ledger_consistent, seed_desk, staff
from tests.support.staff import sign_in

FORMS = "/admin/api/forms"
REPORT = "/staff/reports/complaints"


@pytest.fixture(autouse=True)
async def desk() -> None:
    await seed_desk()


async def _sign_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    client.cookies.clear()  # a second staff user signs in on the same client
    return await sign_in(client, username)


async def _form(client: httpx.AsyncClient, headers: dict[str, str], slug: str, body: dict[str, object]) -> str:
    response = await client.post(f"{FORMS}/{slug}/", json=body, headers=headers)
    assert response.status_code == 200, (slug, response.text)
    return response.text


async def test_a_phone_complaint_is_logged_worked_compensated_and_resolved_in_the_admin(
    client: httpx.AsyncClient, till: dict[str, object]
) -> None:
    headers = await _sign_in(client, "an")
    logged = await _form(
        client,
        headers,
        "log-a-complaint",
        {
            "category": "product_quality",
            "description": "Sữa bị chua",
            "channel": "phone",
            "priority": "high",
            "store_code": "Q1",
            "phone": "0901234567",
            "customer_name": "Chị Lan",
        },
    )
    case = await Complaint.objects().first()
    assert case is not None and case.reference in logged and case.channel == "phone"
    ref = case.reference
    await _form(client, headers, "acknowledge-a-complaint", {"reference": ref})
    await _form(client, headers, "reply-on-a-complaint", {"reference": ref, "body": "lô sữa 12 lỗi", "internal": True})
    await _form(client, headers, "reply-on-a-complaint", {"reference": ref, "body": "Chúng tôi sẽ đổi sản phẩm"})
    await _form(client, headers, "assign-a-complaint", {"reference": ref, "assignee": "an"})
    resolved = await _form(
        client,
        headers,
        "resolve-a-complaint",
        {
            "reference": ref,
            "resolution": "Đã đổi sản phẩm",
            "compensation_points": 2000,
            "compensation_reason": "sorry for the trouble",
        },
    )
    assert "waiting" in resolved
    member = await Member.objects().where(Member.phone == "+84901234567").first()
    assert member is not None and await ledger_consistent(member.id) == 0
    (offer,) = await for_case(ref)

    # The proposer cannot approve; a second staff user can.
    refused = await client.post(f"{FORMS}/approve-compensation/", json={"compensation_id": offer.id}, headers=headers)
    assert refused.status_code in (400, 422) and "cannot approve" in refused.text
    headers = await _sign_in(client, "lead")
    await _form(client, headers, "approve-compensation", {"compensation_id": offer.id})
    assert await ledger_consistent(member.id) == 2000

    stored = await complaints.get_case(ref)
    assert stored.status == "resolved" and stored.assignee is not None and stored.first_response_at is not None
    actions = {r["action"] for r in await AuditLog.select(AuditLog.action)}
    assert {
        "complaint.log",
        "complaint.acknowledge",
        "complaint.note",
        "complaint.reply",
        "complaint.assign",
        "complaint.resolve",
        "complaint.compensation.grant",
    } <= actions

    # The customer follows it in the app (signing in links the recorded member) and rates it.
    seen = await client.get(f"/api/v1/me/complaints/{ref}", headers=member_headers("0901234567"))
    assert seen.status_code == 200
    bodies = " ".join(line["body"] for line in seen.json()["timeline"])
    assert "lô sữa" not in bodies and "2000 points" in bodies
    rated = await client.post(
        f"/api/v1/me/complaints/{ref}/rating", headers=member_headers("0901234567"), json={"score": 5}
    )
    assert rated.status_code == 201

    await _form(client, headers, "close-or-reopen-a-complaint", {"reference": ref, "action": "close"})
    assert (await complaints.get_case(ref)).status == "closed"


async def test_form_errors_are_shown_and_change_nothing(client: httpx.AsyncClient) -> None:
    headers = await _sign_in(client, "an")
    for slug, body in (
        ("log-a-complaint", {"category": "nope", "description": "x", "customer_name": "A"}),
        ("log-a-complaint", {"category": "other", "description": "x"}),
        ("acknowledge-a-complaint", {"reference": "KN-2026-999999"}),
        ("assign-a-complaint", {"reference": "KN-2026-999999", "assignee": "nobody"}),
    ):
        response = await client.post(f"{FORMS}/{slug}/", json=body, headers=headers)
        assert response.status_code in (400, 422), (slug, response.text)
    assert await Complaint.count() == 0 and await AuditLog.count() == 0


async def test_case_grid_is_read_only_and_filters_by_overdue(client: httpx.AsyncClient) -> None:
    headers = await _sign_in(client, "an")
    agent = await staff("an")
    case = await complaints.log_by_staff(agent, category="other", description="x", channel="phone", customer_name="A")
    await Complaint.update({Complaint.overdue: True}).where(Complaint.id == case.id)
    listed = await client.get("/admin/api/tables/complaint/", params={"overdue": "true"}, headers=headers)
    assert listed.status_code == 200, listed.text
    assert [r["reference"] for r in listed.json()["rows"]] == [case.reference]
    edit = await client.patch(f"/admin/api/tables/complaint/{case.id}/", json={"status": "closed"}, headers=headers)
    assert edit.status_code in (400, 405)
    removed = await client.delete(f"/admin/api/tables/complaint/{case.id}/", headers=headers)
    assert removed.status_code in (400, 405)
    assert await Complaint.count() == 1
    assert (await complaints.get_case(case.reference)).status == "new"


async def test_report_page_needs_a_staff_session_and_shows_the_weeks_figures(client: httpx.AsyncClient) -> None:
    anonymous = await client.get(REPORT)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/staff/login?next=/staff/reports/complaints"
    client.cookies.set("id", "forged-session")
    assert (await client.get(REPORT)).status_code == 303

    agent = await staff("an")
    now = datetime.now(UTC)
    refs = []
    for i, category in enumerate(["product_quality", "product_quality", "pricing"]):
        case = await complaints.log_by_staff(
            agent,
            category=category,
            description=f"c{i}",
            channel="phone",
            phone="0901234567",
            now=now - timedelta(hours=3),
        )
        refs.append(case.reference)
    await complaints.acknowledge(refs[0], agent, now=now - timedelta(hours=2))
    await complaints.resolve(refs[0], agent, "done", now=now - timedelta(hours=1))
    member = await Member.objects().first()
    assert member is not None
    await complaints.rate(member.id, refs[0], 4)

    headers = await _sign_in(client, "an")
    page = await client.get(REPORT, headers=headers)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<b id="cases">3</b>' in html
    assert '<b id="first-response">1 giờ 00 phút</b>' in html
    assert '<b id="resolution">2 giờ 00 phút</b>' in html
    assert '<b id="satisfaction">4,0 / 5 (1)</b>' in html
    assert '<b id="breach-rate">0,0 %</b>' in html
    # The same customer complained twice about product quality: it keeps coming back.
    assert "<th scope='row'>product_quality</th><td>1</td><td>2</td><td>1</td>" in html


async def test_the_sidebar_links_the_report(client: httpx.AsyncClient) -> None:
    headers = await _sign_in(client, "an")
    links = await client.get("/admin/api/links/", headers=headers)
    assert links.status_code == 200
    assert REPORT in str(links.json())


async def test_escalation_lines_show_in_the_admin_timeline(client: httpx.AsyncClient) -> None:
    from loyalty.complaints.sla import escalate_overdue

    await staff("boss", superuser=True)
    agent = await staff("an")
    case = await complaints.log_by_staff(
        agent,
        category="other",
        description="x",
        channel="phone",
        customer_name="A",
        priority="urgent",
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    assert await escalate_overdue(datetime.now(UTC)) == 1
    headers = await _sign_in(client, "an")
    listed = await client.get("/admin/api/tables/complaint_event/", params={"complaint": case.id}, headers=headers)
    assert listed.status_code == 200
    assert "escalated" in [r["kind"] for r in listed.json()["rows"]]
    assert await ComplaintEvent.count().where(ComplaintEvent.kind == "escalated") == 1


async def test_report_page_in_a_real_browser_after_the_admin_login(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.support.browser import PATIENCE_S, chromium, live_server, login_to_admin, page_text

    agent = await staff("an")
    for category in ("product_quality", "pricing"):
        await complaints.log_by_staff(agent, category=category, description="x", channel="phone", phone="0901234567")
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "an", PASSWORD)
        # The sidebar's link (its tables are named in Vietnamese too).
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "báo cáo khiếu nại" in page_text(d).lower())
        driver.get(base + REPORT)
        WebDriverWait(driver, PATIENCE_S).until(lambda d: d.find_elements(By.ID, "cases"))
        assert driver.find_element(By.ID, "cases").text == "2"
        assert "pricing" in page_text(driver)
        shot = tmp_path / "complaints-report.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 1000
