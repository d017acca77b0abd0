"""A real browser for page tests: the app served by uvicorn, driven by headless Chromium.

Chromium and chromedriver come from Debian's packages (``.ci/run`` installs them). Without
them these tests fail with a clear message when ``REQUIRE_BROWSER=1`` (CI) and are skipped
on a developer machine that has no browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from selenium.webdriver.remote.webdriver import WebDriver

# How long a page may take to show what a test waits for: generous, since CI runs Chromium beside
# the server and the database on two cores; a wait ends as soon as the page is ready.
PATIENCE_S = 60
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def require_browser() -> None:
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER):
        return
    message = "Chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(**env: str) -> Iterator[str]:
    """Serve api.app:app on a free port against the test database; yield its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_S  # a loaded machine imports the app slowly
        while True:
            try:
                if httpx.get(base + "/health", timeout=5).status_code in (200, 503):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the test server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def chromium(window: str = "1280,900") -> Iterator[WebDriver]:
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={window}",
        f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}",
    ):
        options.add_argument(flag)
    # Console messages of every level, so that tests can fail on any error the page logs.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def login_to_admin(driver: WebDriver, base: str, username: str, password: str) -> None:
    """Sign in through the admin's own login form, as a person would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/admin/")
    wait = WebDriverWait(driver, PATIENCE_S)
    wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit], button").click()


def screenshot_folder() -> Path:
    """Where page screenshots go: ``$SCREENSHOT_DIR`` (CI keeps it as an artifact) or
    ``tests/artifacts/screenshots`` (git-ignored)."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).parents[1] / "artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def console_errors(driver: WebDriver) -> list[str]:
    """The SEVERE console entries since the last call (reading the log empties it)."""
    # get_log is Chromium's (selenium types the driver as the generic remote one).
    entries: list[dict[str, Any]] = cast(Any, driver).get_log("browser")
    return [str(entry["message"]) for entry in entries if entry["level"] == "SEVERE"]


def page_text(driver: WebDriver) -> str:
    """The page's visible text, read in one script call: a node the page replaces meanwhile (the
    admin's grid redrawn, the formats script rewriting a cell) cannot go stale between finding it
    and reading it. No-break spaces read as spaces, as Selenium's ``.text`` reads them."""
    text = driver.execute_script("return document.body ? document.body.innerText : ''")
    return str(text or "").replace("\xa0", " ")
