"""Fixtures of the console tests: a hand-moved clock (HTTP tests); and for browser tests a
sidecar routing the sandbox help desk end to end, and headless Chromium driven by Playwright.

The browser is Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it); Playwright never
downloads one (``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1``). With ``DESKROUTE_SCREENSHOTS=DIR``
set, ``screenshot`` saves each page as ``DIR/console-<page>.png`` (docs/img in the docs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pydantic import SecretStr

from config.settings import Settings
from sandbox import SandboxHandle, start_sandbox
from sidecar.compose import build_sidecar
from sidecar.embedded import sandbox_settings
from sidecar.service import Sidecar
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.fakes import FakeClock
from tests.sidecar.test_service import wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
FAST = {"poll_seconds": 1, "roster_seconds": 1, "drain_seconds": 0.3, "write_seconds": 0.3,
        "sweep_seconds": 5}  # fmt: skip
PHONE = {"width": 390, "height": 844}
"""An iPhone-sized viewport, for the pages' phone layout."""


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock."""
    return FakeClock()


@dataclass(frozen=True)
class RunningConsole:
    """A sidecar serving the console over loopback, routing the sandbox help desk."""

    url: str
    token: str
    sidecar: Sidecar
    desk: SandboxHandle


@pytest.fixture(scope="module")
def running_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """The sandbox (four agents) and a sidecar over it with the admin token set; tickets
    the sidecar routed, and (after the agents of a group went offline) tickets waiting."""
    folder = tmp_path_factory.mktemp("console")
    with start_sandbox(agents=4, tickets=0, seed=3, job_delay=0.05, search_lag=0,
                       export_lag=0) as desk:  # fmt: skip
        base = Settings(
            helpdesk="zendesk", database_url=f"sqlite:///{folder / 'console.sqlite3'}",  # type: ignore[arg-type]
            http={"port": 0}, scheduler=FAST, admin_token=SecretStr(ADMIN_TOKEN),
        )  # fmt: skip
        sidecar = build_sidecar(sandbox_settings(base, desk))
        sidecar.start()
        try:
            yield RunningConsole(f"http://127.0.0.1:{sidecar.port}", ADMIN_TOKEN, sidecar, desk)
        finally:
            sidecar.stop()


def routed(console: RunningConsole, count: int) -> None:
    """Create ``count`` tickets and wait until the sidecar decided every one of them."""
    store = console.sidecar.store
    before = store.decisions.count()
    console.desk.create_tickets(count)
    assert wait_for(lambda: store.decisions.count() >= before + count, seconds=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium under Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (its own cookies), desktop sized."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab the size of a phone's screen."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def log_in(page: Page, console: RunningConsole, path: str = "/console/queue") -> None:
    """Open ``path``, get sent to the login, give the admin token, land back on ``path``."""
    page.goto(console.url + path)
    page.get_by_label("Admin token").fill(console.token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(console.url + path)


def screenshot(page: Page, name: str) -> None:
    """Save the page as ``console-<name>.png`` when ``DESKROUTE_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("DESKROUTE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)
