"""Changing the routing policy while the sidecar runs: the console and admin API, SIGHUP,
and other replicas all route by the newest policy applied; a bad file never replaces a
good one; a restart keeps a policy applied live unless the file changed."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from config.policy_file import PolicyFile, parse_policy_text
from config.settings import Settings
from sandbox import SandboxHandle, start_sandbox
from sandbox.chaos.replicas import Replica, wait_for
from sidecar.http import AppContext, create_app
from sidecar.policy_keeper import PolicyKeeper, PolicyRefusedError
from sidecar.store import Store
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

TOKEN = "policy-admin-token"
ROUND_ROBIN = "policy:\n  name: round_robin\n"
BILLING_TO_SKILL = """\
rules:
  - name: billing
    when: [{field: subject, contains: invoice}]
    then: {add_required_skills: {billing: 1}}
"""
TYPO = BILLING_TO_SKILL.replace("billing: 1", "biling: 1")


def keeper_for(rig: Rig, path: Path | None = None) -> PolicyKeeper:
    return PolicyKeeper(
        store=rig.store, pipeline=rig.pipeline, path=path, clock=rig.clock, work=threading.Lock()
    )


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    made = Rig(Store.open(f"sqlite:///{tmp_path / 'p.sqlite3'}", "replica-a", clock()), clock)
    made.desk.add_agent("ann", skills={"billing": 5})
    made.desk.add_agent("bob")
    made.pipeline.refresh_roster()
    return made


def test_an_applied_policy_routes_the_next_ticket_and_is_recorded_with_it(rig: Rig) -> None:
    keeper = keeper_for(rig)
    keeper.follow()
    stored = keeper.apply(BILLING_TO_SKILL, "api")
    assert rig.pipeline.router.version == stored.version
    rig.desk.new_ticket("1", subject="my invoice is wrong")
    rig.cycle()
    decision = rig.store.decisions.history("1")[-1]
    assert decision["agent"] == "ann"
    assert decision["policy_version"] == stored.version


def test_a_file_that_does_not_parse_is_refused_and_the_active_policy_stays(rig: Rig) -> None:
    keeper = keeper_for(rig)
    keeper.follow()
    before = rig.pipeline.router.version
    with pytest.raises(PolicyRefusedError, match="rule"):
        keeper.apply("rules:\n  - name: x\n    when: [{field: subject, regex: '('}]\n", "api")
    assert rig.pipeline.router.version == before
    assert rig.store.policies.active().version == before  # type: ignore[union-attr]


def test_a_skill_nobody_has_is_refused_naming_the_closest_one(rig: Rig) -> None:
    keeper = keeper_for(rig)
    with pytest.raises(PolicyRefusedError) as refused:
        keeper.apply(TYPO, "api")
    assert "'biling'" in str(refused.value) and "did you mean 'billing'" in str(refused.value)


def test_sighup_applies_the_edited_file_and_a_broken_edit_changes_nothing(
    rig: Rig, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(ROUND_ROBIN)
    keeper = keeper_for(rig, path)
    keeper.follow()
    path.write_text(BILLING_TO_SKILL)
    assert keeper.reload_file() is not None
    assert rig.pipeline.router.version == parse_policy_text(BILLING_TO_SKILL, "x").fingerprint()
    path.write_text("policy: [not, a, mapping")
    assert keeper.reload_file() is None
    assert rig.pipeline.router.version == parse_policy_text(BILLING_TO_SKILL, "x").fingerprint()


def test_a_restart_with_the_unchanged_file_keeps_the_policy_applied_live(
    rig: Rig, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(ROUND_ROBIN)
    keeper_for(rig, path).follow()
    applied = keeper_for(rig, path).apply(BILLING_TO_SKILL, "api")
    restarted = Rig(rig.store, rig.clock)  # a new process: its router is the file's
    restarted.desk = rig.desk
    restarted.pipeline.router = parse_policy_text(ROUND_ROBIN, "x").router()
    restarted.pipeline.agents = rig.pipeline.agents
    keeper_for(restarted, path).follow()
    assert restarted.pipeline.router.version == applied.version


def test_a_restart_with_an_edited_file_takes_the_file(rig: Rig, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(ROUND_ROBIN)
    keeper_for(rig, path).follow()
    keeper_for(rig, path).apply(BILLING_TO_SKILL, "api")
    path.write_text("policy:\n  name: least_loaded\n")
    restarted = Rig(rig.store, rig.clock)
    restarted.pipeline.router = parse_policy_text(path.read_text(), "x").router()
    keeper_for(restarted, path).follow()
    assert rig.store.policies.active().source == "file"  # type: ignore[union-attr]
    assert (
        restarted.pipeline.router.version == parse_policy_text(path.read_text(), "x").fingerprint()
    )


def test_another_replica_takes_the_applied_policy_at_its_next_roster_read(rig: Rig) -> None:
    other = Rig(rig.store, rig.clock)
    other.pipeline.agents = rig.pipeline.agents
    keeper_for(other).follow()
    applied = keeper_for(rig).apply(ROUND_ROBIN, "api")
    assert other.pipeline.router.version != applied.version
    keeper_for(other).follow()
    assert other.pipeline.router.version == applied.version


def test_the_check_shows_the_diff_and_which_recent_tickets_would_change(rig: Rig) -> None:
    keeper = keeper_for(rig)
    keeper.follow()
    for n in range(6):
        rig.desk.new_ticket(str(n), subject="invoice question" if n % 2 else "where is my parcel")
    rig.cycle()
    check = keeper.check(BILLING_TO_SKILL)
    assert "+  - name: billing" in check.diff
    assert check.whatif.decided == 6
    billing = {"1", "3", "5"}
    assert {c.ticket_id for c in check.whatif.changes} <= {str(n) for n in range(6)}
    assert all(c.new == "ann" for c in check.whatif.changes if c.ticket_id in billing)
    assert check.whatif.new_picks.get("ann", 0) >= 3
    assert rig.pipeline.router.version == PolicyFile().fingerprint()  # nothing applied


# --- over HTTP and signals ----------------------------------------------------------------


@pytest.fixture
def client(rig: Rig) -> Iterator[TestClient]:
    keeper = keeper_for(rig)
    keeper.follow()
    ctx = AppContext(
        settings=Settings(admin_token=TOKEN), store=rig.store, metrics=rig.metrics, clock=rig.clock,
        is_leader=lambda: True, ready=lambda: True, kick=lambda: None,
        accepting=lambda: True, policy=keeper,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as made:
        made.headers["Authorization"] = f"Bearer {TOKEN}"
        yield made


def test_the_admin_api_checks_applies_and_shows_the_policy(client: TestClient) -> None:
    yaml_type = {"Content-Type": "application/yaml"}
    checked = client.post("/admin/policy/check", content=ROUND_ROBIN, headers=yaml_type)
    assert checked.status_code == 200 and checked.json()["problems"] == []
    refused = client.put("/admin/policy", content=TYPO, headers=yaml_type)
    assert refused.status_code == 422 and "biling" in refused.json()["problems"][0]
    applied = client.put("/admin/policy", content=ROUND_ROBIN, headers=yaml_type)
    assert applied.status_code == 200
    shown = client.get("/admin/policy").json()
    assert shown["active"]["text"] == ROUND_ROBIN
    assert shown["routing_by"] == applied.json()["applied"]["version"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        pytest.param(b"policy: [", {"Content-Type": "application/yaml"}, 422, id="bad-yaml"),
        pytest.param(b"\xff\xfe", {"Content-Type": "text/plain"}, 400, id="not-utf8"),
        pytest.param(b"{}", {"Content-Type": "application/json"}, 415, id="json"),
    ],
)
def test_a_malformed_policy_upload_gets_a_4xx(
    client: TestClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    assert client.post("/admin/policy/check", content=body, headers=headers).status_code == status


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=4, tickets=0, seed=3, job_delay=0.2) as handle:
        yield handle


@pytest.mark.slow
def test_sighup_makes_a_running_sidecar_route_by_the_edited_file(
    desk: SandboxHandle, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(ROUND_ROBIN)
    replica = Replica(
        "a", desk, f"sqlite:///{tmp_path / 's.sqlite3'}", tmp_path / "a.log",
        DESKROUTE_POLICY_FILE=str(path), DESKROUTE_ADMIN_TOKEN=TOKEN,
    ).start()  # fmt: skip

    def routing_by() -> str | None:
        try:
            answer = requests.get(
                f"http://127.0.0.1:{replica.port}/admin/policy",
                headers={"Authorization": f"Bearer {TOKEN}"}, timeout=2,
            )  # fmt: skip
            return str(answer.json()["routing_by"]) if answer.ok else None
        except requests.RequestException:
            return None

    try:
        first = parse_policy_text(ROUND_ROBIN, "x").fingerprint()
        assert wait_for(lambda: routing_by() == first, 30)
        path.write_text("policy:\n  name: least_loaded\n")
        assert replica.process is not None
        replica.process.send_signal(signal.SIGHUP)
        second = parse_policy_text(path.read_text(), "x").fingerprint()
        assert wait_for(lambda: routing_by() == second, 15), replica.log.read_text()[-2000:]
        assert replica.running
    finally:
        replica.ensure_stopped()
