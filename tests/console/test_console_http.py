"""The web console over HTTP (TestClient): who gets in, what the queue, team and ticket pages
say, and how filters and bad input are answered. The browser tests drive a real sidecar."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time, timedelta
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from config.settings import Settings
from router.model import AgentStatus, Capacity
from router.schedule import Schedule, Window
from sidecar.console.auth import COOKIE, safe_next, session_cookie, valid_session
from sidecar.http import AppContext, create_app
from sidecar.store import Store
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

WEEKDAYS = Schedule(
    timezone="UTC", shifts=(Window(days=frozenset(range(5)), start=time(8), end=time(18)),)
)


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Iterator[Rig]:
    """A desk of three agents (Ana, Bo, Cy) with routed, waiting and undecided tickets."""
    store = Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", "r", clock())
    rig = Rig(store, clock)
    desk = rig.desk
    desk.add_agent("ana", skills={"billing": 3}, groups=frozenset({"support"}), schedule=WEEKDAYS)
    desk.add_agent("bo", skills={"billing": 1}, groups=frozenset({"support"}),
                   capacity=Capacity(max_load=2))  # fmt: skip
    desk.add_agent("cy", skills={"billing": 2}, groups=frozenset({"support"}))
    desk.set_status("cy", AgentStatus.OFFLINE)
    desk.new_ticket("101", subject="Refund please", required_skills={"billing": 2})
    desk.new_ticket("102", subject="Contract review", required_skills={"legal": 1},
                    priority="high", group="support")  # fmt: skip
    desk.new_ticket("103", subject="VIP escalation", group="vip", priority="urgent")
    rig.cycle()
    clock.advance(600)
    desk.new_ticket("104", subject="Just arrived", priority="low")
    rig.pipeline.poll()
    yield rig
    store.close()


def console_for(
    rig: Rig, clock: FakeClock, token: str | None = ADMIN_TOKEN, **settings_: object
) -> TestClient:
    settings = Settings(admin_token=SecretStr(token) if token else None, **settings_)  # type: ignore[arg-type]
    ctx = AppContext(
        settings=settings, store=rig.store, metrics=rig.metrics, clock=clock,
        is_leader=lambda: True, ready=lambda: True, kick=lambda: None, accepting=lambda: True,
        roster=lambda: rig.pipeline.agents,
    )  # fmt: skip
    return TestClient(create_app(ctx), follow_redirects=False)


@pytest.fixture
def http(rig: Rig, clock: FakeClock) -> Iterator[TestClient]:
    """The console, not logged in."""
    with console_for(rig, clock) as client:
        yield client


@pytest.fixture
def admin(http: TestClient) -> TestClient:
    """The console after logging in with the admin token."""
    answer = http.post("/console/login", data={"token": ADMIN_TOKEN, "next": "/console/queue"})
    assert answer.status_code == 303
    return http


def text_of(html: str) -> str:
    """The page's words, tags and extra spaces removed."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


# --- who gets in ---------------------------------------------------------------------------


def test_the_root_leads_to_the_queue(http: TestClient) -> None:
    answer = http.get("/")
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/queue")


@pytest.mark.parametrize("path", ["/console/queue", "/console/team", "/console/tickets/101"])
def test_a_page_without_login_redirects_to_the_login_with_the_way_back(
    http: TestClient, path: str
) -> None:
    answer = http.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=" + path.replace("/", "%2F")


