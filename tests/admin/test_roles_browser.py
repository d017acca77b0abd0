"""Each role in a real browser: the sidebar offers only what the role may open, the dashboard opens
for those allowed it, a refused page says so in Vietnamese, and nothing logs a console error."""

from __future__ import annotations

import re

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from admin import permissions
from admin.access import NO_ROLE_LINK, NO_ROLE_PAGE, SYSTEM_TABLES
from admin.site import FORMS, SERVED
from loyalty.members import create_store, enrol_at_till, stores
from loyalty.setup.demo import DEMO_ROLE_USERS, DEMO_STAFF_PASSWORD, DEMO_STORE, seed_staff
from tests.support.browser import (
    PATIENCE_S,
    chromium,
    console_errors,
    live_server,
    login_to_admin,
    page_text,
    screenshot_folder,
)
from tests.support.complaints import PASSWORD, staff

SYSTEM = {t._meta.tablename for t in SYSTEM_TABLES}
TABLES = [c.table_class._meta.tablename for c in SERVED]
FORM_SLUGS = [f.slug for f in FORMS]


def _body(driver: WebDriver) -> str:
    return str(page_text(driver))


def _sidebar(driver: WebDriver) -> tuple[set[str], set[str]]:
    """The tables and forms the sidebar links to."""
    hrefs = [str(a.get_attribute("href") or "") for a in driver.find_elements(By.CSS_SELECTOR, "a[href]")]
    tables = {m[1] for h in hrefs if (m := re.search(r"#/([a-z_]+)/?$", h)) and m[1] in TABLES}
    forms = {m[1] for h in hrefs if (m := re.search(r"#/forms/([a-z0-9-]+)/?$", h))}
    return tables, forms


def _not_the_refused_page(messages: list[str], path: str) -> list[str]:
    # The browser reports the refused page's own 403 as a failed load: that one is the point.
    return [m for m in messages if not (path in m and "403" in m)]


@pytest.mark.parametrize("username", list(DEMO_ROLE_USERS))
async def test_each_role_sees_only_what_it_may_open(username: str) -> None:
    await create_store(DEMO_STORE[0], DEMO_STORE[1])
    till = await stores.create_terminal(DEMO_STORE[0], "Quầy 1")
    await enrol_at_till("0907654321", "Chị Lan", terminal_id=till.terminal_id, store_code=DEMO_STORE[0])
    await seed_staff()
    role = DEMO_ROLE_USERS[username][0]
    shots = screenshot_folder()
    with live_server() as base, chromium() as driver:
        wait = WebDriverWait(driver, PATIENCE_S, ignored_exceptions=[StaleElementReferenceException])
        login_to_admin(driver, base, username, DEMO_STAFF_PASSWORD)
        wait.until(lambda d: "Chào mừng" in _body(d))
        console_errors(driver)  # the login page's own 401s (it asks who is signed in first)
        expected_tables = {t for t in TABLES if permissions.may_read(role, t) and t not in SYSTEM}
        expected_forms = {s for s in FORM_SLUGS if permissions.may_send(role, s)}
        wait.until(lambda d: _sidebar(d) == (expected_tables, expected_forms))
        driver.save_screenshot(str(shots / f"roles-{username}-admin.png"))
        assert console_errors(driver) == []

        # A table it may read opens with its rows (a store account: its own store's).
        table = "member" if permissions.may_read(role, "member") else sorted(expected_tables)[0]
        driver.get(f"{base}/admin/#/{table}")
        if table == "member":
            wait.until(lambda d: "0907654321" in _body(d) or "+84907654321" in _body(d))
        else:
            wait.until(lambda d: table.replace("_", " ") in _body(d).lower())
        driver.save_screenshot(str(shots / f"roles-{username}-{table}.png"))
        assert console_errors(driver) == []

        driver.get(f"{base}/staff/dashboard")
        if permissions.may_open(role, "/staff/dashboard"):
            wait.until(lambda d: "Tổng quan chương trình" in _body(d))
            assert console_errors(driver) == []
        else:
            wait.until(lambda d: "Không được phép" in _body(d))
            assert "không được mở trang này" in _body(driver)
            assert _not_the_refused_page(console_errors(driver), "/staff/dashboard") == []
        driver.save_screenshot(str(shots / f"roles-{username}-dashboard.png"))

        # A page this role may not open, typed in by hand: the Vietnamese refusal.
        closed = [p for p in ("/staff/campaigns", "/staff/complaints") if not permissions.may_open(role, p)]
        refused = closed[0] if closed else None
        if refused is not None:
            driver.get(base + refused)
            wait.until(lambda d: "Không được phép" in _body(d))
            assert "không được mở trang này" in _body(driver) and "Về trang quản trị" in _body(driver)
            driver.save_screenshot(str(shots / f"roles-{username}-refused.png"))
            assert _not_the_refused_page(console_errors(driver), refused) == []


async def test_an_account_without_a_role_sees_nothing_but_the_way_to_the_reason() -> None:
    await staff("moi", role=None)
    with live_server() as base, chromium() as driver:
        wait = WebDriverWait(driver, PATIENCE_S, ignored_exceptions=[StaleElementReferenceException])
        login_to_admin(driver, base, "moi", PASSWORD)
        # The sidebar draws link names in title case.
        wait.until(lambda d: NO_ROLE_LINK.lower() in _body(d).lower())
        console_errors(driver)  # the login page's own 401s
        assert _sidebar(driver) == (set(), set())
        driver.save_screenshot(str(screenshot_folder() / "roles-no-role-admin.png"))
        assert console_errors(driver) == []
        driver.get(base + NO_ROLE_PAGE)
        wait.until(lambda d: "chưa được phân quyền" in _body(d))
        assert "Không được phép" in _body(driver)
        driver.save_screenshot(str(screenshot_folder() / "roles-no-role-refused.png"))
        assert _not_the_refused_page(console_errors(driver), NO_ROLE_PAGE) == []
