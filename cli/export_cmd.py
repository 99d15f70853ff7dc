"""``deskroute export``: solved/closed tickets from the help desk as history JSON lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import requests
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from cli.output_paths import file_or_exit
from config.settings import ConfigError, Settings
from connectors.diagnosis import CONFIGURATION, desk_context, diagnose
from connectors.errors import ConnectorError
from connectors.export import HistorySource, export_history
from connectors.factory import build_connector

err = Console(stderr=True)


def _since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 date: {value!r}", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def export(
    ctx: typer.Context,
    since: str = typer.Option(..., "--since", help="ISO date or time (UTC if no zone)."),
    out: Path = typer.Option(Path("history.jsonl"), "--out", help="JSON-lines file to write."),
) -> None:
    """Export solved and closed tickets with their final group, assignee and timestamps.

    The format is documented in docs/history-format.md; the simulator replays it and the
    classifier trains on it. Nothing is written unless the export completes: a failure
    leaves no partial file and an existing OUT untouched. Exit code 2 when the failure is
    the configuration's (wrong address or credentials, unreachable host), 1 otherwise.
    """
    settings: Settings = ctx.obj
    start = _since(since)
    file_or_exit(out)
    try:
        connector = build_connector(settings)
    except ConfigError as error:
        for name, reason in error.problems:
            err.print(f"[bold red]{name}[/]: {reason}")
        raise typer.Exit(2) from None
    if not isinstance(connector, HistorySource):
        err.print(f"[bold red]{settings.helpdesk} cannot export history[/]")
        raise typer.Exit(1)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(f"exporting from {connector.name}", total=None)
        try:
            count = export_history(connector, start, out, lambda _: progress.advance(task))
        except ConnectorError as error:
            progress.stop()
            raise typer.Exit(_failed(settings, error)) from None
        except requests.JSONDecodeError as error:
            progress.stop()
            err.print(
                Text.assemble(
                    ("export failed (wrong base URL): ", "bold red"),
                    f"the help desk answered something that is not JSON "
                    f"({error}); check its address",
                )
            )
            raise typer.Exit(2) from None
    err.print(f"wrote {count} tickets to {out}")


def _failed(settings: Settings, error: ConnectorError) -> int:
    """Say why the export failed and what to change; the exit code (2: configuration)."""
    context = desk_context(settings)
    if context is None:
        err.print(Text.assemble(("export failed: ", "bold red"), str(error)))
        return 1
    found = diagnose(error, context)
    err.print(Text.assemble((f"export failed ({found.problem}): ", "bold red"), found.paragraph))
    return 2 if found.kind == CONFIGURATION else 1


def register(app: typer.Typer) -> None:
    """Add ``export`` to the root app."""
    app.command("export")(export)
