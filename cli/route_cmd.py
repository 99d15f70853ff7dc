"""``deskroute route`` and ``deskroute explain``: decide tickets from files, read the why."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

import typer
from rich.console import Console

from cli.explain_input import read_decisions
from cli.explain_view import render_decision
from cli.output_paths import file_or_exit
from config.inputs import BadLine, InputError, load_agents, read_tickets
from config.model_files import ModelFileError, load_classifier
from config.policy_file import PolicyFile, PolicyFileError, load_policy
from router.model import Ticket
from router.roster import Roster

err = Console(stderr=True)


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint="--now") from None
    if now.tzinfo is None:
        raise typer.BadParameter(
            "needs a time zone, e.g. 2026-11-25T09:30:00+00:00", param_hint="--now"
        )
    return now


def route(
    agents: Path = typer.Option(..., "--agents", help="YAML file of agents (and their load)."),
    tickets: Path = typer.Option(..., "--tickets", help="JSON-lines file of tickets."),
    policy: Path | None = typer.Option(None, "--policy", help="YAML policy and rules file."),
    now: str | None = typer.Option(None, "--now", help="Decision time (ISO 8601); default: now."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random source policies may use."),
    out: Path | None = typer.Option(None, "--out", help="Write JSON lines here, not stdout."),
    model: list[Path] = typer.Option(
        [], "--model", help="Triage model from `deskroute train` (repeat: one per target)."
    ),
) -> None:
    """Route a queue of tickets: one JSON line per ticket with the decision and its trace.

    Tickets are enriched by the rules, put in queue order and dealt across the agents; a
    ticket that cannot be read is reported on its own line and the rest are still routed.
    """
    moment = _parse_now(now)
    if out is not None:
        file_or_exit(out)
    try:
        spec = load_policy(policy) if policy else PolicyFile()
        team = load_agents(agents)
        items = list(read_tickets(tickets))
        classifier = load_classifier(model) if model else None
    except (PolicyFileError, InputError, ModelFileError) as error:
        err.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from None
    good = [item for item in items if isinstance(item, Ticket)]
    bad = [item for item in items if isinstance(item, BadLine)]
    router = replace(spec.router(), classifier=classifier)
    results, _ = router.drain(good, Roster(team.agents, team.loads), moment, Random(seed))
    lines: list[dict[str, Any]] = [
        {"line": item.line, "outcome": "error", "error": item.error} for item in bad
    ]
    lines += [decision.to_dict() for _, decision in results]
    text = "".join(json.dumps(line, default=str) + "\n" for line in lines)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    assigned = sum(1 for _, decision in results if decision.assigned)
    err.print(
        f"routed {len(good)} tickets with policy [bold]{router.policy.name}[/]: "
        f"{assigned} assigned, {len(good) - assigned} waiting, {len(bad)} unreadable"
    )


def explain(
    decisions: str = typer.Argument(
        ...,
        help="Decisions to explain: JSON lines from `deskroute route`, or what the sidecar "
        "serves at /decisions/{ticket}; - reads standard input.",
        metavar="FILE|-",
    ),
    ticket: str | None = typer.Option(None, "--ticket", "-t", help="Only this ticket id."),
) -> None:
    """Render decisions readably: outcome, cause, rules, skills and every candidate's fate.

    Example: curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/decisions/15 |
    deskroute explain -
    """
    found = read_decisions(_read_input(decisions))
    for number in found.skipped_lines:
        err.print(f"line {number}: not JSON, skipped")
    console = Console()
    shown = 0
    for record in found.records:
        if ticket is not None and str(record.get("ticket")) != ticket:
            continue
        render_decision(console, record)
        shown += 1
    if shown == 0:
        err.print("no matching decision" + (f" for ticket {ticket}" if ticket else ""))
        raise typer.Exit(1)


def _read_input(source: str) -> str:
    """The text of ``source``: a file, or standard input for ``-``; exit 2 if unreadable."""
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as error:
        err.print(f"[bold red]error:[/] {source}: {error.strerror or error}")
        raise typer.Exit(2) from None
    except UnicodeDecodeError:
        err.print(f"[bold red]error:[/] {source}: not a text file (expected JSON)")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add ``route`` and ``explain`` to the root app."""
    app.command("route")(route)
    app.command("explain")(explain)
