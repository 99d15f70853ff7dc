"""Write the shipped sample history: two weeks of a simulated small shop's desk, exported.

    python scripts/sample_history.py config/examples/history.jsonl

The desk is config/scenarios/shopify_small.yaml (five agents on Berlin office shifts and a
weekend cover) routed by the Zendesk preset, shortened to 14 days. Each solved ticket
becomes one line of the history export format (docs/history-format.md), as `deskroute
export` writes it: its type, priority, channel, language, final group and assignee, and
the time it arrived, was first assigned, first answered (the end of its work time) and
solved. Tickets the customers abandoned or that were never served are not exported, as a
help desk's export of solved tickets leaves them out. Seeded: the same file every time.
"""

from __future__ import annotations

import math
import sys
from datetime import timedelta
from pathlib import Path

from connectors.history import HistoryRecord
from simulation.run import PolicyChoice, simulate
from simulation.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "config/scenarios/shopify_small.yaml"
DAYS = 14


def main(out: Path) -> None:
    """Simulate the desk and write its solved tickets as history."""
    scenario = load_scenario(SCENARIO).evolve(horizon_days=DAYS, warmup_days=0)
    start = scenario.start

    def at(minutes: float) -> object:
        return start + timedelta(seconds=round(minutes * 60))

    records = [
        HistoryRecord(
            id=f"s{r.ticket}",
            source="zendesk",
            priority=r.priority,
            type=r.category,
            channel=r.channel,
            language=r.language,
            group=r.group,
            assignee=r.agent,
            created_at=at(r.arrival),
            first_assigned_at=at(r.assigned),
            first_reply_at=at(r.assigned + r.handle),
            solved_at=at(r.end),
        )
        for r in simulate(scenario, PolicyChoice("zendesk_capacity"))
        if r.agent is not None and not math.isnan(r.end) and r.arrival < scenario.horizon_min
    ]
    records.sort(key=lambda record: record.created_at)
    lines = [r.model_dump_json(exclude_none=True, exclude_defaults=True) for r in records]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")  # defaults left out: smaller
    print(f"wrote {len(lines)} tickets to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
