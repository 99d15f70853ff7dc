"""The Shadow / go-live page in a real browser (headless Chromium), against the whole
sidecar in dry run on the sandbox while a person assigns the tickets.

With ``DESKROUTE_SCREENSHOTS=docs/img`` the run saves ``console-shadow.png`` there (for
docs/sidecar.md). Needs Playwright and the console foundation (login, ``base.html``);
skipped until both are installed and merged. The page is opened with the admin token, which
the console takes as well as its login cookie.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxHandle, start_sandbox
from sandbox.chaos.replicas import wait_for
from sidecar.compose import build_sidecar
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.test_sandbox_e2e import settings_for

pytest.importorskip("sidecar.console.auth", reason="the console foundation is not merged yet")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TICKETS = 12
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def shadow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page's address on a dry-run sidecar over the sandbox, where a person assigned
    every ticket: half to our pick, half to someone else."""
    tmp_path = tmp_path_factory.mktemp("shadow-browser")
    with start_sandbox(
        agents=4, tickets=0, seed=11, job_delay=0.01, rate_limits=False, search_lag=0,
        export_lag=0,
    ) as desk:  # fmt: skip
        settings = settings_for("zendesk", desk, tmp_path, dry_run=True, admin_token=ADMIN_TOKEN)
        sidecar = build_sidecar(settings)
        sidecar.start()
        try:
            assign_as_a_person(desk, sidecar.store)
            yield f"http://127.0.0.1:{sidecar.port}/console/shadow"
        finally:
            sidecar.stop()


def assign_as_a_person(desk: SandboxHandle, store: Any) -> None:
    ids = desk.create_tickets(TICKETS)

    def ours(n: int) -> str | None:
        row = store.tickets.get(str(n))
        return None if row is None else row.our_agent

    assert wait_for(lambda: all(ours(n) for n in ids), seconds=30)
    people = desk.sandbox.desk
    for index, n in enumerate(ids):
        pick = int(str(ours(n)))
        if index % 2:
            pick = next(agent for agent in sorted(people.agents) if agent != pick)
        people.update_ticket(n, {"assignee_id": pick}, "human:lead")
    assert wait_for(lambda: all(store.tickets.get(str(n)).ticket.assignee for n in ids), seconds=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def open_page(browser: Any, url: str, **options: Any) -> Any:
    context = browser.new_context(
        extra_http_headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, **options
    )
    page = context.new_page()
    page.goto(url)
    return page


def test_a_lead_reads_whether_to_switch_on_and_why(browser: Any, shadow_url: str) -> None:
    page = open_page(browser, shadow_url, viewport={"width": 1100, "height": 900})
    recommendation = page.locator("#recommendation").inner_text()
    assert "Not yet." in recommendation
    assert f"only {TICKETS} tickets compared with a person's assignment" in recommendation
    headline = page.locator("#headline").inner_text().lower()  # the stylesheet capitalises
    assert "agreed with their first choice\t6 (50%)" in headline
    assert page.locator("#samples tbody tr").count() == TICKETS // 2
    if shots := os.environ.get("DESKROUTE_SCREENSHOTS"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / "console-shadow.png"), full_page=True)
    page.context.close()


def test_the_window_is_chosen_in_the_form(browser: Any, shadow_url: str) -> None:
    page = open_page(browser, shadow_url)
    page.fill("input[name=days]", "1")
    page.locator("form", has=page.locator("input[name=days]")).locator("button").click()
    page.wait_for_url("**/console/shadow?days=1")
    assert "decided in dry run\t12" in page.locator("#headline").inner_text().lower()
    page.fill("input[name=since]", "2020-01-01T00:00")
    page.fill("input[name=until]", "2020-01-02T00:00")
    page.locator("form", has=page.locator("input[name=since]")).locator("button").click()
    page.wait_for_url("**/console/shadow?since=*")
    assert "decided in dry run\t0" in page.locator("#headline").inner_text().lower()
    page.context.close()


def test_on_a_phone_only_the_tables_scroll_sideways(browser: Any, shadow_url: str) -> None:
    page = open_page(browser, shadow_url, viewport=PHONE, is_mobile=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], "the page itself scrolls sideways on a phone"
    assert page.locator("#recommendation").is_visible()
    page.context.close()
