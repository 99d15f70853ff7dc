"""``deskroute export`` against the sandbox writes the shared history format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from connectors.history import read_history
from sandbox import SandboxHandle, start_sandbox


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=4, tickets=8, search_lag=0, export_lag=0) as handle:
        store = handle.sandbox.desk
        agent = next(iter(store.agents.values()))
        group = min(agent.group_ids)
        for ticket_id in (1, 2, 3):
            store.update_ticket(ticket_id, {"assignee_id": agent.id, "group_id": group}, "api")
            store.ticket(ticket_id).first_reply_at = store.clock()
            store.update_ticket(ticket_id, {"status": "solved"}, "human:agent")
        yield handle


def env_for(desk: SandboxHandle, vendor: str) -> dict[str, str]:
    if vendor == "zendesk":
        return {
            "DESKROUTE_HELPDESK": "zendesk",
            "DESKROUTE_ZENDESK__BASE_URL": desk.zendesk_url,
            "DESKROUTE_ZENDESK__EMAIL": desk.email,
            "DESKROUTE_ZENDESK__API_TOKEN": desk.api_token,
        }
    return {
        "DESKROUTE_HELPDESK": "freshdesk",
        "DESKROUTE_FRESHDESK__BASE_URL": desk.freshdesk_url,
        "DESKROUTE_FRESHDESK__API_KEY": desk.api_key,
    }


@pytest.mark.parametrize("vendor", ["zendesk", "freshdesk"])
def test_export_writes_finished_tickets_with_final_routing(
    desk: SandboxHandle, vendor: str, tmp_path: Path
) -> None:
    out = tmp_path / "history.jsonl"
    result = CliRunner().invoke(
        app, ["export", "--since", "2000-01-01", "--out", str(out)], env=env_for(desk, vendor)
    )
    assert result.exit_code == 0, result.output
    records = list(read_history(out))
    assert sorted(r.id for r in records) == ["1", "2", "3"]
    agent = next(iter(desk.sandbox.desk.agents.values()))
    for record in records:
        assert record.source == vendor and record.status == "solved"
        assert record.assignee == str(agent.id) and record.group is not None
        assert record.solved_at is not None and record.first_reply_at is not None
        assert record.created_at <= record.solved_at
    if vendor == "zendesk":
        assert all(r.first_assigned_at is not None for r in records)
    assert not (tmp_path / "history.jsonl.partial").exists()


def test_export_without_credentials_names_the_variable(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["export", "--since", "2024-01-01", "--out", str(tmp_path / "h.jsonl")],
        env={"DESKROUTE_HELPDESK": "freshdesk", "DESKROUTE_FRESHDESK__DOMAIN": "acme"},
    )
    assert result.exit_code == 2
    assert "DESKROUTE_FRESHDESK__API_KEY" in result.output


def test_export_rejects_a_bad_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--since", "last tuesday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
