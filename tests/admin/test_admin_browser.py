"""The staff site in a real browser: the login page renders, a staff user signs in to a Vietnamese
admin (English a click away), every list and form page renders with no console error
(screenshots in tests.support.browser.screenshot_folder)."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any

import httpx
from piccolo.apps.user.tables import BaseUser
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from admin.access import SYSTEM_TABLES
from admin.protection import POLICIES
from admin.site import FORMS, SERVED, TABLES
from admin.translation_vi import VIETNAMESE
from loyalty.members import record_member
from loyalty.schema import Member
from loyalty.setup.demo import seed_staff
from loyalty.staff import Role
from tests.conftest import member_headers
from tests.support.admin_rows import row_in, snapshot
from tests.support.browser import (
    PATIENCE_S,
    chromium,
    console_errors,
    live_server,
    login_to_admin,
    page_text,
    screenshot_folder,
)
from tests.support.complaints import give_role


async def test_staff_signs_in_through_the_login_form_and_sees_members(tmp_path: Path) -> None:
    await seed_staff()
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "demo", "thanthiet-demo")
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in page_text(d))
        # The sidebar names the tables in Vietnamese (admin/static/admin_formats.js writes the names).
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Quầy thu ngân" in page_text(d))
        body = page_text(driver)
        assert "Cửa hàng" in body and "Terminal" not in body
        driver.save_screenshot(str(tmp_path / "admin-home.png"))
        assert (tmp_path / "admin-home.png").stat().st_size > 1000
        # Vietnamese first: the landing page, and the sidebar's sections, groups, forms and links
        # (group names are drawn in capitals, hence the lower-case comparison).
        assert "Chào mừng bạn đến với Thân Thiết" in body
        assert "Chọn một bảng ở thanh bên trái để bắt đầu." in body
        assert "Welcome to" not in body
        seen = body.lower()
        sidebar = ("trang chủ", "bảng dữ liệu", "biểu mẫu", "liên kết", "hội viên", "điểm thưởng", "khiếu nại")
        for words in (*sidebar, "hệ thống", "điều chỉnh điểm", "ghi nhận khiếu nại", "báo cáo khiếu nại"):
            assert words in seen, words


async def test_wrong_password_keeps_the_staff_member_on_the_login_page(tmp_path: Path) -> None:
    await seed_staff()
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "demo", "not-the-password")
        WebDriverWait(driver, PATIENCE_S).until(
            lambda d: "incorrect" in page_text(d).lower() or "problem" in page_text(d).lower()
        )
        assert driver.find_elements(By.NAME, "password")


def _body(driver: WebDriver) -> str:
    return str(page_text(driver))


async def test_staff_switch_the_admin_to_english_and_it_stays_english() -> None:
    await seed_staff()
    with live_server() as base, chromium() as driver:
        login_to_admin(driver, base, "demo", "thanthiet-demo")
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in _body(d))
        console_errors(driver)  # the login page's own 401s (see _staff_signed_in)
        driver.find_element(By.CSS_SELECTOR, "a[title=Translations]").click()
        english = WebDriverWait(driver, PATIENCE_S).until(
            lambda d: next((a for a in d.find_elements(By.CSS_SELECTOR, "#nav a") if "English" in a.text), None)
        )
        assert english is not None and "Tiếng Việt" in _body(driver)
        english.click()
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Welcome to Thân Thiết" in _body(d))
        driver.refresh()
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Select a table in the sidebar" in _body(d))
        driver.save_screenshot(str(screenshot_folder() / "admin-home-english.png"))
        assert "Chào mừng" not in _body(driver)
        assert not console_errors(driver)


async def test_staff_who_are_not_superusers_see_no_system_tables_in_the_sidebar() -> None:
    mai = await BaseUser.create_user(
        username="mai", password="a-long-Passw0rd", active=True, admin=True, superuser=False
    )
    await give_role(mai.id, Role.MANAGER)
    with live_server() as base, chromium() as driver:
        _staff_signed_in(driver, base)
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "nhật ký thao tác của nhân viên" in _body(d).lower())
        seen = _body(driver).lower()
        driver.save_screenshot(str(screenshot_folder() / "admin-home-staff.png"))
        assert "hội viên" in seen and "audit log" not in seen
        assert "hệ thống" not in seen
        for table in SYSTEM_TABLES:
            assert table._meta.tablename.replace("_", " ") not in seen, table._meta.tablename
        # Typed in by hand, the table's page gets a 403 and shows no rows (Piccolo Admin 1.14 leaves
        # the page blank; the refusal is in the console).
        driver.get(f"{base}/admin/#/job_schedule/")
        logged: list[str] = []

        def refused(d: WebDriver) -> bool:
            logged.extend(console_errors(d))
            return any("job_schedule/schema/" in m and "403" in m for m in logged)

        WebDriverWait(driver, PATIENCE_S).until(refused)
        assert not driver.find_elements(By.CSS_SELECTOR, "table tbody tr td")


SHOWS_VALUE = "return Array.from(document.querySelectorAll('input')).some(i => i.value === arguments[0])"


def _staff_signed_in(driver: WebDriver, base: str) -> None:
    """An ordinary staff account (not a superuser), signed in through the login form. The
    login page itself logs 401s (the admin asks who is signed in before anyone is): those are
    read away here, so that each page is judged on its own messages."""
    login_to_admin(driver, base, "mai", "a-long-Passw0rd")
    WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in page_text(d))
    console_errors(driver)


async def _a_staff_account_and_a_row_in_every_table() -> None:
    mai = await BaseUser.create_user(
        username="mai", password="a-long-Passw0rd", active=True, admin=True, superuser=False
    )
    await give_role(mai.id, Role.MANAGER)
    await record_member("0907654321", "Trần Văn Minh")
    for config in SERVED:
        await row_in(config.table_class)


def _shows_rows(driver: WebDriver) -> bool:
    headers = [h.text.strip() for h in driver.find_elements(By.CSS_SELECTOR, "table th") if h.text.strip()]
    return bool(headers) and bool(driver.find_elements(By.CSS_SELECTOR, "table tbody tr td"))


def _list_pages(driver: WebDriver, base: str, configs: list[Any]) -> list[str]:
    """Open each table's list page; what went wrong on each."""
    shots, failures = screenshot_folder(), []
    for config in configs:
        name = config.table_class._meta.tablename
        driver.get(f"{base}/admin/#/{name}/")
        try:
            WebDriverWait(driver, PATIENCE_S).until(_shows_rows)
        except TimeoutException:
            failures.append(f"{name}: the list shows no rows")
        driver.save_screenshot(str(shots / f"list-{name}.png"))
        failures += [f"{name}: {message}" for message in console_errors(driver)]
    return failures


