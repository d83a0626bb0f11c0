"""The console in a real browser: Debian's chromium, headless, driven by Selenium (chromium-driver),
against a real `leerrecht-server serve` on loopback. The first login (one-time password, a new
password, the TOTP enrolment), a user created and the enrolment code read off the page (and used by a
laptop's enrolment), logout and a login with password and TOTP; the user moved to another team, their
laptop revoked (and told so at its next contact), the audit log filtered and its rows downloaded as CSV;
screenshots of every page at 1366×768 and of the users page in a tablet's portrait (under the test's tmp_path, copies in
/tmp/console-shots/); and no page breaks its Content-Security-Policy (the browser's console log says
so if one does).

Skips, saying why, where chromium, chromedriver or selenium are missing (scripts/install-system-deps.sh
installs the first two, `pip install -e '.[dev]'` the last)."""

from __future__ import annotations

import csv
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from leerrecht_core.crypto.keys import UserSecrets
from leerrecht_server import admin, admin_accounts
from leerrecht_server.db import migrate, open_engine

from .conftest import Actor, ServerProcess, World

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SHOTS = Path("/tmp/console-shots")
PASSWORD = "een lange zin als wachtwoord"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (scripts/install-system-deps.sh)"),
    pytest.mark.skipif(CHROMEDRIVER is None, reason="no chromedriver (Debian: chromium-driver; "
                                                    "scripts/install-system-deps.sh)"),
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--window-size=1366,768", "--disable-gpu", "--no-first-run",
                "--disable-dev-shm-usage", "--force-device-scale-factor=1", f"--user-data-dir={tmp_path / 'chrome'}"):
        options.add_argument(arg)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)  # an element looked up right after a navigation: wait for it to be there
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, condition: Any) -> None:
    """A click or a submit returns before the page it leads to has loaded (more so on a busy machine):
    wait for what the next step needs, up to 30 s."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(condition)


def viewport(driver: Any, width: int, height: int) -> None:
    """The page's own viewport, exactly (a window size would include the browser's frame)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 1000})


