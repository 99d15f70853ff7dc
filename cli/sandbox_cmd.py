"""``deskroute sandbox``: run the local Zendesk + Freshdesk help desk in the foreground."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from sandbox import (
    PROFILES,
    Faults,
    FreshdeskProfile,
    SandboxHandle,
    TrafficRates,
    profile,
    start_sandbox,
)
from sandbox.routing_data import SCHEDULE_KINDS

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True)


def _profiles(names: list[str]) -> dict[str, str]:
    """``--profile`` values as ``SandboxOptions`` fields: one Zendesk and one Freshdesk at
    most (BadParameter, exit 2, for an unknown name or two of one face)."""
    chosen: dict[str, str] = {}
    for name in names:
        try:
            found = profile(name)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--profile") from None
        face = "freshdesk_profile" if isinstance(found, FreshdeskProfile) else "zendesk_profile"
        if face in chosen and chosen[face] != found.name:
            raise typer.BadParameter(
                f"{chosen[face]} and {found.name} are both "
                f"{face.split('_')[0].title()} profiles; give one",
                param_hint="--profile",
            )
        chosen[face] = found.name
    return chosen


def _schedule(value: str) -> str:
    if value not in SCHEDULE_KINDS:
        raise typer.BadParameter(f"use one of {', '.join(SCHEDULE_KINDS)}")
    return value


def profile_listing() -> str:
    """The profiles and their one-line summaries, for ``--help``."""
    lines = "\n\n".join(f"{name}: {p.summary}" for name, p in PROFILES.items())
    return f"Account profiles (--profile):\n\n{lines}"


def sandbox(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (keep it loopback)."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port (0: any free port)."),
    agents: int = typer.Option(12, "--agents", min=1, help="Agents to create."),
    tickets: int = typer.Option(20, "--tickets", min=0, help="Unassigned tickets to start with."),
    profiles: list[str] = typer.Option(
        [],
        "--profile",
        metavar="NAME",
        help="Account variant to imitate; repeat for the other face (one zendesk-* and one "
        "freshdesk-*). Default: zendesk-professional and freshdesk-pro. Listed below.",
    ),
    zendesk_plan: str | None = typer.Option(
        None, help="Zendesk plan whose rate limit replaces the profile's."
    ),
    freshdesk_plan: str | None = typer.Option(
        None, help="Freshdesk plan whose rate limit replaces the profile's."
    ),
    rate_limit: int | None = typer.Option(
        None, min=1, help="Requests per window for both faces (overrides the plans)."
    ),
    rate_window: float = typer.Option(60.0, min=0.01, help="Seconds per rate-limit window."),
    rate_limits: bool = typer.Option(True, help="Refuse requests over the limit with 429."),
    search_lag: float = typer.Option(
        120.0, min=0, help="Seconds both faces' search trails the desk (real: minutes)."
    ),
    export_lag: float = typer.Option(
        60.0, min=0, help="Seconds the Zendesk export holds back recent changes (real: 60)."
    ),
    schedule: str = typer.Option(
        "24/7",
        callback=_schedule,
        help="Business hours the schedules hold: 24/7 or office (Mon-Fri 09:00-17:00, Berlin).",
    ),
    bulk_safe_update: bool | None = typer.Option(
        None,
        "--bulk-safe-update/--no-bulk-safe-update",
        help="Whether update_many honours per-ticket safe_update (default: the profile's; "
        "no profile does).",
    ),
    latency_ms: float = typer.Option(0.0, min=0, help="Added latency per API request."),
    error_rate: float = typer.Option(0.0, min=0, max=1, help="Share of requests failing 503."),
    timeout_rate: float = typer.Option(0.0, min=0, max=1, help="Share of requests that hang."),
    reset_rate: float = typer.Option(0.0, min=0, max=1, help="Share of dropped connections."),
    slow_rate: float = typer.Option(0.0, min=0, max=1, help="Share of answers sent late."),
    slow_ms: float = typer.Option(1000.0, min=0, help="How late a slow answer is."),
    tickets_per_minute: float = typer.Option(0.0, min=0, help="New tickets per minute."),
    availability_changes_per_minute: float = typer.Option(
        0.0, min=0, help="Agents going on/off line per minute."
    ),
    reassignments_per_minute: float = typer.Option(
        0.0, min=0, help="Tickets reassigned by simulated humans per minute."
    ),
    solves_per_minute: float = typer.Option(0.0, min=0, help="Tickets solved per minute."),
    replies_per_minute: float = typer.Option(
        0.0, min=0, help="Public agent replies per minute (they set the first reply time)."
    ),
    takes_per_minute: float = typer.Option(
        0.0, min=0, help="Unassigned tickets taken by simulated humans per minute."
    ),
    ui_updates_per_minute: float = typer.Option(
        0.0,
        min=0,
        help="Agents' own UI edits (note or tag) per minute; they spend the "
        "shared ticket-update limit.",
    ),
    webhook_url: str | None = typer.Option(None, help="Send signed Zendesk webhooks here."),
    texts: Path | None = typer.Option(
        None,
        exists=True,
        help="Bitext CSV (or directory of them) for ticket texts; default: the bundled sample.",
    ),
    foreign_share: float = typer.Option(
        0.2,
        "--foreign-share",
        min=0.0,
        max=0.95,
        help="Share of new tickets in German, Spanish or French (0: English only).",
    ),
    seed: int = typer.Option(7, help="Seed of agents, tickets and faults."),
) -> None:
    """Run a local help desk speaking the Zendesk and Freshdesk APIs, until Ctrl-C.

    The Zendesk API is under /zendesk/api/v2, Freshdesk's under /freshdesk/api/v2, and the
    sandbox's own control API (faults, traffic, audit, stats) under /_sandbox. It is as
    strict as a real account: search trails by --search-lag, the export holds back
    --export-lag, optional features answer as the --profile's plan does.
    """
    chosen = _profiles(profiles)
    try:
        handle = start_sandbox(
            host,
            port,
            **chosen,
            zendesk_plan=zendesk_plan,
            freshdesk_plan=freshdesk_plan,
            rate_limit=rate_limit,
            rate_window=rate_window,
            rate_limits=rate_limits,
            agents=agents,
            tickets=tickets,
            seed=seed,
            texts=texts,
            foreign_share=foreign_share,
            webhook_url=webhook_url,
            export_lag=export_lag,
            search_lag=search_lag,
            schedule=schedule,
            bulk_safe_update=bulk_safe_update,
            faults=Faults(
                error_rate=error_rate,
                timeout_rate=timeout_rate,
                reset_rate=reset_rate,
                latency_ms=latency_ms,
                slow_rate=slow_rate,
                slow_ms=slow_ms,
            ),
            traffic=TrafficRates(
                tickets_per_minute,
                availability_changes_per_minute,
                reassignments_per_minute,
                solves_per_minute,
                replies_per_minute,
                takes_per_minute,
                ui_updates_per_minute,
            ),
        )
    except (OSError, RuntimeError, ValueError) as error:
        err.print(f"[bold red]cannot start the sandbox:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    _banner(handle)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        out.print("stopping")
    finally:
        handle.stop()


def _banner(handle: SandboxHandle) -> None:
    url, email, token, key = handle.url, handle.email, handle.api_token, handle.api_key
    options = handle.sandbox.options
    out.print(f"[bold green]sandbox help desk[/] on {url}")
    out.print(f"  Zendesk   {url}/zendesk/api/v2   user [bold]{email}/token[/] token {token}")
    out.print(f"  Freshdesk {url}/freshdesk/api/v2 api key [bold]{key}[/] (password X)")
    out.print(f"  control   {url}/_sandbox/status  (docs: {url}/docs)")
    out.print(f"  profiles  {handle.zendesk_profile.name}: {handle.zendesk_profile.summary}")
    out.print(f"            {handle.freshdesk_profile.name}: {handle.freshdesk_profile.summary}")
    out.print(
        f"  realism   search lag {options.search_lag:g}s, export lag "
        f"{options.export_lag:g}s, schedule {options.schedule}"
    )
    out.print(f"  try: curl -u '{email}/token:{token}' {url}/zendesk/api/v2/tickets.json")
    out.print("Ctrl-C stops it.")


def register(app: typer.Typer) -> None:
    """Add ``sandbox`` to the root app (``--help`` lists the account profiles)."""
    app.command("sandbox", epilog=profile_listing())(sandbox)
