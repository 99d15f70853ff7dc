"""``deskroute demo``: the sandbox help desk, live traffic, the sidecar routing it, a dashboard."""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from cli.output_paths import file_or_exit
from config.settings import HttpSettings, SchedulerSettings, Settings, ShopSettings
from sandbox import SandboxHandle, TrafficRates
from sidecar.compose import build_sidecar
from sidecar.dashboard import Picture, Tally, gather, render
from sidecar.embedded import embedded_sandbox, send_webhooks_to
from sidecar.service import Sidecar, utc_now
from sidecar.store import Store

console = Console()

DEMO_SCHEDULE = SchedulerSettings(
    poll_seconds=8, roster_seconds=4, drain_seconds=0.5, sweep_seconds=5, write_seconds=0.5
)
"""Brisk jobs for a short demo; polling stays inside Zendesk's 10/min export limit."""


def demo_settings(settings: Settings, database: Path) -> Settings:
    """The user's settings (policy file, log level…) with the demo's store, port and pace."""
    return settings.model_copy(
        update={
            "helpdesk": "sandbox",
            "database_url": f"sqlite:///{database}",
            "http": HttpSettings(host="127.0.0.1", port=0),
            "scheduler": DEMO_SCHEDULE,
            "dry_run": False,
            # small capacities so a queue forms and drains as agents finish work
            "zendesk": settings.zendesk.model_copy(update={"max_load": 3.0}),
        }
    )


def demo(
    ctx: typer.Context,
    seconds: int = typer.Option(30, "--seconds", min=1, help="How long the demo runs."),
    rate: float = typer.Option(
        90.0, "--tickets-per-minute", min=1.0, help="New tickets the sandbox customers open."
    ),
    agents: int = typer.Option(6, "--agents", min=1, max=200, help="Agents in the sandbox."),
    keep: Path | None = typer.Option(
        None, "--db", help="Keep the demo's SQLite store in this file (default: temporary)."
    ),
    seed: int = typer.Option(7, "--seed", help="Seed of the sandbox's people and traffic."),
    shop: bool = typer.Option(
        True,
        "--shop/--no-shop",
        help="Route with the sandbox shop's customer context (VIP and order-status rules "
        "of config/examples/policy.shop.yaml unless DESKROUTE_POLICY_FILE is set).",
    ),
    shop_outage_after: int | None = typer.Option(
        None,
        "--shop-outage-after",
        min=1,
        help="Take the shop down after this many seconds: tickets still route, without it.",
    ),
) -> None:
    """Start a sandbox help desk with live traffic, route it with the sidecar, and watch.

    Customers open tickets, agents go on and off line and solve work, a few humans
    reassign tickets; the sidecar polls, takes signed webhooks, routes, writes back and
    follows through. Ends with a summary of what was routed and why.
    """
    if keep is not None:
        file_or_exit(keep)
    logging.basicConfig(level=logging.ERROR, force=True)
    with tempfile.TemporaryDirectory(prefix="deskroute-demo-") as scratch:
        database = keep or Path(scratch) / "demo.sqlite3"
        traffic = TrafficRates(
            tickets_per_minute=rate, solves_per_minute=rate * 0.7,
            availability_changes_per_minute=3, reassignments_per_minute=1,
        )  # fmt: skip
        base = demo_settings(ctx.obj, database)
        with embedded_sandbox(base, traffic=traffic, agents=agents, tickets=6, seed=seed) as (
            handle,
            settings,
        ):
            settings = with_shop(settings, handle.url) if shop else settings
            sidecar = build_sidecar(settings)
            sidecar.start()
            assert sidecar.port is not None
            send_webhooks_to(handle, "127.0.0.1", sidecar.port)
            console.print(
                f"sandbox help desk at [bold]{handle.zendesk_url}[/], sidecar at "
                f"[bold]http://127.0.0.1:{sidecar.port}[/] (metrics, /decisions/<id>)"
            )
            _watch(sidecar, settings, seconds, outage(handle, shop_outage_after))
            handle.stop_traffic()
            handle.configure_webhook(None)
            sidecar.stop()
        _summary(Store(sidecar.store.engine, "summary"), seconds)
        if keep:
            console.print(f"the store is kept in [bold]{keep}[/]")


SHOP_POLICY = Path(__file__).resolve().parent.parent / "config" / "examples" / "policy.shop.yaml"
"""The demo's rules on the shop's customer context, when no policy file is configured."""


def with_shop(settings: Settings, sandbox_url: str) -> Settings:
    """``settings`` with the sandbox's Shopify face as the shop and, unless a policy file
    is configured, the shipped shop rules."""
    # the rules read the newest order only: asking for one keeps a batch's query cost low
    shop = ShopSettings(kind="sandbox", url=f"{sandbox_url}/shopify", ttl_seconds=300, orders=1)
    changes: dict[str, object] = {"shop": shop}
    if settings.policy_file is None:
        changes["policy_file"] = SHOP_POLICY
    return settings.model_copy(update=changes)