async def test_every_admin_list_page_shows_its_rows_without_a_console_error() -> None:
    await _a_staff_account_and_a_row_in_every_table()
    await seed_staff()
    system = [config for config in SERVED if config.table_class in SYSTEM_TABLES]
    with live_server() as base, chromium(window="1440,900") as driver:
        # Staff open every table they are shown; the system's tables are a superuser's.
        _staff_signed_in(driver, base)
        failures = _list_pages(driver, base, [config for config in SERVED if config not in system])
        driver.delete_all_cookies()
        login_to_admin(driver, base, "demo", "thanthiet-demo")
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "Chào mừng" in _body(d))
        console_errors(driver)
        failures += _list_pages(driver, base, system)
    assert not failures, "\n".join(failures)


def _shows_form(driver: WebDriver, title: str) -> bool:
    fields = driver.find_elements(By.CSS_SELECTOR, "form input, form textarea, form select")
    # The admin title-cases form names ("Điều Chỉnh Điểm").
    return bool(fields) and title.lower() in page_text(driver).lower()


def _save_button(driver: WebDriver) -> WebElement | None:
    save = VIETNAMESE.translations["Save"].upper()
    return next((b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip().upper() == save), None)


async def test_every_staff_form_page_renders_without_a_console_error() -> None:
    await _a_staff_account_and_a_row_in_every_table()
    shots, failures = screenshot_folder(), []
    with live_server() as base, chromium(window="1440,900") as driver:
        _staff_signed_in(driver, base)
        for form in FORMS:
            driver.get(f"{base}/admin/#/forms/{form.slug}/")
            try:
                WebDriverWait(driver, PATIENCE_S).until(functools.partial(_shows_form, title=form.name))
            except TimeoutException:
                failures.append(f"{form.slug}: the form did not render")
            driver.save_screenshot(str(shots / f"form-{form.slug}.png"))
            failures += [f"{form.slug}: {message}" for message in console_errors(driver)]
    assert not failures, "\n".join(failures)


