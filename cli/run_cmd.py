"""``deskroute run``: the sidecar service, configured only by ``DESKROUTE_*`` variables."""

from __future__ import annotations

from contextlib import ExitStack

import sqlalchemy as sa
import typer
from rich.console import Console

from cli.logs import setup_logging
from config.model_files import ModelFileError
from config.policy_file import PolicyFileError
from config.settings import ConfigError, Settings
from sidecar.compose import build_sidecar
from sidecar.embedded import embedded_sandbox, send_webhooks_to
from sidecar.service import Sidecar

err = Console(stderr=True)


def run(
    ctx: typer.Context,
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Shadow mode: decide and record, never write (or set DESKROUTE_DRY_RUN).",
    ),
) -> None:
    """Run the sidecar: poll and take webhooks, route, write back, follow through.

    Everything is configured by environment variables (see `deskroute config check`).
    With DESKROUTE_HELPDESK=sandbox an embedded sandbox help desk starts in-process and the
    sidecar routes its tickets. SIGTERM stops intake, flushes the outbox within
    DESKROUTE_SIDECAR__SHUTDOWN_DEADLINE_SECONDS and releases the leader lease.
    """
    settings: Settings = ctx.obj
    if dry_run:
        settings = settings.model_copy(update={"dry_run": True})
    setup_logging(
        settings.log_level, settings.log_format, settings.log_libraries_level, console=err
    )
    with ExitStack() as stack:
        handle = None
        if settings.helpdesk == "sandbox":
            handle, settings = stack.enter_context(embedded_sandbox(settings))
        sidecar = _start_or_exit(settings)
        if handle is not None and sidecar.port is not None:
            send_webhooks_to(handle, settings.http.host, sidecar.port)
        sidecar.serve_forever()


def _start_or_exit(settings: Settings) -> Sidecar:
    """Build and start the sidecar; exit 2 naming what is misconfigured.

    An unreachable PostgreSQL is not misconfiguration: the sidecar starts and waits for it.
    """
    try:
        sidecar = build_sidecar(settings)
        sidecar.start()
        return sidecar
    except ConfigError as error:
        for name, reason in error.problems:
            err.print(f"[bold red]invalid configuration[/] [bold]{name}[/]: {reason}")
        raise typer.Exit(2) from None
    except PolicyFileError as error:
        err.print(f"[bold red]invalid policy file:[/] {error}")
        raise typer.Exit(2) from None
    except ModelFileError as error:
        err.print(f"[bold red]DESKROUTE_SIDECAR__CLASSIFIER_MODELS:[/] {error}")
        raise typer.Exit(2) from None
    except (sa.exc.OperationalError, sa.exc.ArgumentError) as error:
        reason = str(error.orig if isinstance(error, sa.exc.OperationalError) else error)
        err.print(
            "[bold red]cannot open the store[/] (DESKROUTE_DATABASE_URL): "
            f"{reason.splitlines()[0] if reason else type(error).__name__}"
        )
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add ``run`` to the root command."""
    app.command("run")(run)
