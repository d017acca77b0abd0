"""The member page in a real browser: find a member by the phone as a clerk types it, open the
page, adjust points and give a voucher from it, and see both on the timeline; no console error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from loyalty.schema import LedgerEntry, Voucher
from loyalty.setup.demo import seed_staff
from tests.support.browser import PATIENCE_S, chromium, console_errors, live_server, page_text, screenshot_folder
from tests.support.member_story import seed_lan

DOCS_SCREENSHOT = Path(__file__).parents[2] / "docs" / "screenshots" / "member.png"


async def test_staff_find_a_member_by_phone_and_act_on_its_page() -> None:
    await seed_staff()
    member_id = await seed_lan()
    shots = screenshot_folder()
    with live_server() as base, chromium(window="1280,1700") as driver:
        wait = WebDriverWait(driver, PATIENCE_S, ignored_exceptions=[StaleElementReferenceException])

        def body_has(text: str) -> None:
            wait.until(lambda d: text in page_text(d))

        driver.get(base + "/staff/login?next=/staff/members")
        wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys(
            "quanly"
        )  # the demo manager, not a superuser
        driver.find_element(By.NAME, "password").send_keys("thanthiet-demo")
        console_errors(driver)  # piccolo_api's login page asks Google for a font: not what this looks at
        driver.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit], button").click()
        body_has("Tra cứu khách hàng")
        search = wait.until(ec.presence_of_element_located((By.ID, "q")))
        search.send_keys("0907 654 321")
        driver.find_element(By.CSS_SELECTOR, ".picker button").click()
        body_has("Hồ sơ khách hàng")
        assert driver.current_url == f"{base}/staff/members/{member_id}"
        assert driver.find_element(By.ID, "balance").text == "595"
        assert console_errors(driver) == []

        driver.find_element(By.CSS_SELECTOR, "#adjust summary").click()
        driver.find_element(By.ID, "delta").send_keys("120")
        driver.find_element(By.ID, "reason").send_keys("Bù điểm hoá đơn HD-0001")
        driver.find_element(By.ID, "adjust-submit").click()
        body_has("Đã điều chỉnh điểm.")
        assert driver.find_element(By.ID, "balance").text == "715"
        assert "Điều chỉnh: Bù điểm hoá đơn HD-0001" in driver.find_element(By.ID, "timeline").text

        driver.find_element(By.CSS_SELECTOR, "#voucher summary").click()
        Select(driver.find_element(By.ID, "reward_id")).select_by_index(0)
        driver.find_element(By.ID, "voucher-submit").click()
        body_has("Đã tặng voucher.")
        timeline = driver.find_element(By.ID, "timeline").text
        assert "Cà phê sữa đá" in timeline and "nhân viên tặng" in timeline
        assert "Zalo: đã nhận (300 ₫), SMS: thất bại" in timeline
        assert console_errors(driver) == []
        driver.save_screenshot(str(shots / "staff-member.png"))
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):  # the README's picture, refreshed on request only
        shutil.copyfile(shots / "staff-member.png", DOCS_SCREENSHOT)
    assert await LedgerEntry.count().where((LedgerEntry.member == member_id) & (LedgerEntry.kind == "adjust")) == 1
    assert await Voucher.count().where((Voucher.member == member_id) & (Voucher.source == "staff")) == 1
