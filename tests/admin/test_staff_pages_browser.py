"""The /staff pages in a real browser: each one styled by the shared stylesheet, without a console error."""

from __future__ import annotations

from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from loyalty import campaigns, complaints, members
from loyalty.members import record_member
from loyalty.setup.demo import seed_staff
from tests.support.browser import (
    PATIENCE_S,
    chromium,
    console_errors,
    live_server,
    login_to_admin,
    page_text,
    screenshot_folder,
)
from tests.support.complaints import seed_desk, staff

FONT = "system-ui, sans-serif"  # the shared stylesheet's; without it Chromium's default serif


def _open(driver: WebDriver, url: str, text: str) -> None:
    driver.get(url)
    WebDriverWait(driver, PATIENCE_S).until(lambda d: text in page_text(d))


def _styled(driver: WebDriver) -> dict[str, object]:
    """The page's style sheets, the font they gave its body, and its language."""
    found: dict[str, object] = driver.execute_script(
        "return {sheets: [...document.styleSheets].map(s => s.href),"
        " font: getComputedStyle(document.body).fontFamily, lang: document.documentElement.lang}"
    )
    return found


async def test_every_staff_page_is_styled_by_the_one_stylesheet() -> None:
    await seed_staff()
    await seed_desk()
    await members.create_store("Q1", "Quận 1")
    agent = await staff("an")
    await record_member("0907654321", name="Lan")
    case = await complaints.log_by_staff(
        agent, category="other", description="Ly bị nứt", channel="phone", phone="0907654321", store_code="Q1"
    )
    await complaints.reply(case.reference, agent, "Gọi lại cho khách", visible=False)
    campaign = await campaigns.create_campaign(
        {
            "name": "Tết 2027",
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 88,
            "schedule": "birthday",
            "title_vi": "Quà",
            "title_en": "Gift",
            "message_vi": "Tặng $points điểm",
            "message_en": "$points points",
        }
    )
    await campaigns.create_group("Khách VIP")
    pages = {
        # name: (path, a text it shows, its language)
        "staff-cases": ("/staff/complaints", "Hồ sơ khiếu nại đang mở", "vi"),
        "staff-case": (f"/staff/complaints/{case.reference}", "Gọi lại cho khách", "vi"),
        "staff-complaints-report": ("/staff/reports/complaints", "Khiếu nại 8 tuần qua", "vi"),
        "staff-campaigns": ("/staff/campaigns", "Tết 2027", "vi"),
        "staff-campaign": (f"/staff/campaigns/{campaign}", "Điểm đã tặng", "vi"),
        "staff-vip-upload": ("/staff/vip/upload", "Khách VIP", "vi"),
    }
    shots = screenshot_folder()
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "demo", "thanthiet-demo")
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in page_text(d))
        console_errors(driver)  # the admin's own page is not what this test looks at
        for name, (path, text, lang) in pages.items():
            _open(driver, base + path, text)
            assert _styled(driver) == {"sheets": [f"{base}/staff/static/staff.css"], "font": FONT, "lang": lang}
            assert "Đang đăng nhập: demo" in page_text(driver), name
            driver.save_screenshot(str(shots / f"{name}.png"))
            assert console_errors(driver) == [], name
        # The error page of a path no route answers: styled the same, in Vietnamese.
        _open(driver, base + "/staff/no-such-page", "Không tìm thấy")
        assert _styled(driver) == {"sheets": [f"{base}/staff/static/staff.css"], "font": FONT, "lang": "vi"}
        driver.save_screenshot(str(shots / "staff-not-found.png"))
        # Chromium reports the page's own 404 status on the console; nothing else may be there.
        assert [e for e in console_errors(driver) if "/staff/no-such-page" not in e] == []