def outage(handle: SandboxHandle, after: int | None) -> Callable[[float], None]:
    """What the watch loop calls each tick with the seconds elapsed: from ``after`` on the
    shop is down (once, with a line saying so)."""
    started = {"down": False}

    def tick(elapsed: float) -> None:
        if after is not None and elapsed >= after and not started["down"]:
            handle.shop_outage(True)
            started["down"] = True
            console.print(f"[bold red]shop outage[/] after {after}s: tickets route without it")

    return tick


def _watch(
    sidecar: Sidecar, settings: Settings, seconds: int, tick: Callable[[float], None]
) -> None:
    begun = time.monotonic()
    ends = begun + seconds

    def picture() -> Picture:
        left = max(0.0, ends - time.monotonic())
        return gather(sidecar.store, utc_now(), settings.follow_through, left)

    with Live(render(picture()), console=console, refresh_per_second=4) as live:
        while time.monotonic() < ends:
            time.sleep(0.5)
            tick(time.monotonic() - begun)
            live.update(render(picture()))


def _summary(store: Store, seconds: int) -> None:
    tally = Tally.of(store.tickets.counts(), store.outbox.counts())  # as the header counts
    summary = store.summary()
    table = Table(title=f"what the sidecar did in {seconds}s", show_header=False)
    table.add_row("tickets taken in", str(tally.taken))
    table.add_row("assigned and written", str(tally.assigned))
    table.add_row("re-decided after a conflict", str(tally.redecided))
    table.add_row("still waiting for capacity", str(tally.waiting))
    table.add_row("owned by humans (left alone)", str(tally.human))
    table.add_row("parked (could not write)", str(tally.parked))
    console.print(table)
    per_agent = summary["per_agent"]
    names = {str(a["agent_id"]): str(a["name"] or a["agent_id"]) for a in store.loads.table()}
    if isinstance(per_agent, dict) and per_agent:
        console.print(
            "assignments per agent: "
            + ", ".join(f"{names.get(agent, agent)} {count}" for agent, count in per_agent.items())
        )
    for title, key in (("why tickets waited", "waiting_reasons"), ("rules that fired", "rules")):
        found = summary[key]
        if isinstance(found, dict) and found:
            console.print(f"{title}: " + "; ".join(f"{k} ({v})" for k, v in found.items()))
    _example(store, names)
    _customer_lines(store, names)
    _language_lines(store, names)


def _customer_lines(store: Store, names: dict[str, str]) -> None:
    """What the shop context did: an example decision that used it, and how many tickets
    were routed without it because the shop was unavailable."""
    used, unavailable, shown = 0, 0, False
    for item in store.decisions.recent(500):
        trace = store.decisions.history(str(item["ticket"]))[-1].get("trace", {})
        notes = trace.get("notes", [])
        context = [n for n in notes if n.startswith(("VIP", "customer", "order #"))]
        if any(n.startswith("customer context unavailable") for n in context):
            unavailable += 1
        elif context:
            used += 1
            rules = trace.get("matched_rules", [])
            if rules and not shown:
                agent = names.get(item["agent"], item["agent"]) if item["agent"] else "waiting"
                console.print(
                    f"customer context: ticket {item['ticket']} → {agent} "
                    f"(rules: {', '.join(rules)}; {'; '.join(context)})"
                )
                shown = True
    if used or unavailable:
        console.print(
            f"decisions with the shop's customer context: {used}; "
            f"routed without it (shop unavailable): {unavailable}"
        )


def _language_lines(store: Store, names: dict[str, str]) -> None:
    """Which languages were read from the tickets' text (they arrive without one), and an
    example of a ticket not in English going to an agent who speaks it."""
    found: Counter[str] = Counter()
    example = ""
    for item in store.decisions.recent(500):
        trace = store.decisions.history(str(item["ticket"]))[-1].get("trace", {})
        line = next((c for c in trace.get("context", []) if c.endswith("detected")), None)
        if line is None:
            continue
        language = line.removeprefix("language: ").split(" ")[0]
        found[language] += 1
        if language != "en" and item["agent"] and not example:
            agent = names.get(item["agent"], item["agent"])
            example = (
                f"; e.g. ticket {item['ticket']} ({line.removeprefix('language: ')}) → {agent}"
            )
    if found:
        read = ", ".join(f"{language} {count}" for language, count in found.most_common())
        console.print(f"languages read from the text: {read}{example}")


def _example(store: Store, names: dict[str, str]) -> None:
    for item in store.decisions.recent(50):
        if item["outcome"] != "assigned":
            continue
        history = store.decisions.history(str(item["ticket"]))
        trace = history[-1].get("trace", {})
        rejected: dict[str, int] = {}
        for candidate in trace.get("candidates", []):
            if "rejected_by" in candidate:
                rejected[candidate["rejected_by"]] = rejected.get(candidate["rejected_by"], 0) + 1
        why = ", ".join(f"{n} ruled out by {f}" for f, n in sorted(rejected.items())) or "none"
        console.print(
            f"example: ticket {item['ticket']} → {names.get(item['agent'], item['agent'])} "
            f"by {trace.get('policy')}; "
            f"{len(trace.get('candidates', []))} agents considered; {why}"
        )
        return


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the root command."""
    app.command("demo")(demo)
