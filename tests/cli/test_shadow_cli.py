"""``deskroute shadow-report`` as a user runs it, against a store a dry run filled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from cli.main import app
from sidecar.store import Store
from sidecar.store.migrations import MIGRATIONS
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

runner = CliRunner()
LAST = MIGRATIONS[-1].version


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    """A store where, in dry run, two tickets were decided and a person assigned both:
    one to our pick, one to the other agent. Decided an hour ago, real time."""
    from datetime import UTC, datetime, timedelta

    clock = FakeClock(datetime.now(UTC) - timedelta(hours=1))
    path = tmp_path / "shadow.sqlite3"
    store = Store.open(f"sqlite:///{path}", "r", clock())
    rig = Rig(store, clock, dry_run=True)
    for name in ("ann", "bob"):
        rig.desk.add_agent(name)
    for ticket_id in ("1", "2"):
        rig.desk.new_ticket(ticket_id)
    rig.cycle()
    ours = {t: store.tickets.get(t).our_agent for t in ("1", "2")}  # type: ignore[union-attr]
    rig.desk.human_edit("1", assignee=ours["1"])
    rig.desk.human_edit("2", assignee="bob" if ours["2"] == "ann" else "ann")
    rig.cycle()
    store.close()
    return path


def said(result: Result) -> str:
    """What the command printed, as read (whatever the terminal's width wrapped)."""
    return " ".join(result.output.split())


def report(path: Path, *args: str) -> Result:
    return runner.invoke(
        app, ["shadow-report", *args], env={"DESKROUTE_DATABASE_URL": f"sqlite:///{path}"}
    )


def test_the_report_reads_as_sentences_and_ends_with_the_recommendation(store_file: Path) -> None:
    result = report(store_file)
    assert result.exit_code == 0, result.output
    text = said(result)
    assert "deskroute shadow report" in text
    assert (
        "2 tickets decided in dry run (0 closed since); 2 assigned by a person; "
        "we agreed on 1 (50%)." in text
    )
    assert "their pick was eligible for us; ours ranked higher" in text
    assert text.endswith(
        "not yet: only 2 tickets compared with a person's assignment (at least 30 needed)."
    )


def test_json_carries_the_same_figures(store_file: Path) -> None:
    result = report(store_file, "--json", "--days", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["decided"], data["compared"], data["agreed"]) == (2, 2, 1)
    assert data["recommendation"]["ready"] is False


def test_a_window_before_the_decisions_reports_none(store_file: Path) -> None:
    result = report(store_file, "--json", "--since", "2020-01-01", "--until", "2020-06-01")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["decided"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--days", "0"], "days must be more than 0", id="zero-days"),
        pytest.param(["--since", "last week"], "not an ISO 8601 date", id="unreadable"),
        pytest.param(["--since", "2026-01-01", "--days", "2"], "not both", id="both"),
    ],
)
def test_a_bad_window_exits_2_with_the_reason(
    store_file: Path, args: list[str], message: str
) -> None:
    result = report(store_file, *args)
    assert result.exit_code == 2
    assert "invalid window" in said(result) and message in said(result)
    assert "Traceback" not in result.output


def test_a_missing_store_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    result = report(missing)
    assert result.exit_code == 2
    assert "there is no store at" in said(result) and "deskroute run --dry-run" in said(result)
    assert not missing.exists()


def test_a_store_of_another_version_exits_2(store_file: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{store_file}")
    with engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM deskroute_schema_version WHERE version = {LAST}"))
    engine.dispose()
    result = report(store_file)
    assert result.exit_code == 2
    assert f"the store's schema is at version {LAST - 1}, made by an older deskroute" in said(
        result
    )
