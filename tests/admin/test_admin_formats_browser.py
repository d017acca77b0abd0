"""Piccolo Admin's grid and row pages in Chromium show đồng, points and times the Vietnamese way
(admin.cell_formats with static/admin_formats.js) while a row's inputs keep the raw values; the
sidebar of a staff member who is not a superuser is short and Vietnamese."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from admin.formats import local_time
from loyalty import complaints, members
from loyalty.earning import earn_at_till
from loyalty.members import record_member
from loyalty.schema import Purchase
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
from tests.support.complaints import PASSWORD, seed_desk, staff
from tests.support.rewards import make_reward

LOCAL = re.compile(r"^\d\d/\d\d/20\d\d \d\d:\d\d$")


def _cells(driver: WebDriver, path: str, base: str, wanted: str) -> list[str]:
    """The first grid row's cells, once the script has written ``wanted`` in one of them."""
    driver.get(f"{base}/admin/#/{path}/")

    def row(d: WebDriver) -> list[str] | Literal[False]:
        # Read in one script call: the formats script rewrites cells while the grid is drawn.
        read = d.execute_script(
            "const r = document.querySelector('.table_wrapper tbody tr');"
            "return r ? Array.from(r.querySelectorAll('td')).map(td => td.innerText) : [];"
        )
        cells = [str(c).replace("\xa0", " ").strip() for c in read or []]
        return cells if wanted in cells else False

    cells: list[str] = WebDriverWait(driver, PATIENCE_S).until(row)
    return cells


def _body(driver: WebDriver) -> str:
    return str(page_text(driver)).lower()


async def test_grids_and_row_pages_show_dong_points_and_local_times() -> None:
    await seed_desk()
    store = await members.create_store("Q1", "Quận 1")
    await record_member("0907654321", name="Chị Lan")
    await earn_at_till(store_id=store.id, terminal_id=None, phone="0907654321", receipt_no="HD-1", amount=3_500_000)
    await make_reward(points_cost=12_500)
    await complaints.log_by_staff(
        await staff("an"), category="other", description="Ly bị nứt", channel="phone", phone="0907654321"
    )
    await seed_staff()
    purchase = await Purchase.select(Purchase.id, Purchase.created_at).first()
    assert purchase is not None
    created = local_time(purchase["created_at"])
    shots = screenshot_folder()
    with live_server() as base, chromium() as driver:
        # A manager who is not a superuser: the complaint grid still names its staff accounts
        # (their names by id are every role's), with no 403 in the console.
        login_to_admin(driver, base, "an", PASSWORD)
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "chào mừng" in _body(d))
        console_errors(driver)  # the login page's own 401 before signing in

        bought = _cells(driver, "purchase", base, "3.500.000 ₫")  # (Selenium reads the no-break space as a space)
        assert "0 ₫" in bought and created in bought and "350" in bought
        assert not any("T" in cell and "Z" in cell for cell in bought)  # no ISO time left
        driver.save_screenshot(str(shots / "admin-grid-purchase.png"))
        rewards = _cells(driver, "reward", base, "12.500")
        assert any(LOCAL.match(cell) for cell in rewards)
        driver.save_screenshot(str(shots / "admin-grid-reward.png"))
        cases = _cells(driver, "complaint", base, "Mới")
        assert "Bình thường" in cases and "Điện thoại" in cases
        assert sum(1 for cell in cases if LOCAL.match(cell)) == 3  # received, first response due, resolution due
        driver.save_screenshot(str(shots / "admin-grid-complaint.png"))

        driver.get(f"{base}/admin/#/purchase/{purchase['id']}/")
        beside = WebDriverWait(driver, PATIENCE_S).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".tt-shown[data-column=amount]")
        )
        assert beside[0].text == "3.500.000 ₫"
        # The input keeps the raw value: what a save sends.
        assert driver.find_element(By.CSS_SELECTOR, "form input[name=amount]").get_attribute("value") == "3500000"
        shown_time = driver.find_element(By.CSS_SELECTOR, ".tt-shown[data-column=created_at]").text
        assert shown_time == created
        driver.save_screenshot(str(shots / "admin-row-purchase.png"))
        assert console_errors(driver) == []


async def test_the_sidebar_of_a_staff_member_who_is_not_a_superuser_is_short_and_vietnamese() -> None:
    await staff("quanly")
    with live_server() as base, chromium(window="1280,1400") as driver:
        login_to_admin(driver, base, "quanly", PASSWORD)
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "chào mừng" in _body(d))
        console_errors(driver)
        text = _body(driver)
        for group in ("hội viên", "điểm thưởng", "khiếu nại", "chiến dịch", "cửa hàng", "kiểm soát"):
            assert group in text, group
        for hidden in ("hệ thống", "piccolo_user", "job_schedule", "domain_event"):
            assert hidden not in text, hidden
        for link in ("tổng quan chương trình", "hồ sơ khiếu nại đang mở", "kết quả chiến dịch"):
            assert link in text, link
        # The tables by their Vietnamese names, not their database names.
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "loại khiếu nại" in _body(d))
        text = _body(driver)
        for table in ("hồ sơ khiếu nại", "đền bù khiếu nại", "phiếu quà tặng", "lịch sử giao dịch điểm"):
            assert table in text, table
        for english in ("complaint categories", "ledger entry", "audit log", "member stats"):
            assert english not in text, english
        driver.save_screenshot(str(screenshot_folder() / "admin-sidebar-staff.png"))
        assert console_errors(driver) == []


def test_times_are_the_programmes() -> None:
    # The grid's times are the staff pages' times (admin.formats.local_time): Vietnam, to the minute.
    assert local_time(datetime(2026, 12, 1, 6, 20, tzinfo=UTC)) == "01/12/2026 13:20"
