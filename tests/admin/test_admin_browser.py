"""The staff site in a real browser: the login page renders, a staff user signs in and sees the tables."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from loyalty.demo import seed_staff
from tests.support.browser import chromium, live_server, login_to_admin


async def test_staff_signs_in_through_the_login_form_and_sees_members(tmp_path: Path) -> None:
    await seed_staff()
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "demo", "thanthiet-demo")
        WebDriverWait(driver, 20).until(lambda d: "Member" in d.find_element(By.TAG_NAME, "body").text)
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "Store" in body and "Terminal" in body
        driver.save_screenshot(str(tmp_path / "admin-home.png"))
        assert (tmp_path / "admin-home.png").stat().st_size > 1000


async def test_wrong_password_keeps_the_staff_member_on_the_login_page(tmp_path: Path) -> None:
    await seed_staff()
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "demo", "not-the-password")
        WebDriverWait(driver, 20).until(
            lambda d: (
                "incorrect" in d.find_element(By.TAG_NAME, "body").text.lower()
                or "problem" in d.find_element(By.TAG_NAME, "body").text.lower()
            )
        )
        assert driver.find_elements(By.NAME, "password")
