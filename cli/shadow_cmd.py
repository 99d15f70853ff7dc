"""``deskroute shadow-report``: the shadow (go-live) report from the store, for a window."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console

from cli.shadow_view import render_report
from config.settings import Settings
from sidecar.shadow_report import GoLiveReport, Window, parse_window
from sidecar.store import Store, schema
from sidecar.store.database import reading
from sidecar.store.migrations import MIGRATIONS, current_version

err = Console(stderr=True)


def shadow_report(
    ctx: typer.Context,
    days: float | None = typer.Option(
        None, "--days", help="Days back from --until (default DESKROUTE_SHADOW__WINDOW_DAYS)."
    ),
    since: str | None = typer.Option(None, "--since", help="ISO date or time (UTC if no zone)."),
    until: str | None = typer.Option(
        None, "--until", help="ISO date (its whole day) or time; default now."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """How shadow mode (dry run) compares with the people's assignments, and whether to
    switch routing on.

    Reads the store at DESKROUTE_DATABASE_URL (what a sidecar run with --dry-run recorded),
    over the tickets first decided in the window, closed ones included. Exit code 2 for a
    bad window or a store that cannot be read.
    """
    settings: Settings = ctx.obj
    try:
        window = parse_window(
            since=since, until=until, days=days, now=datetime.now(UTC),
            default_days=settings.shadow.window_days,
        )  # fmt: skip
    except ValueError as error:
        err.print(f"[bold red]invalid window:[/] {error}")
        raise typer.Exit(2) from None
    report = _read(settings, window)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        render_report(Console(), report)


def _read(settings: Settings, window: Window) -> GoLiveReport:
    """The report from the configured store; exit 2 when it cannot be read."""
    store = Store.connect(settings.database_url, "shadow-report", settings.store)
    try:
        _check_schema(store)
        return store.shadow_report(window, settings.shadow)
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        err.print(f"[bold red]cannot read the store[/] (DESKROUTE_DATABASE_URL): {reason}")
        raise typer.Exit(2) from None
    finally:
        store.close()


def _check_schema(store: Store) -> None:
    """Exit 2 unless the store holds the schema this deskroute writes (nothing is created
    or migrated here: a report never changes the store)."""
    path = store.engine.url.database
    if store.local and (not path or not Path(path).is_file()):
        _refuse(f"there is no store at {path or 'an in-memory database'}: run the sidecar "
                "(deskroute run --dry-run) first")  # fmt: skip
    with reading(store.engine) as conn:
        if not sa.inspect(conn).has_table(schema.schema_version.name, store.schema_name):
            _refuse("the store has no deskroute tables: run the sidecar first")
        version, known = current_version(conn), MIGRATIONS[-1].version
    if version != known:
        newer = "a newer" if version > known else "an older"
        _refuse(f"the store's schema is at version {version}, made by {newer} deskroute than "
                f"this one ({known}); run this version's sidecar once, or the matching "
                "deskroute")  # fmt: skip


def _refuse(reason: str) -> NoReturn:
    err.print(f"[bold red]cannot read the store[/] (DESKROUTE_DATABASE_URL): {reason}")
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``shadow-report`` to the root app."""
    app.command("shadow-report")(shadow_report)
