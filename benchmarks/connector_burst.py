"""A burst of tickets routed through each connector against the sandbox, rate limit on.

For Zendesk and Freshdesk: the sandbox holds N new tickets (default 10,000) and enforces
the plan's per-window limit. The connector reads the roster, polls every ticket, the real
router decides, and the decisions go back through ``assign_many`` (bulk jobs). Measured:
write requests per routed ticket, HTTP 429s received, and wall time against the floor the
rate limit implies (every request the connector made, packed at the plan's limit).

The baseline, run first in the same process, routes a few hundred tickets through the
single-ticket path (``assign``), which is what a connector without bulk updates does.

The rate-limit window is scalable: ``--window 60`` is the real plan, ``--window 1`` runs
the same budget sixty times faster (limits per window unchanged). Both sides use it.

    .venv/bin/python benchmarks/connector_burst.py [--tickets 10000] [--window 60]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from random import Random

import requests
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from config.settings import FreshdeskSettings, ZendeskSettings
from connectors.base import Connector, WriteRequest
from connectors.factory import freshdesk_connector, zendesk_connector
from connectors.plans import ZENDESK_ENDPOINTS, plan_limit
from router.decision import Assignment
from router.engine import Router
from router.model import Ticket
from router.policies import make_policy
from router.roster import Roster
from sandbox import SandboxHandle, start_sandbox

console = Console(width=140)
PLANS = {"zendesk": "professional", "freshdesk": "pro"}


@dataclass
class Run:
    """What one routing run cost."""

    vendor: str
    mode: str
    tickets: int
    routed: int
    requests: int
    writes: int
    http_429: int
    wall: float
    routing: float
    floor: float

    @property
    def writes_per_ticket(self) -> float:
        return self.writes / max(self.routed, 1)

    @property
    def vs_floor(self) -> float:
        return self.wall / self.floor if self.floor else float("inf")


def connector_for(vendor: str, desk: SandboxHandle, window: float, max_load: float) -> Connector:
    """The vendor's connector pointed at the sandbox, with the same plan and window."""
    session = requests.Session()
    common = {
        "plan": PLANS[vendor],
        "rate_window_seconds": window,
        "max_load": max_load,
        "job_poll_seconds": window / 60,
        "start_lookback_minutes": 60,
    }
    if vendor == "zendesk":
        return zendesk_connector(
            ZendeskSettings.model_validate(
                {
                    "base_url": desk.zendesk_url,
                    "email": desk.email,
                    "api_token": desk.api_token,
                    **common,
                }
            ),
            session,
        )
    return freshdesk_connector(
        FreshdeskSettings.model_validate(
            {"base_url": desk.freshdesk_url, "api_key": desk.api_key, **common}
        ),
        session,
    )


def route_burst(
    connector: Connector, tickets: int, bulk: bool, batch_size: int, progress: Progress
) -> tuple[int, float]:
    """Roster, poll to the end, decide with the real router, write back.

    Returns the tickets routed and the seconds spent deciding (CPU, not connector time).
    """
    snapshot = connector.roster()
    queue: list[Ticket] = []
    cursor: str | None = None
    task = progress.add_task(f"{connector.name}: polling", total=tickets)
    while True:
        page = connector.poll(cursor)
        queue.extend(page.tickets)
        cursor = page.cursor
        progress.update(task, completed=len(queue))
        if page.done:
            break
    router = Router(policy=make_policy("least_loaded"), per_round=None)
    roster = Roster(snapshot.agents, snapshot.loads)
    thinking = time.perf_counter()
    decided, _ = router.drain(queue, roster, datetime.now(UTC), Random(7))
    thinking = time.perf_counter() - thinking
    writes = [
        WriteRequest.of(assignment=d, expected_updated_at=t.updated_at)
        for t, d in decided
        if isinstance(d, Assignment)
    ]
    progress.update(task, description=f"{connector.name}: writing", completed=0, total=len(writes))
    routed = 0
    for start in range(0, len(writes), batch_size):
        batch = writes[start : start + batch_size]
        results = connector.assign_many(batch) if bulk else [connector.assign(w) for w in batch]
        routed += sum(r.ok for r in results)
        progress.update(task, completed=start + len(batch))
    return routed, thinking