async def test_saving_a_member_unchanged_keeps_the_card_working(client: httpx.AsyncClient) -> None:
    mai = await BaseUser.create_user(
        username="mai", password="a-long-Passw0rd", active=True, admin=True, superuser=False
    )
    await give_role(mai.id, Role.MANAGER)
    phone = "+84907654321"
    assert (await client.get("/api/v1/me", headers=member_headers(phone))).status_code == 200
    before = await Member.select().where(Member.phone == phone).first()
    assert before is not None
    with live_server() as base, chromium(window="1440,900") as driver:
        _staff_signed_in(driver, base)
        driver.get(f"{base}/admin/#/member/{before['id']}/")
        save = WebDriverWait(driver, PATIENCE_S).until(_save_button)
        assert save is not None
        # Save once the form holds the row (its inputs are filled after the row arrives).
        WebDriverWait(driver, PATIENCE_S).until(lambda d: d.execute_script(SHOWS_VALUE, phone))
        save.click()
        WebDriverWait(driver, PATIENCE_S).until(lambda d: "saved" in page_text(d).lower())
        driver.save_screenshot(str(screenshot_folder() / "member-saved-unchanged.png"))
        errors = console_errors(driver)
    assert not errors, errors
    assert await Member.select().where(Member.id == before["id"]).first() == before
    card = await client.get("/api/v1/me/card", headers=member_headers(phone))
    assert card.status_code == 200, card.text


# The edit form holds the row once one of its fields has a value (foreign keys are hidden inputs).
FORM_FILLED = (
    "return Array.from(document.querySelectorAll('form input, form textarea'))"
    ".some(i => !['checkbox', 'submit', 'button'].includes(i.type) && i.value)"
)


async def test_saving_any_editable_row_unchanged_changes_nothing() -> None:
    await _a_staff_account_and_a_row_in_every_table()
    editable = [c.table_class for c in TABLES if POLICIES[c.table_class].editable]
    rows = {table: await row_in(table) for table in editable}
    before = await snapshot(list(rows))
    failures: list[str] = []
    with live_server() as base, chromium(window="1440,900") as driver:
        _staff_signed_in(driver, base)
        for table, row_id in rows.items():
            name = table._meta.tablename
            driver.get(f"{base}/admin/#/{name}/{row_id}/")
            driver.refresh()  # a fresh page: the last table's "saved" message must not count
            save = WebDriverWait(driver, PATIENCE_S).until(_save_button)
            assert save is not None
            # A row of empty links only (a birthday gift without tier or reward yet) shows no value.
            with contextlib.suppress(TimeoutException):
                WebDriverWait(driver, 5).until(lambda d: d.execute_script(FORM_FILLED))
            save.click()
            try:
                WebDriverWait(driver, PATIENCE_S).until(lambda d: "saved" in page_text(d).lower())
            except TimeoutException:
                failures.append(f"{name}: no 'saved' message")
            driver.save_screenshot(str(screenshot_folder() / f"saved-{name}.png"))
            failures += [f"{name}: {message}" for message in console_errors(driver)]
    assert not failures, "\n".join(failures)
    assert await snapshot(list(rows)) == before
