"""``deskroute sandbox``: run the local Zendesk + Freshdesk help desk in the foreground."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from sandbox import Faults, TrafficRates, start_sandbox

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True)


def sandbox(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (keep it loopback)."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port (0: any free port)."),
    agents: int = typer.Option(12, "--agents", min=1, help="Agents to create."),
    tickets: int = typer.Option(20, "--tickets", min=0, help="Unassigned tickets to start with."),
    zendesk_plan: str = typer.Option("professional", help="Zendesk plan (sets its rate limit)."),
    freshdesk_plan: str = typer.Option("pro", help="Freshdesk plan (sets its rate limit)."),
    rate_limit: int | None = typer.Option(
        None, min=1, help="Requests per window for both faces (overrides the plans)."),
    rate_window: float = typer.Option(60.0, min=0.01, help="Seconds per rate-limit window."),
    rate_limits: bool = typer.Option(True, help="Refuse requests over the limit with 429."),
    export_lag: float = typer.Option(
        0.0, min=0, help="Seconds the Zendesk export holds back recent changes (real: 60)."),
    latency_ms: float = typer.Option(0.0, min=0, help="Added latency per API request."),
    error_rate: float = typer.Option(0.0, min=0, max=1, help="Share of requests failing 503."),
    timeout_rate: float = typer.Option(0.0, min=0, max=1, help="Share of requests that hang."),
    reset_rate: float = typer.Option(0.0, min=0, max=1, help="Share of dropped connections."),
    slow_rate: float = typer.Option(0.0, min=0, max=1, help="Share of answers sent late."),
    slow_ms: float = typer.Option(1000.0, min=0, help="How late a slow answer is."),
    tickets_per_minute: float = typer.Option(0.0, min=0, help="New tickets per minute."),
    availability_changes_per_minute: float = typer.Option(
        0.0, min=0, help="Agents going on/off line per minute."),
    reassignments_per_minute: float = typer.Option(
        0.0, min=0, help="Tickets reassigned by simulated humans per minute."),
    solves_per_minute: float = typer.Option(0.0, min=0, help="Tickets solved per minute."),
    replies_per_minute: float = typer.Option(
        0.0, min=0, help="Public agent replies per minute (they set the first reply time)."),
    takes_per_minute: float = typer.Option(
        0.0, min=0, help="Unassigned tickets taken by simulated humans per minute."),
    webhook_url: str | None = typer.Option(None, help="Send signed Zendesk webhooks here."),
    texts: Path | None = typer.Option(
        None, exists=True, help="Bitext CSV (or directory of them) for ticket texts; "
        "default: the bundled sample."),
    seed: int = typer.Option(7, help="Seed of agents, tickets and faults."),
) -> None:
    """Run a local help desk speaking the Zendesk and Freshdesk APIs, until Ctrl-C.

    The Zendesk API is under /zendesk/api/v2, Freshdesk's under /freshdesk/api/v2, and the
    sandbox's own control API (faults, traffic, audit, stats) under /_sandbox.
    """
    try:
        handle = start_sandbox(
            host, port, zendesk_plan=zendesk_plan, freshdesk_plan=freshdesk_plan,
            rate_limit=rate_limit, rate_window=rate_window, rate_limits=rate_limits,
            agents=agents, tickets=tickets, seed=seed, texts=texts, webhook_url=webhook_url,
            export_lag=export_lag,
            faults=Faults(error_rate=error_rate, timeout_rate=timeout_rate,
                          reset_rate=reset_rate, latency_ms=latency_ms,
                          slow_rate=slow_rate, slow_ms=slow_ms),
            traffic=TrafficRates(tickets_per_minute, availability_changes_per_minute,
                                 reassignments_per_minute, solves_per_minute,
                                 replies_per_minute, takes_per_minute),
        )
    except (OSError, RuntimeError, ValueError) as error:
        err.print(f"[bold red]cannot start the sandbox:[/] {error}")
        raise typer.Exit(1) from None
    _banner(handle.url, handle.email, handle.api_token, handle.api_key)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        out.print("stopping")
    finally:
        handle.stop()


def _banner(url: str, email: str, token: str, key: str) -> None:
    out.print(f"[bold green]sandbox help desk[/] on {url}")
    out.print(f"  Zendesk   {url}/zendesk/api/v2   user [bold]{email}/token[/] token {token}")
    out.print(f"  Freshdesk {url}/freshdesk/api/v2 api key [bold]{key}[/] (password X)")
    out.print(f"  control   {url}/_sandbox/status  (docs: {url}/docs)")
    out.print(f"  try: curl -u '{email}/token:{token}' {url}/zendesk/api/v2/tickets.json")
    out.print("Ctrl-C stops it.")


def register(app: typer.Typer) -> None:
    """Add ``sandbox`` to the root app."""
    app.command("sandbox")(sandbox)
