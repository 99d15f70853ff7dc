"""Chaos run: thousands of tickets through real sidecar replicas while everything goes wrong.

``--desk zendesk`` or ``--desk freshdesk``: the sandbox help desk runs in this process and
answers through that API with 20 % 5xx, hangs past the client's timeout, connection
resets, slow answers, 429 storms with ``Retry-After`` and, every few minutes, an outage
(every request 503) while customers keep writing in; 5 % of the tickets are waiting when
the run starts (a Monday morning), so bulk writes happen. ``--desk rt``: a real Request
Tracker 5 (``scripts/rt-server up``) behind a fault proxy with the same weather. Agents go
on and off line while tickets are being written (not on RT: it has no presence); people
take and reassign tickets; the sidecar (``--replicas 2``: the current leader, on
PostgreSQL) is SIGKILLed at random and restarted. After the weather calms and the run
settles, the desk's audit is replayed (``sandbox.ledger``): every ticket assigned once by
deskroute or taken by a person, no write over a person's choice (or one put back at once:
``restored``), a decision row behind every write. See docs/reliability.md.

    .venv/bin/python benchmarks/chaos.py [--desk zendesk] [--tickets 10000] [--minutes 10]
    .venv/bin/python benchmarks/chaos.py --desk freshdesk --profile freshdesk-enterprise
    .venv/bin/python benchmarks/chaos.py --desk rt            # 300 tickets over 5 minutes
    .venv/bin/python benchmarks/chaos.py --replicas 2 --database postgresql+psycopg://...
    .venv/bin/python benchmarks/chaos.py --replicas 2 --pause-leader   # SIGSTOP, not SIGKILL
    .venv/bin/python benchmarks/chaos.py --replicas 2 --skew-clock 30  # chaos-b's clock +30 s
    .venv/bin/python benchmarks/chaos.py --lose-store         # store deleted mid-run
    .venv/bin/python benchmarks/chaos.py --revoke-credentials # 401s for a while, then back
    .venv/bin/python benchmarks/chaos.py --webhooks           # duplicated and replayed too

Ends with ``RESULT tickets=<n> lost=<n> double=<n> overwrote_human=<n> restored=<n> desk=<d>``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sandbox.chaos import DESKS, ChaosPlan, ChaosReport, ChaosRun, run_chaos
from sandbox.chaos.rt_desk import RtUnavailableError
from sandbox.profiles import PROFILES

console = Console()
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SIZES = {"zendesk": (10_000, 10.0), "freshdesk": (10_000, 10.0), "rt": (300, 5.0)}
"""Default tickets and minutes per desk: RT takes ~0.2 s to write one ticket in."""


def print_report(report: ChaosReport, plan: ChaosPlan) -> None:
    """The counts, the backlog and bulk writes, the kills and the takeover times."""
    t = report.tally
    console.print(
        f"desk {report.desk}{f' (profile {plan.profile})' if plan.profile else ''}: "
        f"tickets {t.tickets}: routed by deskroute {t.by_router}, taken by people "
        f"{t.by_human}, follow-through moves {t.moves}"
    )
    console.print(
        f"lost {t.lost} (never assigned {len(t.unassigned)}, no decision row "
        f"{len(t.undecided)}), double {t.double}, overwrote_human {t.overwrote_human}, "
        f"restored {t.restored}"
    )
    console.print(
        f"written back while the weather was rough: {report.done_in_weather} of "
        f"{t.tickets} tickets; backlog: {report.waiting} waiting at the start, {report.outages} "
        f"outages; bulk writes: {report.bulk.summary()}"
    )
    leaders = sum(k.was_leader for k in report.kills)
    signal_name = "SIGSTOPs" if plan.pause_leader else "SIGKILLs"
    skew = f", chaos-b's clock off by {plan.skew_clock:+g} s" if plan.skew_clock else ""
    console.print(
        f"{signal_name} {len(report.kills)} ({leaders} of the leader), 429 storms "
        f"{report.storms}, replicas {plan.replicas}{skew}; moments with two leaders: "
        f"{report.dual_leaders}"
    )
    if report.webhooks:
        console.print(f"webhooks: {report.webhooks}")
    if plan.lose_store or plan.revoke_credentials:
        console.print(
            f"store losses {report.store_losses} (tickets the reconciliation sweep took in: "
            f"{report.recovered}); credentials revoked {report.revocations} times; write-backs "
            f"parked {report.outbox.get('parked', 0)}"
        )
    console.print(f"takeover (kill → a replica leads again): {report.takeover_summary()}")
    console.print(f"help desk answers: {dict(sorted(report.requests.items()))}")
    console.print(f"outbox at the end: {report.outbox}; tickets by state: {report.states}")
    console.print(
        f"run {report.seconds:.0f} s, settled {report.settled} in "
        f"{report.settle_seconds:.1f} s after the weather calmed; audit read back in "
        f"{report.audit_seconds:.1f} s"
    )
    for name, ids in (
        ("never assigned", t.unassigned),
        ("no decision", t.undecided),
        ("double", t.doubled),
        ("overwrote a person", t.overwritten),
        ("restored", t.restored_tickets),
    ):
        if ids:
            console.print(f"[red]{name}: tickets {ids[:20]}[/red]")
    for ticket_id, entries in report.evidence.items():
        console.print(f"audit of ticket {ticket_id}:")
        for entry in entries:
            console.print(f"  {entry}")


def drop_schema(url: str, schema: str) -> None:
    """Remove the run's PostgreSQL schema."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def arguments() -> argparse.Namespace:
    """The command line, checked: a profile must belong to the desk."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desk", choices=DESKS, default="zendesk")
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=None,
        help="sandbox account profile (default: the sandbox's default)",
    )
    parser.add_argument("--tickets", type=int, default=None, help="default 10000 (rt: 300)")
    parser.add_argument(
        "--minutes", type=float, default=None, help="arrivals spread over (default 10; rt: 5)"
    )
    parser.add_argument("--replicas", type=int, default=1, help="2: HA on PostgreSQL")
    parser.add_argument(
        "--database",
        default=None,
        help=f"store URL (default: SQLite for 1 replica, {DEFAULT_PG} for 2)",
    )
    parser.add_argument(
        "--pause-leader",
        action="store_true",
        help="stall the leader with SIGSTOP for 4-7 s (past the 3 s lease), then SIGCONT, "
        "instead of killing it",
    )
    parser.add_argument(
        "--skew-clock",
        type=float,
        default=0.0,
        metavar="N",
        help="the second replica's wall clock is N seconds off (DESKROUTE_CLOCK_SKEW_SECONDS)",
    )
    parser.add_argument(
        "--lose-store",
        action="store_true",
        help="halfway through the arrivals, kill every replica, delete the store and restart "
        "them on an empty one whose poll starts then: the reconciliation sweep must find "
        "what was left unrouted",
    )
    parser.add_argument(
        "--revoke-credentials",
        action="store_true",
        help="every 30-60 s the desk refuses the replicas' credentials (401) for 5-15 s, then "
        "accepts them again: the auth pause must park nothing",
    )
    parser.add_argument(
        "--webhooks",
        action="store_true",
        help="(zendesk) the sandbox also sends its signed webhooks to the first replica, "
        "20 %% of them twice under one invocation id, 10 %% replayed byte for byte 3 times",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=240.0,
        metavar="SECONDS",
        help="how long the desk may take to settle after the weather calms (default 240); "
        "a run that lost its store with thousands of tickets waiting recovers them at the "
        "help desk's request budget, which can take longer",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="keep replica logs here")
    args = parser.parse_args()
    if args.profile and (args.desk == "rt" or not args.profile.startswith(args.desk)):
        parser.error(f"--profile {args.profile} is not a profile of the {args.desk} face")
    if args.webhooks and args.desk != "zendesk":
        parser.error("--webhooks needs --desk zendesk (the sandbox sends Zendesk webhooks only)")
    if args.skew_clock and args.replicas < 2:
        parser.error("--skew-clock needs --replicas 2 or more (it skews the second replica)")
    if args.settle <= 0:
        parser.error("--settle must be positive")
    tickets, minutes = SIZES[args.desk]
    args.tickets = args.tickets or tickets
    args.minutes = args.minutes or minutes
    return args


def main() -> int:
    """Run the chaos benchmark; exit code 1 when an invariant broke, 2 when RT is missing."""
    args = arguments()
    # SIGTERM unwinds like Ctrl-C: replicas stopped, the sandbox shut, the schema dropped
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    database = args.database or (DEFAULT_PG if args.replicas > 1 else None)
    schema = f"dr_chaos_{uuid.uuid4().hex[:10]}" if database and "postgres" in database else None
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        plan = ChaosPlan(
            workdir=workdir,
            desk=args.desk,
            profile=args.profile,
            tickets=args.tickets,
            arrival_seconds=args.minutes * 60,
            replicas=args.replicas,
            database_url=database,
            schema_name=schema,
            seed=args.seed,
            pause_leader=args.pause_leader,
            skew_clock=args.skew_clock,
            lose_store=args.lose_store,
            revoke_credentials=args.revoke_credentials,
            webhooks=args.webhooks,
            settle_seconds=args.settle,
        )
        try:
            report = run_with_progress(plan)
        except RtUnavailableError as error:
            console.print(f"[red]{error}[/red]")
            return 2
        finally:
            if schema and database:
                drop_schema(database, schema)
    print_report(report, plan)
    print(report.result_line())
    parked = report.outbox.get("parked", 0)
    clean = report.tally.clean and report.settled and not report.dual_leaders
    return 0 if clean and not (plan.revoke_credentials and parked) else 1


def run_with_progress(plan: ChaosPlan) -> ChaosReport:
    """``run_chaos`` with a progress bar of the tickets written in."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("tickets created", total=plan.tickets)

        def show(run: ChaosRun, phase: str) -> None:
            progress.update(
                task,
                completed=run.created,
                description=(
                    f"{phase}: {len(run.kills)} kills, {run.storms} storms, "
                    f"{run.outages.count} outages"
                ),
            )

        return run_chaos(plan, show)


if __name__ == "__main__":
    sys.exit(main())
