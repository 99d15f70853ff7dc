"""The console in a real browser (headless Chromium via Playwright) against a running sidecar
routing the sandbox help desk: log in, read the queue, filter it, open a ticket and read why
it went to an agent by name, open the team page; and the same pages on a phone's screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from router.model import AgentStatus
from tests.console.conftest import RunningConsole, log_in, routed, screenshot
from tests.sidecar.test_service import wait_for

pytestmark = pytest.mark.slow
OFFLINE = ("Bram 02", "Chloe 03", "Dev 04")
"""Agents who go away after the first tickets; Ada stays and fills up to her capacity."""


@pytest.fixture(scope="module")
def console(running_console: RunningConsole) -> RunningConsole:
    """Six tickets routed with everyone online; then everyone goes away and twelve more
    arrive (they wait); then Ada is back and takes them up to her capacity, the rest wait."""
    sidecar, desk = running_console.sidecar, running_console.desk
    assert wait_for(lambda: len(sidecar.pipeline.agents) == 4, seconds=20)
    routed(running_console, 6)
    everyone = {agent.name: agent.id for agent in sidecar.pipeline.agents}
    for agent_id in everyone.values():
        desk.set_availability(agent_id, False)
    assert wait_for(lambda: away(running_console) == set(everyone), seconds=30)
    routed(running_console, 12)
    desk.set_availability(everyone["Ada 01"], True)
    assert wait_for(lambda: waiting_because(running_console, "at capacity"), seconds=30)
    return running_console


def waiting_because(console: RunningConsole, words: str) -> bool:
    rows = console.sidecar.store.tickets.in_states(("waiting",))
    return any(words in (row.reason or "") for row in rows)


def away(console: RunningConsole) -> set[str]:
    return {a.name for a in console.sidecar.pipeline.agents if a.status != AgentStatus.ONLINE}


def names(console: RunningConsole) -> dict[str, str]:
    return {agent.id: agent.name for agent in console.sidecar.pipeline.agents}


def an_assigned_ticket(console: RunningConsole) -> tuple[str, str]:
    """The ticket the sidecar assigned with the most agents able to take it, and the name
    of the agent it went to."""
    assigned = [d for d in console.sidecar.store.decisions.recent(50) if d["outcome"] == "assigned"]
    assert assigned, "no ticket was assigned"
    best = max(assigned, key=lambda decision: decision["eligible"][0])
    return str(best["ticket"]), names(console)[best["agent"]]


def test_logging_in_shows_the_queue_of_waiting_tickets_with_reasons(
    page: Page, console: RunningConsole
) -> None:
    page.goto(console.url + "/")
    expect(page).to_have_url(re.compile(r"/console/login\?next=%2Fconsole%2Fqueue$"))
    screenshot(page, "login")
    page.get_by_label("Admin token").fill(console.token)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(console.url + "/console/queue")
    expect(page.get_by_role("heading", level=1)).to_contain_text("waiting")
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("no eligible agent")
    expect(rows.first).to_contain_text("not online")
    screenshot(page, "queue")


def test_a_wrong_token_stays_on_the_login_page(page: Page, console: RunningConsole) -> None:
    page.goto(console.url + "/console/team")
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("That is not the admin token.")
    assert page.context.cookies() == []


def test_filtering_the_queue_by_reason_keeps_only_those_tickets(
    page: Page, console: RunningConsole
) -> None:
    log_in(page, console)
    page.get_by_label("Why waiting").select_option("status")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"reason=status"))
    whys = page.locator("tbody td.why").all_inner_texts()
    assert whys and all("not online" in why for why in whys)
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"priority=urgent&reason=status"))


def test_the_search_box_opens_a_ticket_and_says_why_it_went_to_an_agent_by_name(
    page: Page, console: RunningConsole
) -> None:
    ticket, agent = an_assigned_ticket(console)
    log_in(page, console)
    page.get_by_label("Ticket id").fill(ticket)
    page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(console.url + f"/console/tickets/{ticket}")
    decision = page.locator("section.decision").filter(has_text="went to").last
    expect(decision).to_contain_text(f"went to {agent}")
    expect(decision.get_by_role("heading", name=f"Why {agent}")).to_be_visible()
    expect(decision).to_contain_text("Write-back")
    expect(decision).not_to_contain_text("1100000")  # names, not ids
    screenshot(page, "ticket")


def test_a_queue_row_opens_the_ticket_with_its_refusal(page: Page, console: RunningConsole) -> None:
    log_in(page, console)
    first = page.locator("tbody tr a").first
    ticket = first.inner_text()
    first.click()
    expect(page).to_have_url(console.url + f"/console/tickets/{ticket}")
    expect(page.locator("section.decision").last).to_contain_text("waiting: no eligible agent")
    expect(page.locator("section.decision").last).to_contain_text(": not online")


def test_the_team_page_names_every_agent_with_availability_and_load(
    page: Page, console: RunningConsole
) -> None:
    log_in(page, console)
    page.get_by_role("link", name="Team").click()
    expect(page).to_have_url(console.url + "/console/team")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(4)
    for name in names(console).values():
        row = rows.filter(has_text=name)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("away" if name in OFFLINE else "online, on shift")
        expect(row).to_contain_text(re.compile(r"\d+ / 10"))
    expect(page.locator("body")).not_to_contain_text("1100000")
    screenshot(page, "team")


@pytest.mark.parametrize("path", ["/console/queue", "/console/team"])
def test_the_pages_fit_a_phone_screen(phone: Page, console: RunningConsole, path: str) -> None:
    log_in(phone, console, path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width}px wide on a 390px screen"
    expect(phone.get_by_role("link", name="Queue")).to_be_visible()
    expect(phone.get_by_label("Ticket id")).to_be_visible()
    screenshot(phone, "phone-" + path.rsplit("/", 1)[1])
