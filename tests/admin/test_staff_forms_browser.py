"""Staff forms in a real browser: a pasted VIP list, a campaign's run time, a /staff link before login."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from loyalty import campaigns
from loyalty.campaigns import vip
from loyalty.members.accounts import record_member
from loyalty.schema import Campaign, VipMember
from loyalty.setup.demo import seed_staff
from tests.support.browser import PATIENCE_S, chromium, live_server, login_to_admin, page_text

SUBMIT = "[data-uitest=submit_custom_form_button]"


def _open_form(driver: WebDriver, base: str, slug: str, field: str) -> None:
    login_to_admin(driver, base, "demo", "thanthiet-demo")
    WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in page_text(d))
    driver.get(f"{base}/admin/#/forms/{slug}")
    WebDriverWait(driver, PATIENCE_S).until(lambda d: d.find_elements(By.NAME, field))


def _answer(driver: WebDriver) -> str:
    WebDriverWait(driver, PATIENCE_S).until(
        lambda d: d.find_elements(By.ID, "success_message") and d.find_element(By.ID, "success_message").text
    )
    return str(driver.find_element(By.ID, "success_message").text)


async def test_a_list_pasted_into_the_vip_form_adds_each_member(tmp_path: Path) -> None:
    await seed_staff()
    lan = await record_member("0907654321")
    binh = await record_member("0912345678")
    group = await vip.create_group("Khách VIP")
    with live_server() as base, chromium() as driver:
        driver.set_window_size(1440, 900)
        _open_form(driver, base, "add-phone-numbers-to-a-vip-group", "phones")
        driver.find_element(By.NAME, "group_id").send_keys(str(group))
        # A column pasted into the one-line field: its line breaks arrive as spaces.
        driver.find_element(By.NAME, "phones").send_keys("0907 654 321 +84 91 234 5678 0999 999 999 0123")
        driver.find_element(By.CSS_SELECTOR, SUBMIT).click()
        answer = _answer(driver)
        driver.save_screenshot(str(tmp_path / "vip-form.png"))
    assert (
        answer == "2 added · 0 already in the group · 1 matched no member: 0999 999 999 · 1 not a phone number: 0123."
    )
    members = {r["member"] for r in await VipMember.select(VipMember.member).where(VipMember.group == group)}
    assert members == {lan.id, binh.id}


async def test_a_campaign_time_typed_in_the_browser_is_vietnam_time(tmp_path: Path) -> None:
    await seed_staff()
    await record_member("0907654321")
    with live_server() as base, chromium() as driver:
        driver.set_window_size(1440, 900)
        _open_form(driver, base, "create-or-change-a-campaign", "run_at")
        driver.find_element(By.NAME, "name").send_keys("Giáng sinh")
        points = driver.find_element(By.NAME, "gift_points")
        points.clear()
        points.send_keys("20")
        # The admin's date-time picker, typed as a person does (month, day, year, hour, minute, second, PM).
        picker = driver.find_element(By.CSS_SELECTOR, "input[type=datetime-local]")
        picker.send_keys("12242026")
        picker.send_keys("\t0120")
        picker.send_keys("00P")
        driver.find_element(By.CSS_SELECTOR, SUBMIT).click()
        answer = _answer(driver)
        driver.save_screenshot(str(tmp_path / "campaign-form.png"))
    assert answer.startswith("Campaign ") and "saved as a draft" in answer, answer
    campaign_id = int(answer.split()[1])
    row = await Campaign.select(Campaign.run_at).where(Campaign.id == campaign_id).first()
    assert row is not None and row["run_at"].astimezone(UTC) == datetime(2026, 12, 24, 6, 20, tzinfo=UTC)
    await campaigns.change_status(campaign_id, "launch")
    assert await campaigns.run_due_campaigns(datetime(2026, 12, 24, 6, 19, tzinfo=UTC)) == 0
    assert await campaigns.run_due_campaigns(datetime(2026, 12, 24, 6, 20, tzinfo=UTC)) == 1  # 13:20 in Việt Nam


async def test_a_staff_link_opened_signed_out_comes_back_after_login() -> None:
    await seed_staff()
    with live_server() as base, chromium() as driver:
        driver.get(base + "/staff/vip/upload")
        wait = WebDriverWait(driver, PATIENCE_S)
        wait.until(lambda d: d.find_elements(By.NAME, "password"))
        driver.find_element(By.NAME, "username").send_keys("demo")
        driver.find_element(By.NAME, "password").send_keys("thanthiet-demo")
        driver.find_element(By.CSS_SELECTOR, "button").click()
        wait.until(lambda d: d.find_elements(By.NAME, "phones"))
        assert driver.current_url == base + "/staff/vip/upload"