def test_logging_in_sets_an_httponly_strict_cookie_that_does_not_hold_the_token(
    http: TestClient,
) -> None:
    answer = http.post("/console/login", data={"token": ADMIN_TOKEN, "next": "/console/team"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/team")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and ADMIN_TOKEN not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    assert http.get("/console/team").status_code == 200


def test_a_wrong_token_is_refused_on_the_login_page_without_a_cookie(http: TestClient) -> None:
    answer = http.post("/console/login", data={"token": "guess", "next": "/console/team"})
    assert answer.status_code == 401 and "set-cookie" not in answer.headers
    assert "That is not the admin token." in answer.text
    assert http.get("/console/team").status_code == 303


def test_repeated_wrong_tokens_are_answered_429(http: TestClient) -> None:
    for _ in range(60):
        http.post("/console/login", data={"token": "guess"})
    answer = http.post("/console/login", data={"token": ADMIN_TOKEN})
    assert answer.status_code == 429 and "Retry-After" in answer.headers


def test_the_bearer_token_opens_a_page_without_logging_in(http: TestClient) -> None:
    answer = http.get("/console/queue", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200


def test_pages_are_never_cached_nor_framed_by_another_site(admin: TestClient) -> None:
    headers = admin.get("/console/queue").headers
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_logging_out_ends_the_session(admin: TestClient) -> None:
    answer = admin.post("/console/logout")
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")
    assert admin.get("/console/queue").status_code == 303


@pytest.mark.parametrize(
    ("cookie", "valid"),
    [
        pytest.param(lambda now: session_cookie(ADMIN_TOKEN, now + timedelta(hours=1)), True,
                     id="fresh"),
        pytest.param(lambda now: session_cookie(ADMIN_TOKEN, now - timedelta(seconds=1)), False,
                     id="expired"),
        pytest.param(lambda now: session_cookie("old-token", now + timedelta(hours=1)), False,
                     id="made-for-another-token"),
        pytest.param(lambda now: "99999999999.forged", False, id="forged"),
        pytest.param(lambda now: ADMIN_TOKEN, False, id="the-token-itself"),
        pytest.param(lambda now: "", False, id="empty"),
        pytest.param(lambda now: "²³.ab", False, id="not-ascii-digits"),
    ],
)  # fmt: skip
def test_a_session_cookie_is_valid_only_unexpired_and_signed_by_the_token(
    cookie: object, valid: bool, clock: FakeClock
) -> None:
    assert callable(cookie)
    assert valid_session(cookie(clock()), ADMIN_TOKEN, clock()) is valid


def test_a_forged_cookie_is_sent_to_the_login(http: TestClient) -> None:
    http.cookies.set(COOKIE, "99999999999.0000")
    assert http.get("/console/queue").status_code == 303


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param("/console/team?x=1", "/console/team?x=1", id="console-path"),
        pytest.param("//evil.example/console/", "/console/queue", id="other-host"),
        pytest.param("https://evil.example/", "/console/queue", id="absolute-url"),
        pytest.param("/console/login", "/console/queue", id="the-login-itself"),
        pytest.param("/console/\\evil", "/console/queue", id="backslash"),
        pytest.param(None, "/console/queue", id="none"),
    ],
)
def test_after_login_only_a_console_path_is_followed(given: str | None, kept: str) -> None:
    assert safe_next(given) == kept


def test_the_console_is_off_without_an_admin_token(rig: Rig, clock: FakeClock) -> None:
    with console_for(rig, clock, token=None) as client:
        assert client.get("/console/queue").status_code == 404
        assert client.get("/console/login").status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param(b'{"token": "x"}', "application/json", 415, id="json"),
        pytest.param(b"token=" + b"x" * 5000, "application/x-www-form-urlencoded", 413,
                     id="too-large"),
        pytest.param(b"token=%ff", "application/x-www-form-urlencoded", 401, id="not-utf8"),
    ],
)  # fmt: skip
def test_a_malformed_login_is_a_4xx(
    http: TestClient, body: bytes, content_type: str, status: int
) -> None:
    answer = http.post("/console/login", content=body, headers={"Content-Type": content_type})
    assert answer.status_code == status


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_lists_waiting_and_undecided_tickets_most_urgent_first(
    admin: TestClient,
) -> None:
    page = text_of(admin.get("/console/queue").text)
    assert "3 of 3 waiting" in page
    assert page.index("103") < page.index("102") < page.index("104")
    assert "101" not in page.split("Why waiting", 1)[1]  # routed, not waiting


def test_the_queue_says_why_each_ticket_waits_in_words(admin: TestClient) -> None:
    page = text_of(admin.get("/console/queue").text)
    assert "no eligible agent: 3 outside the ticket's group" in page
    assert "no eligible agent: 3 lacking a required skill" in page
    assert "not decided yet (new or changed)" in page


def test_the_queue_shows_age_and_the_sla_clock(rig: Rig, clock: FakeClock) -> None:
    with console_for(rig, clock, follow_through={"first_reply_minutes_urgent": 5}) as client:
        client.post("/console/login", data={"token": ADMIN_TOKEN})
        page = text_of(client.get("/console/queue").text)
    assert "103 VIP escalation urgent vip 10 min breached 5 min ago" in page
    assert "102 Contract review high support 10 min 1 h 50 min left" in page
    assert "104 Just arrived low — 0 s no target" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        pytest.param("priority=urgent", ["103"], ["102", "104"], id="priority"),
        pytest.param("group=support", ["102"], ["103", "104"], id="group"),
        pytest.param("reason=skills", ["102"], ["103", "104"], id="reason-filter"),
        pytest.param("reason=undecided", ["104"], ["102", "103"], id="reason-undecided"),
        pytest.param("priority=&group=&reason=", ["102", "103", "104"], [], id="empty-is-any"),
        pytest.param("priority=low&reason=group", [], ["102", "103", "104"], id="combined"),
    ],
)
def test_queue_filters_are_plain_query_parameters(
    admin: TestClient, query: str, shown: list[str], hidden: list[str]
) -> None:
    table = admin.get(f"/console/queue?{query}").text.split("<tbody>", 1)[1]
    for ticket in shown:
        assert f'href="/console/tickets/{ticket}"' in table
    for ticket in hidden:
        assert f'href="/console/tickets/{ticket}"' not in table


