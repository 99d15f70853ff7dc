"""End to end over loopback: German tickets that arrive without a language are read as
German and routed to the sandbox's German speaker, by the demo's own policy file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.demo_cmd import SHOP_POLICY
from sandbox import SandboxHandle, start_sandbox
from sandbox.seed import REQUESTER_BASE
from sandbox.texts import foreign_texts
from sidecar.compose import build_sidecar
from tests.sidecar.test_sandbox_e2e import settings_for
from tests.sidecar.test_service import wait_for


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=6, tickets=0, seed=3, job_delay=0.05, search_lag=0, export_lag=0
    ) as handle:
        yield handle


def _open_german_tickets(desk: SandboxHandle, count: int) -> list[int]:
    german = [u for u in foreign_texts() if u.language == "de"][:count]
    return [
        desk.sandbox.desk.create_ticket(
            "customer", subject=u.text[:60], description=u.text, priority="normal",
            channel="email", type="question", tags=["contact"], requester_id=REQUESTER_BASE + n,
        ).id
        for n, u in enumerate(german)
    ]  # fmt: skip


@pytest.mark.parametrize("helpdesk", ["zendesk", "freshdesk"])
def test_a_german_ticket_without_a_language_goes_to_a_german_speaker(
    helpdesk: str, desk: SandboxHandle, tmp_path: Path
) -> None:
    speakers = {a.id for a in desk.sandbox.desk.agents.values() if a.language == "de"}
    assert speakers  # the sandbox's agents take the languages in turn
    ids = _open_german_tickets(desk, 3)
    sidecar = build_sidecar(settings_for(helpdesk, desk, tmp_path, policy_file=SHOP_POLICY))
    sidecar.start()
    try:
        assert sidecar.connector.fetch(str(ids[0])).language is None  # the desk sends none
        assert wait_for(lambda: all(desk.ticket(i).assignee_id for i in ids), seconds=30)
    finally:
        sidecar.stop()
    assert {desk.ticket(i).assignee_id for i in ids} <= speakers
    for ticket_id in ids:
        trace = sidecar.store.decisions.history(str(ticket_id))[-1]["trace"]
        assert any(line.startswith("language: de (") for line in trace["context"]), trace
