"""The console's Policy page over HTTP: the active policy, a check (problems, diff, what-if by
name) that changes nothing, and Apply, which a bad file never gets past."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from config.settings import Settings
from sidecar.console.policy import diff_lines
from sidecar.http import AppContext, create_app
from sidecar.policy_keeper import PolicyKeeper
from sidecar.store import Store
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

BILLING = """\
rules:
  - name: billing
    when: [{field: subject, contains: invoice}]
    then: {add_required_skills: {billing: 1}}
"""


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Iterator[Rig]:
    store = Store.open(f"sqlite:///{tmp_path / 'p.sqlite3'}", "r", clock())
    made = Rig(store, clock)
    made.desk.add_agent("ana", name="Ana Ruiz", skills={"billing": 4})
    made.desk.add_agent("bo", name="Bo Chen")
    for n in range(4):
        made.desk.new_ticket(str(n), subject="invoice wrong" if n % 2 else "parcel late")
    made.cycle()
    yield made
    store.close()


@pytest.fixture
def client(rig: Rig, clock: FakeClock) -> Iterator[TestClient]:
    keeper = PolicyKeeper(store=rig.store, pipeline=rig.pipeline, path=None, clock=clock,
                          work=threading.Lock())  # fmt: skip
    keeper.follow()
    ctx = AppContext(
        settings=Settings(admin_token=SecretStr(ADMIN_TOKEN)), store=rig.store,
        metrics=rig.metrics, clock=clock, is_leader=lambda: True, ready=lambda: True,
        kick=lambda: None, accepting=lambda: True, policy=keeper,
        roster=lambda: rig.pipeline.agents,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as made:
        made.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        yield made


def text_of(html: str) -> str:
    return unescape(html)


def test_the_page_shows_the_active_policy_and_its_origin(client: TestClient) -> None:
    page = text_of(client.get("/console/policy").text)
    assert "the default policy: no DESKROUTE_POLICY_FILE is set" in page
    assert "from file" in page


def test_check_shows_the_diff_and_who_would_get_which_tickets_by_name(
    client: TestClient, rig: Rig
) -> None:
    before = rig.pipeline.router.version
    answer = client.post("/console/policy/check", data={"text": BILLING, "days": "7"})
    page = text_of(answer.text)
    assert answer.status_code == 200
    assert "Valid against the live roster." in page
    assert "+  - name: billing" in page
    assert "of 4 tickets would go elsewhere" in page
    assert "Ana Ruiz" in page and "Bo Chen" in page
    assert rig.pipeline.router.version == before  # a check applies nothing


def test_apply_makes_it_active_and_says_so(client: TestClient, rig: Rig) -> None:
    answer = client.post("/console/policy/apply", data={"text": BILLING}, follow_redirects=False)
    assert answer.status_code == 303
    shown = text_of(client.get(answer.headers["location"]).text)
    assert f"Policy {rig.pipeline.router.version} is active" in shown


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(BILLING.replace("billing: 1", "biling: 1"), "did you mean 'billing'?",
                     id="unknown-skill"),
        pytest.param("policy: [oops", "not valid YAML", id="not-yaml"),
        pytest.param("policy:\n  name: fastest_guess\n", "fastest_guess", id="unknown-policy"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_the_reason_and_nothing_changes(
    client: TestClient, rig: Rig, text: str, words: str
) -> None:
    before = rig.pipeline.router.version
    answer = client.post("/console/policy/apply", data={"text": text})
    assert answer.status_code == 422
    page = text_of(answer.text)
    assert "Not applied: nothing changed." in page and words in page
    assert text in page  # the edit is kept in the box to fix
    assert rig.pipeline.router.version == before


def test_without_the_token_the_page_sends_to_the_login(client: TestClient) -> None:
    del client.headers["Authorization"]
    answer = client.get("/console/policy", follow_redirects=False)
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    assert client.post("/console/policy/apply", data={"text": BILLING},
                       follow_redirects=False).status_code == 303  # fmt: skip


def test_the_diff_is_coloured_by_line_kind() -> None:
    kinds = [line.kind for line in diff_lines("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n z\n")]
    assert kinds == ["", "", "hunk", "del", "add", ""]