def test_the_reason_filter_offers_the_reasons_present_in_words(admin: TestClient) -> None:
    page = admin.get("/console/queue").text
    assert '<option value="skills">lacking a required skill</option>' in page
    assert '<option value="group">outside the ticket&#39;s group</option>' in page


def test_an_unknown_priority_filter_is_a_422(admin: TestClient) -> None:
    answer = admin.get("/console/queue?priority=asap")
    assert answer.status_code == 422 and "unknown priority 'asap'" in answer.json()["error"]


# --- the team ------------------------------------------------------------------------------


def test_the_team_names_every_agent_with_load_skills_shift_and_activity(
    admin: TestClient,
) -> None:
    page = text_of(admin.get("/console/team").text)
    assert (
        "Ana support online, on shift Mon–Fri 08:00–18:00 (UTC) 1 / 10 billing 3 1 10 min ago"
        in page
    )
    assert "Bo support online always on shift 0 / 2 billing 1 0 never" in page
    assert "Cy support offline always on shift 0 / 10 billing 2 0 never" in page
    assert ">ana<" not in admin.get("/console/team").text


def test_the_team_row_links_to_the_agent_s_latest_ticket(admin: TestClient) -> None:
    assert 'href="/console/tickets/101">10 min ago</a>' in admin.get("/console/team").text


def test_off_shift_agents_say_so(admin: TestClient, clock: FakeClock) -> None:
    clock.advance(11 * 3600)  # 20:10 on a Wednesday
    page = text_of(admin.get("/console/team").text)
    assert "Ana support online, off shift at Wed 20:10 UTC" in page


# --- one ticket ----------------------------------------------------------------------------


def test_the_ticket_page_explains_who_got_it_and_why_by_name(admin: TestClient) -> None:
    page = text_of(admin.get("/console/tickets/101").text)
    assert "routing: went to Ana" in page
    assert "Cause a new ticket (first routing)" in page
    assert "Bo: lacking a required skill" in page
    assert "Cy: not online" in page
    assert "Ana was the only agent who could take it" in page
    assert "Write-back written to the help desk" in page


def test_the_ticket_page_of_a_waiting_ticket_gives_the_refusal(admin: TestClient) -> None:
    page = text_of(admin.get("/console/tickets/103").text)
    assert "waiting: no eligible agent: 3 outside the ticket's group" in page
    assert "Ana: outside the ticket's group" in page


def test_an_unknown_ticket_is_a_404_page(admin: TestClient) -> None:
    answer = admin.get("/console/tickets/999")
    assert answer.status_code == 404 and "No ticket 999" in answer.text


def test_the_search_box_jumps_to_the_ticket(admin: TestClient) -> None:
    answer = admin.get("/console/tickets?id=%23101")
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/tickets/101")
    assert admin.get("/console/tickets?id=").headers["location"] == "/console/queue"


def test_queue_rows_link_to_the_ticket_page(admin: TestClient) -> None:
    assert 'href="/console/tickets/102"' in admin.get("/console/queue").text


def test_a_follow_through_move_reads_as_a_move_with_its_cause(
    admin: TestClient, rig: Rig, clock: FakeClock
) -> None:
    rig.desk.set_status("cy", AgentStatus.ONLINE)
    rig.desk.set_status("ana", AgentStatus.OFFLINE)
    rig.pipeline.refresh_roster()
    rig.pipeline.sweep()
    clock.advance(600)  # the offline grace period
    assert rig.pipeline.sweep() == 1
    rig.writer.flush()
    page = text_of(admin.get("/console/tickets/101").text)
    assert "routing: went to Ana" in page
    assert "move: went to Cy Cause follow-through move: the assignee went offline" in page
    assert "Ana: not online (offline)" in page
    assert "Moves 1" in page
