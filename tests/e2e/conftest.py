"""Fixtures for end-to-end tests in headless Chromium against a real Daphne.

Playwright's sync API keeps an event loop running in the test's thread while it is started, and
Django refuses ORM calls from a thread with a running loop: these tests set up and check data
through the ORM in that same thread, so the check is switched off, for this folder's tests only
(`DJANGO_ALLOW_ASYNC_UNSAFE` is read at each call). For the same reason Playwright lives for one
module at a time: a loop left running would break the asyncio tests that run after this folder.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.live_server import free_port, start_daphne, stop_daphne

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pass-for-tests-1"  # tests.factories.UserFactory's password
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# Long enough for a cold Daphne on a busy two-core machine; a pass takes well under a second.
WAIT_MS = 15_000


class LiveDaphne:
    """A Daphne process serving the test database on a fixed port, which can be stopped and
    started again on that same port (the browser then sees a real server restart)."""

    def __init__(self, *, port: int, log_path: Path, environment: dict[str, str] | None = None):
        self.port = port
        self.environment = environment or {}
        self.url = f"http://127.0.0.1:{port}"
        # Appended to, so a restarted server's log follows the first one's.
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start_daphne(port=self.port, log_path=self.log_path, **self.environment)

    def stop(self) -> None:
        if self.process is not None:
            stop_daphne(self.process)
            self.process = None


@pytest.fixture(autouse=True)
def _needs_chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"end-to-end tests need Debian's chromium at {CHROMIUM}")


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright():
    """For as long as Playwright runs, the database flush after each test included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def daphne_server(transactional_db, tmp_path):
    """A real Daphne on the test database, on a port of its own; stopped before the database is
    flushed. Its log is kept in the test's tmp_path."""
    server = LiveDaphne(port=free_port(), log_path=tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def daphne_with(transactional_db, tmp_path):
    """A live Daphne with settings of its own: `daphne_with(AGENT_PRESENCE_GRACE_SECONDS="1")`."""
    servers = []

    def start(**environment: str) -> LiveDaphne:
        server = LiveDaphne(
            port=free_port(), log_path=tmp_path / "daphne.log", environment=environment
        )
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"end-to-end tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class BrowserErrors:
    """Console errors and uncaught exceptions of every page watched. A test may allow errors it
    causes on purpose (a socket refused while the server is down) by a pattern."""

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self._add(page, f"page error: {error}"))

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url") or ""
        # templates/base.html names no icon, so Chromium's own request for /favicon.ico gets a
        # 404 on the first page of a context: the browser's, not the page's, request.
        if source.endswith("/favicon.ico"):
            return
        self._add(page, f"console error: {message.text} ({source})")

    def _add(self, page, text: str) -> None:
        if not any(pattern.search(text) for pattern in self.allowed):
            self.errors.append(f"{page.url}: {text}")


@pytest.fixture
def browser_errors():
    return BrowserErrors()


@pytest.fixture
def new_page(browser, browser_errors):
    """A page in a browser context of its own (its own cookies: one person each), watched for
    errors; closed at the end of the test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    contexts = []

    def make():
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        browser_errors.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, base_url: str, username: str, *, next_path: str = "/") -> None:
    """Through the login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    if next_path == "/":  # "/" sends each role on to its own page (console.roles.landing_page)
        page.wait_for_url(lambda url: not url.startswith(f"{base_url}/accounts/login/"))
        page.wait_for_load_state()
    else:
        page.wait_for_url(f"{base_url}{next_path}")


@pytest.fixture
def logged_in_page(daphne_server, new_page):
    """A signed-in page for a user who exists already: `logged_in_page("agent001", "/console/")`."""

    def make(username: str, next_path: str = "/"):
        page = new_page()
        log_in(page, daphne_server.url, username, next_path=next_path)
        return page

    return make


def press_shortcut(page, key: str) -> None:
    """A console shortcut pressed as a person does: real key events through Chromium's input
    (Alt+Shift and the key, held and released), which the page's keydown handler reads."""
    page.keyboard.press(f"Alt+Shift+{'Digit' if key.isdigit() else 'Key'}{key.upper()}")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
