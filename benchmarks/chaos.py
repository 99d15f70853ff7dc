"""Chaos run: 10,000 tickets through real sidecar replicas while everything goes wrong.

The sandbox help desk runs in this process with 20 % 5xx, hangs past the client's timeout,
connection resets, slow answers and 429 storms with ``Retry-After``; agents go on and off
line while tickets are being written; simulated people take and reassign tickets; the
sidecar (``--replicas 2``: the current leader, on PostgreSQL) is SIGKILLed at random and
restarted. After the weather calms and the run settles, the sandbox's audit log is replayed
(``sandbox.ledger``): every ticket assigned once by deskroute or taken by a person, no write
over a person's choice, a decision row behind every write. See docs/reliability.md.

    .venv/bin/python benchmarks/chaos.py [--tickets 10000] [--minutes 10] [--replicas 1]
    .venv/bin/python benchmarks/chaos.py --replicas 2 --database postgresql+psycopg://...

Ends with ``RESULT tickets=<n> lost=<n> double=<n> overwrote_human=<n>``.
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

from sandbox.chaos import ChaosPlan, ChaosReport, ChaosRun, run_chaos

console = Console()
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def print_report(report: ChaosReport, plan: ChaosPlan) -> None:
    """The counts, the kills and the takeover times."""
    t = report.tally
    console.print(f"tickets {t.tickets}: routed by deskroute {t.by_router}, taken by people "
                  f"{t.by_human}, follow-through moves {t.moves}")
    console.print(f"lost {t.lost} (never assigned {len(t.unassigned)}, no decision row "
                  f"{len(t.undecided)}), double {t.double}, overwrote_human {t.overwrote_human}")
    leaders = sum(k.was_leader for k in report.kills)
    console.print(f"SIGKILLs {len(report.kills)} ({leaders} of the leader), 429 storms "
                  f"{report.storms}, replicas {plan.replicas}")
    console.print(f"takeover (kill → a replica leads again): {report.takeover_summary()}")
    console.print(f"help desk answers: {dict(sorted(report.requests.items()))}")
    console.print(f"outbox at the end: {report.outbox}; tickets by state: {report.states}")
    console.print(f"run {report.seconds:.0f} s, settled {report.settled} in "
                  f"{report.settle_seconds:.1f} s after the weather calmed")
    for name, ids in (("never assigned", t.unassigned), ("no decision", t.undecided),
                      ("double", t.doubled), ("overwrote a person", t.overwritten)):
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


def main() -> int:
    """Run the chaos benchmark; exit code 1 when an invariant broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=10.0, help="arrivals spread over")
    parser.add_argument("--replicas", type=int, default=1, help="2: HA on PostgreSQL")
    parser.add_argument("--database", default=None,
                        help=f"store URL (default: SQLite for 1 replica, {DEFAULT_PG} for 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="keep replica logs here")
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C: replicas stopped, the sandbox shut, the schema dropped
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    database = args.database or (DEFAULT_PG if args.replicas > 1 else None)
    schema = f"dr_chaos_{uuid.uuid4().hex[:10]}" if database and "postgres" in database else None
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        plan = ChaosPlan(workdir=workdir, tickets=args.tickets, arrival_seconds=args.minutes * 60,
                         replicas=args.replicas, database_url=database, schema_name=schema,
                         seed=args.seed)
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console) as progress:
                task = progress.add_task("tickets created", total=args.tickets)

                def show(run: ChaosRun, phase: str) -> None:
                    kills = len(run.kills)
                    progress.update(task, completed=run.created, description=(
                        f"{phase}: {kills} kills, {run.storms} storms"))

                report = run_chaos(plan, show)
        finally:
            if schema and database:
                drop_schema(database, schema)
    print_report(report, plan)
    print(report.tally.result_line())
    return 0 if report.tally.clean and report.settled else 1


if __name__ == "__main__":
    sys.exit(main())