def shot(driver: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    assert driver.save_screenshot(str(path)), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return path


def fill(driver: Any, **fields: str) -> None:
    from selenium.webdriver.common.by import By

    for element_id, value in fields.items():
        element = driver.find_element(By.ID, element_id)
        element.clear()
        element.send_keys(value)


def submit(driver: Any, form_field_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, form_field_id).submit()


def csp_violations(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]


def test_console_in_a_real_browser(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    engine = open_engine(db_url)
    migrate(engine)
    admin.create_team(engine, "Team Noord")
    admin.create_team(engine, "Team Zuid")
    admin.create_user(engine, "jdevos", "coordinator", "Team Zuid")
    one_time = admin_accounts.create_admin(engine, "beheer")
    server = ServerProcess(db_url, tmp_path / "server.log")
    try:
        driver = browser
        viewport(driver, 1366, 768)
        driver.get(f"{server.url}/admin/users")
        wait_for(driver, lambda d: d.current_url == f"{server.url}/admin/login")
        shot(driver, tmp_path, "01-login-1366x768")
        fill(driver, name="beheer", password=one_time)
        submit(driver, "password")

        # First login: the TOTP secret as text, a password of one's own, a code from the "app".
        wait_for(driver, lambda d: d.current_url.endswith("/admin/setup"))
        secret = driver.find_element(By.ID, "totp-secret").text.replace(" ", "")
        assert driver.find_element(By.ID, "totp-uri").get_attribute("href").startswith("otpauth://totp/")
        assert driver.find_element(By.ID, "totp-qr").size["width"] >= 150  # the QR code, drawn
        shot(driver, tmp_path, "02-setup-1366x768")
        fill(driver, password=PASSWORD, repeat=PASSWORD, code=pyotp.TOTP(secret).now())
        submit(driver, "code")

        wait_for(driver, lambda d: d.current_url.endswith("/admin/users"))
        assert "jdevos" in driver.find_element(By.ID, "users").text
        fill(driver, **{"new-username": "anna"})
        Select(driver.find_element(By.ID, "new-team")).select_by_visible_text("Team Noord")
        Select(driver.find_element(By.ID, "new-role")).select_by_value("netsterk")
        driver.find_element(By.ID, "create-user").click()
        wait_for(driver, lambda d: d.find_elements(By.ID, "enrolment-code"))
        code = driver.find_element(By.ID, "enrolment-code").text
        assert len(code.replace("-", "")) == 20
        shot(driver, tmp_path, "03-user-created-1366x768")

        # The code the page showed enrols a laptop, over the same real server.
        with httpx.Client(base_url=server.url, timeout=30) as http:
            user_id = str(uuid.uuid4())
            actor = Actor("anna", user_id, UserSecrets.generate(user_id), os.urandom(32), "Team Noord", "netsterk")
            r = http.post("/v1/enrol", json=World(http, engine).enrol_body(actor, code))
            assert r.status_code == 200, r.text
            actor.token = r.json()["device_token"]

        driver.find_element(By.LINK_TEXT, "Terug naar de gebruikers").click()
        table = driver.find_element(By.ID, "users").text
        assert "anna" in table and "actief" in table and code not in driver.page_source
        shot(driver, tmp_path, "04-users-1366x768")
        # The page fits the width: no horizontal scrolling at 1366 px.
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 1366
        viewport(driver, 768, 1024)
        driver.refresh()
        shot(driver, tmp_path, "05-users-tablet-768x1024")
        viewport(driver, 1366, 768)

        # Logout, then the everyday login: password, then the TOTP code (the next step's: one is used once).
        driver.find_element(By.CSS_SELECTOR, "form[action='/admin/logout'] button").click()
        # A button's click returns before the form's navigation ends: wait for the login page (a condition).
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/admin/login"))
        fill(driver, name="beheer", password=PASSWORD)
        submit(driver, "password")
        wait_for(driver, lambda d: d.current_url.endswith("/admin/totp"))
        fill(driver, code=pyotp.TOTP(secret).at(time.time() + 30))
        submit(driver, "code")
        wait_for(driver, lambda d: d.current_url.endswith("/admin/users"))
        row = driver.find_element(By.XPATH, "//table[@id='users']//tr[td[@class='name' and text()='anna']]")
        Select(row.find_element(By.NAME, "team")).select_by_visible_text("Team Zuid")
        row.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
        WebDriverWait(driver, 30).until(lambda d: "Gebruiker verplaatst" in d.page_source)
        row = driver.find_element(By.XPATH, "//table[@id='users']//tr[td[@class='name' and text()='anna']]")
        assert "Team Zuid" in row.text and "Netsterk-medewerker" in row.text

        # Revoke anna's laptop (lost): the confirmation asks, the laptop is told at its next contact.
        driver.find_element(By.CSS_SELECTOR, "nav a[href='/admin/devices']").click()
        row = driver.find_element(By.XPATH, "//table[@id='devices']//tr[td[@class='name' and text()='anna']]")
        row.find_element(By.PARTIAL_LINK_TEXT, "Intrekken en wissen").click()
        wait_for(driver, lambda d: "/admin/devices/revoke" in d.current_url)
        shot(driver, tmp_path, "06-revoke-1366x768")
        driver.find_element(By.CSS_SELECTOR, "input[name='confirm']").click()
        driver.find_element(By.CSS_SELECTOR, "form[action='/admin/devices/revoke'] button").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/admin/devices/revoke")
                                        and "ingetrokken" in d.find_element(By.ID, "devices").text)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/v1/pull", headers=actor.headers).json()["code"] == "device_revoked"

        # The audit log, filtered on anna and one action, then the filtered rows as CSV.
        driver.find_element(By.CSS_SELECTOR, "nav a[href='/admin/audit']").click()
        fill(driver, **{"audit-user": "anna"})
        Select(driver.find_element(By.NAME, "action")).select_by_value("move_user")
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        WebDriverWait(driver, 30).until(lambda d: "action=move_user" in d.current_url)
        table = driver.find_element(By.ID, "audit").text
        assert "move_user" in table and "console:beheer" in table and "revoke_device" not in table
        shot(driver, tmp_path, "07-audit-filtered-1366x768")
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.find_element(By.ID, "audit-csv").click()
        WebDriverWait(driver, 30).until(lambda _d: any(p.suffix == ".csv" for p in downloads.iterdir()))
        exported = next(p for p in downloads.iterdir() if p.suffix == ".csv")
        with exported.open(encoding="utf-8-sig", newline="") as f:
            exported_rows = list(csv.DictReader(f))
        assert exported_rows and {r["action"] for r in exported_rows} == {"move_user"}
        assert all(r["actor"] == "console:beheer" for r in exported_rows)

        # The other pages, each at 1366x768.
        for number, page in enumerate(("teams", "devices", "audit", "retention", "recovery", "admins", "status"),
                                      start=8):
            driver.find_element(By.CSS_SELECTOR, f"nav a[href='/admin/{page}']").click()
            wait_for(driver, lambda d, page=page: d.current_url.endswith(f"/admin/{page}"))
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 1366, page
            shot(driver, tmp_path, f"{number:02d}-{page}-1366x768")
        driver.find_element(By.CSS_SELECTOR, "nav a[href='/admin/users']").click()

        # English, and back.
        driver.find_element(By.LINK_TEXT, "English").click()
        wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Users")
        driver.find_element(By.LINK_TEXT, "Nederlands").click()
        wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Gebruikers")

        # The cookie is the browser's only: HttpOnly (no script could read it; there is no script).
        cookie = driver.get_cookie("lr_admin_session")
        assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert csp_violations(driver) == []
    finally:
        server.stop()
        engine.dispose()
