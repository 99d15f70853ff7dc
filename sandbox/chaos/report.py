"""What a chaos run reports: its kills and their takeover times, and the audit's tally."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from sandbox.chaos.faces import BulkWrites
from sandbox.ledger import Tally


@dataclass
class Kill:
    """One SIGKILL (or SIGSTOP with ``--pause-leader``): when (seconds into the run), whom,
    and how long until a leader routed."""

    at: float
    victim: str
    was_leader: bool
    takeover: float | None = None
    signal: str = "SIGKILL"


@dataclass
class ChaosReport:
    """What a run did and what the audit log says about it."""

    tally: Tally
    kills: list[Kill]
    storms: int
    seconds: float
    settle_seconds: float
    settled: bool
    requests: dict[str, int]
    outbox: dict[str, int]
    states: dict[str, int]
    evidence: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """The audit entries of a few tickets that broke an invariant."""
    desk: str = "zendesk"
    bulk: BulkWrites = field(default_factory=BulkWrites)
    """Bulk writes deskroute sent: a run without them has not tested that path."""
    outages: int = 0
    audit_seconds: float = 0.0
    """How long reading the audit back took (RT: one history request per ticket)."""
    waiting: int = 0
    """Tickets waiting when the replicas started."""
    done_in_weather: int = 0
    """Write-backs done before the weather calmed: how much routing raced the people."""
    dual_leaders: int = 0
    """Ticks (0.1 s apart) at which more than one replica's ``/readyz`` said ``leader``."""
    store_losses: int = 0
    """Times the store was deleted and the replicas restarted on an empty one."""
    revocations: int = 0
    """Times the replicas' credentials were revoked (and later restored)."""
    recovered: int = 0
    """Ticket versions the reconciliation sweep took in (in the store at the end)."""
    webhooks: dict[str, int] = field(default_factory=dict)
    """With ``--webhooks``: deliveries, duplicates and replays the desk sent, and the
    versions the store took in through webhooks (empty: webhooks were off)."""

    def result_line(self) -> str:
        """The ledger's ``RESULT ...`` line with the desk appended."""
        return f"{self.tally.result_line()} desk={self.desk}"

    def takeovers(self) -> list[float]:
        """Seconds from each SIGKILL to the next leader, for the kills that were measured."""
        return [k.takeover for k in self.kills if k.takeover is not None]

    def takeover_summary(self) -> str:
        """``min/median/max`` of the takeovers in seconds."""
        times = self.takeovers()
        if not times:
            return "none measured"
        return (
            f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s over {len(times)} kills"
        )
