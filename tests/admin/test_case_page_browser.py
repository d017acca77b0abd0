"""A complaint answered from its case page in Chromium: a multi-line reply to the customer, then
the resolution, each by the page's own buttons, with no console error."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from loyalty import complaints
from loyalty.members import record_member
from loyalty.schema import Status
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


def _body(driver: WebDriver) -> str:
    """The page's text; empty while the next page replaces it (after a form's redirect)."""
    try:
        return str(page_text(driver))
    except StaleElementReferenceException:
        return ""


async def test_staff_answer_and_resolve_a_complaint_from_its_page() -> None:
    await seed_desk()
    await seed_staff()
    await record_member("0907654321", name="Chị Lan")
    case = await complaints.log_by_staff(
        await staff("an"), category="other", description="Ly bị nứt khi mua", channel="phone", phone="0907654321"
    )
    reply = "Chào chị Lan,\nchúng tôi xin lỗi và sẽ đổi ly mới cho chị."
    shots = screenshot_folder()
    with live_server() as base, chromium(window="1280,1600") as driver:
        login_to_admin(driver, base, "cskh", "thanthiet-demo")  # the demo customer-care agent
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in _body(d))
        console_errors(driver)  # the login page's own 401 before signing in
        driver.get(f"{base}/staff/complaints/{case.reference}")
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chị Lan" in _body(d))
        assert "Còn 23 giờ" in _body(driver) and "Mới" in _body(driver)
        driver.save_screenshot(str(shots / "case-page-new.png"))

        box = driver.find_element(By.CSS_SELECTOR, "#reply textarea[name=body]")
        box.send_keys(reply)
        driver.find_element(By.CSS_SELECTOR, "#reply input[value=customer]").click()
        driver.find_element(By.CSS_SELECTOR, "#reply button[type=submit]").click()
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Đã gửi trả lời cho khách." in _body(d))
        assert "?done=reply" in driver.current_url  # after the redirect: a reload posts nothing again
        assert "Đã tiếp nhận" in _body(driver)  # a visible answer is the first response
        assert "Chào chị Lan,\nchúng tôi xin lỗi" in _body(driver)  # its line breaks kept

        driver.find_element(By.CSS_SELECTOR, "#resolve textarea[name=resolution]").send_keys(
            "Đã đổi ly mới.\nKhách hài lòng."
        )
        driver.find_element(By.CSS_SELECTOR, "#resolve button[type=submit]").click()
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Đã giải quyết hồ sơ" in _body(d))
        assert driver.find_elements(By.CSS_SELECTOR, "#close button")  # now it may be closed
        driver.save_screenshot(str(shots / "case-page-resolved.png"))
        assert console_errors(driver) == []
    view = await complaints.staff_case(case.reference)
    assert view.case.status == Status.RESOLVED
    assert [line.body for line in view.timeline if line.visible][-2:] == [reply, "Đã đổi ly mới.\nKhách hài lòng."]
