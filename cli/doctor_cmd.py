"""``deskroute doctor``: talk to the configured help desk and say what works and what to fix.

Also reachable as ``deskroute config check --probe``. Exit code 0 when routing can work,
2 otherwise: a blocking finding, or a check that could not finish (wrong base URL, wrong
credentials, unreachable host), which is told in one paragraph, never as a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from cli.doctor_view import failure_dict, render_failure, render_report, report_dict
from config.settings import ConfigError, Settings
from connectors.account import Discoverable
from connectors.diagnosis import (
    DeskContext,
    Diagnosis,
    desk_context,
    diagnose,
    with_configuration,
)
from connectors.errors import ConnectorError
from connectors.factory import build_connector

NOT_ROUTABLE = 2
DOCTOR_ATTEMPTS = 2
"""Tries per request: a diagnosis should not wait out the sidecar's full retry budget."""
DOCTOR_TIMEOUT = 10.0
"""Longest wait for one answer, in seconds (a silent host is a finding, not a hang)."""


def doctor(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check the connection to the configured help desk, with the configured credentials.

    Prints who the credentials are, the base URL used, what the account offers, where
    deskroute will read availability, skills and loads, and what to fix (with the exact
    setting). Exits 0 when routing can work, 2 otherwise.
    """
    raise typer.Exit(run_doctor(ctx.obj, as_json=as_json))


def run_doctor(settings: Settings, *, as_json: bool = False, console: Console | None = None) -> int:
    """Probe the help desk, print the report (or the diagnosis); returns the exit code."""
    out = console or Console()
    context = desk_context(settings)
    try:
        connector = build_connector(_patient_enough(settings))
    except ConfigError as error:
        return _config_problem(error, settings, as_json, out)
    if not isinstance(connector, Discoverable) or context is None:
        out.print(f"deskroute doctor cannot check {settings.helpdesk} yet")
        return NOT_ROUTABLE
    try:
        with _quiet_connectors():
            report = with_configuration(connector.account_report(), context)
    except ConnectorError as error:
        return _failed(diagnose(error, context), context, as_json, out)
    except (ValueError, KeyError, TypeError) as error:  # an answer we cannot read
        found = Diagnosis(
            problem="unreadable answer",
            kind="configuration",
            paragraph=(
                f"The help desk at {context.base.url} answered something deskroute cannot read "
                f"({type(error).__name__}: {error}). Check that the base URL is the help desk's."
            ),
        )
        return _failed(found, context, as_json, out)
    if as_json:
        typer.echo(json.dumps(report_dict(report), indent=2, ensure_ascii=False))
    else:
        render_report(out, report)
    return 0 if report.routable else NOT_ROUTABLE


def _patient_enough(settings: Settings) -> Settings:
    """``settings`` with few retries and a short timeout, for a quick diagnosis."""
    changes = {}
    for name in ("zendesk", "freshdesk"):
        section = getattr(settings, name)
        changes[name] = section.model_copy(
            update={
                "retry_attempts": min(section.retry_attempts, DOCTOR_ATTEMPTS),
                "timeout_seconds": min(section.timeout_seconds, DOCTOR_TIMEOUT),
            }
        )
    changes["rt"] = settings.rt.model_copy(
        update={"timeout_seconds": min(settings.rt.timeout_seconds, DOCTOR_TIMEOUT)}
    )
    return settings.model_copy(update=changes)


def _failed(found: Diagnosis, context: DeskContext | None, as_json: bool, out: Console) -> int:
    if as_json:
        typer.echo(json.dumps(failure_dict(found, context), indent=2, ensure_ascii=False))
    else:
        render_failure(out, found)
    return NOT_ROUTABLE


def _config_problem(error: ConfigError, settings: Settings, as_json: bool, out: Console) -> int:
    reasons = "; ".join(f"{name}: {reason}" for name, reason in error.problems)
    found = Diagnosis(
        problem="incomplete configuration",
        kind="configuration",
        paragraph=(
            f"DESKROUTE_HELPDESK={settings.helpdesk} needs more settings before deskroute can "
            f"talk to it: {reasons}."
        ),
    )
    return _failed(found, None, as_json, out)


@contextmanager
def _quiet_connectors() -> Iterator[None]:
    """Keep the connectors' own log lines (retries, the sources chosen) out of the report:
    the report says the same in its place."""
    logger = logging.getLogger("deskroute.connectors")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to the root app."""
    app.command("doctor")(doctor)
