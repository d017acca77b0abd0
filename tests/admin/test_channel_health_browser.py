"""The channel health page in Chromium, as staff open it: Vietnamese, no console errors."""

from __future__ import annotations

from datetime import UTC, datetime

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from loyalty.setup.demo import seed_staff
from tests.admin.test_channel_health import _traffic
from tests.support.browser import PATIENCE_S, chromium, console_errors, live_server, page_text, screenshot_folder


async def test_staff_read_each_channels_day_in_the_browser() -> None:
    await seed_staff()
    await _traffic(datetime.now(UTC))
    with live_server() as base, chromium() as driver:
        driver.get(base + "/staff/login?next=/staff/channels")
        # The login page is replaced by the report while the wait reads it: a stale body is retried.
        wait = WebDriverWait(driver, PATIENCE_S, ignored_exceptions=[StaleElementReferenceException])
        wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys("demo")
        driver.find_element(By.NAME, "password").send_keys("thanthiet-demo")
        console_errors(driver)  # piccolo_api's login page asks Google for a font: not this page's
        driver.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit], button").click()
        wait.until(lambda d: "Tình trạng các kênh gửi tin" in page_text(d))
        text = page_text(driver)
        assert "Zalo" in text and "SMS" in text
        assert driver.find_elements(By.CSS_SELECTOR, "table tr")
        driver.save_screenshot(str(screenshot_folder() / "staff-channels.png"))
        assert console_errors(driver) == []
