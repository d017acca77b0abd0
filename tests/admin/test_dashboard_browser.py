"""The dashboard in a real browser: where the staff login lands, its charts drawn, no console error."""

from __future__ import annotations

from datetime import UTC, datetime

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from loyalty.setup.demo import seed_staff
from tests.support.browser import PATIENCE_S, chromium, console_errors, live_server, page_text, screenshot_folder
from tests.support.dashboard import seed_november


async def test_the_staff_land_on_the_dashboard_and_its_charts_are_drawn() -> None:
    await seed_staff()
    await seed_november(datetime.now(UTC))
    shots = screenshot_folder()
    with live_server() as base, chromium() as driver:
        driver.get(base + "/staff/login")
        # The login page is replaced by the dashboard while the wait reads it: a stale body is retried.
        wait = WebDriverWait(driver, PATIENCE_S, ignored_exceptions=[StaleElementReferenceException])
        wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys(
            "quanly"
        )  # the demo manager, not a superuser
        driver.find_element(By.NAME, "password").send_keys("thanthiet-demo")
        # piccolo_api's own login page asks Google for a font and has no favicon: not what this looks at.
        console_errors(driver)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit], button").click()
        wait.until(lambda d: "Tổng quan chương trình" in page_text(d))
        assert driver.current_url == base + "/staff/dashboard"
        assert console_errors(driver) == []
        # November by week, as a person picks it: custom dates, then "Xem".
        driver.get(base + "/staff/dashboard?preset=custom&from=2026-11-01&to=2026-11-30&grain=week")
        wait.until(lambda d: "01/11/2026 – 30/11/2026" in page_text(d))
        assert driver.find_element(By.ID, "liability_vnd").text == "152.000 ₫"
        charts = driver.find_elements(By.CSS_SELECTOR, ".charts svg")
        assert len(charts) == 4 and all(c.size["width"] > 200 and c.size["height"] > 50 for c in charts)
        bars = driver.find_elements(By.CSS_SELECTOR, "#chart-points rect")
        assert len(bars) == 6 * 3  # six weeks, three series
        sheets = driver.execute_script("return [...document.styleSheets].map(s => s.href)")
        assert sheets == [f"{base}/staff/static/staff.css"]
        driver.save_screenshot(str(shots / "staff-dashboard.png"))
        assert console_errors(driver) == []
        # The period picker sends the same page back with the choice kept.
        driver.find_element(By.CSS_SELECTOR, "#grain option[value=month]").click()
        driver.find_element(By.CSS_SELECTOR, ".picker button").click()
        wait.until(lambda d: "grain=month" in d.current_url)
        assert len(driver.find_elements(By.CSS_SELECTOR, "#chart-points rect")) == 3
        assert console_errors(driver) == []