def floor_seconds(vendor: str, stats: dict[str, int], window: float) -> float:
    """The least time the requests made could take at the plan's limits.

    The account-wide limit, and for Zendesk also the incremental export's 10 and the
    single-ticket update's 100 per window.
    """
    limit = plan_limit(vendor, PLANS[vendor])
    account = stats.get(f"{vendor}.requests", 0) / limit * window
    if vendor != "zendesk":
        return account
    export = (
        sum(v for k, v in stats.items() if k.startswith("zendesk.route.GET") and "incremental" in k)
        / ZENDESK_ENDPOINTS["export"]
        * window
    )
    update = (
        stats.get("zendesk.route.PUT /zendesk/api/v2/tickets/:id.json", 0)
        / ZENDESK_ENDPOINTS["update"]
        * window
    )
    return max(account, export, update)


def measure(
    vendor: str,
    mode: str,
    tickets: int,
    window: float,
    progress: Progress,
    latency_ms: float,
    batch_size: int,
) -> Run:
    """One run on a fresh sandbox."""
    agents = 50
    max_load = max(10.0, tickets / agents * 2)  # capacity is not what this measures
    # the burst is a backlog that was already there: indexed and past the export's lag
    with start_sandbox(
        agents=agents,
        tickets=tickets,
        rate_window=window,
        job_delay=window / 30,
        seed=11,
        search_lag=0,
        export_lag=0,
    ) as desk:
        desk.set_faults(latency_ms=latency_ms)
        connector = connector_for(vendor, desk, window, max_load)
        started = time.perf_counter()
        routed, routing = route_burst(connector, tickets, mode == "bulk", batch_size, progress)
        wall = time.perf_counter() - started - routing
        time.sleep(0.1)  # the server counts a request just after answering it
        stats = desk.stats()
    sent = connector.transport.stats  # type: ignore[attr-defined]
    return Run(
        vendor=vendor,
        mode=mode,
        tickets=tickets,
        routed=routed,
        requests=sent.requests,
        writes=sent.writes,
        http_429=max(sent.http_429, stats.get(f"{vendor}.status.429", 0)),
        wall=wall,
        routing=routing,
        floor=floor_seconds(vendor, stats, window),
    )


def report(runs: Sequence[Run]) -> None:
    """A table of every run, then one RESULT line per connector (bulk runs)."""
    table = Table(title="connector burst")
    for column in (
        "connector",
        "mode",
        "tickets",
        "routed",
        "requests",
        "writes",
        "writes/ticket",
        "429s",
        "connector s",
        "floor s",
        "vs floor",
        "routing s",
    ):
        table.add_column(column, justify="right")
    for run in runs:
        table.add_row(
            run.vendor,
            run.mode,
            str(run.tickets),
            str(run.routed),
            str(run.requests),
            str(run.writes),
            f"{run.writes_per_ticket:.4f}",
            str(run.http_429),
            f"{run.wall:.1f}",
            f"{run.floor:.1f}",
            f"{run.vs_floor:.2f}",
            f"{run.routing:.1f}",
        )
    console.print(table)
    for run in runs:
        if run.mode != "bulk":
            continue
        base = next(r for r in runs if r.vendor == run.vendor and r.mode == "single")
        console.print(
            f"{run.vendor}: bulk writes/ticket {run.writes_per_ticket:.4f} vs "
            f"single {base.writes_per_ticket:.2f} "
            f"({base.writes_per_ticket / max(run.writes_per_ticket, 1e-9):.0f}x fewer)"
        )
    for run in runs:
        if run.mode == "bulk":
            print(
                f"RESULT connector={run.vendor} writes_per_ticket={run.writes_per_ticket:.4f} "
                f"http_429={run.http_429} vs_floor={run.vs_floor:.2f}"
            )


def main() -> None:
    """Parse arguments, run baseline and burst per connector, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--baseline-tickets", type=int, default=300)
    parser.add_argument(
        "--window",
        type=float,
        default=60.0,
        help="seconds per rate-limit window (60 = the real plan)",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--vendors", default="zendesk,freshdesk")
    parser.add_argument(
        "--batch",
        type=int,
        default=10_000,
        help="decisions per assign_many call (the sidecar's outbox batch)",
    )
    args = parser.parse_args()
    runs = []
    with Progress(console=console, transient=True) as progress:
        for vendor in args.vendors.split(","):
            runs.append(
                measure(
                    vendor,
                    "single",
                    args.baseline_tickets,
                    args.window,
                    progress,
                    args.latency_ms,
                    args.batch,
                )
            )
            runs.append(
                measure(
                    vendor, "bulk", args.tickets, args.window, progress, args.latency_ms, args.batch
                )
            )
    report(runs)


if __name__ == "__main__":
    main()
