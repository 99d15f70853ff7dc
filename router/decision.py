"""What a policy returns: an assignment or a reasoned refusal, each with the trace of why.

These are plain frozen dataclasses rather than pydantic models: a policy builds one per
decision on the hot path, and they are only ever built by our own code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from router.model import Prediction, Ticket


class Choice(NamedTuple):
    """An untraced decision: who takes the ticket and how many capacity units it uses."""

    agent_id: str
    weight: float


@dataclass(frozen=True, kw_only=True, slots=True)
class CandidateTrace:
    """One agent the policy looked at: the filter that removed it, or its score."""

    agent_id: str
    rejected_by: str | None = None
    detail: str = ""
    score: Mapping[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {"agent": self.agent_id}
        if self.rejected_by is not None:
            out["rejected_by"] = self.rejected_by
            if self.detail:
                out["detail"] = self.detail
        if self.score is not None:
            # an agent never assigned has idle_s = inf, which JSON cannot carry: null
            out["score"] = {k: (None if math.isinf(v) else v) for k, v in self.score.items()}
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class DecisionTrace:
    """Everything needed to answer "why did this ticket go there (or nowhere)?".

    ``candidates`` lists agents examined one by one; ``pruned`` counts agents an index
    excluded wholesale on large rosters (by filter name), so the trace stays small.
    """

    policy: str
    ticket_id: str
    at: datetime
    candidates: tuple[CandidateTrace, ...] = ()
    pruned: Mapping[str, int] = field(default_factory=dict)
    matched_rules: tuple[str, ...] = ()
    required_skills: Mapping[str, int] = field(default_factory=dict)
    optional_skills: Mapping[str, int] = field(default_factory=dict)
    relaxed_skills: tuple[str, ...] = ()
    chosen: str | None = None
    notes: tuple[str, ...] = ()
    predictions: Mapping[str, Prediction] = field(default_factory=dict)
    context: tuple[str, ...] = ()
    """What enrichment read about the ticket, in words ("language: de (0.97), detected")."""
    signals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Signals read from the ticket (``Ticket.signals``): name and the words that showed it."""

    def rejections(self) -> dict[str, int]:
        """How many agents each filter removed, pruned ones included."""
        counts: dict[str, int] = dict(self.pruned)
        for candidate in self.candidates:
            if candidate.rejected_by is not None:
                counts[candidate.rejected_by] = counts.get(candidate.rejected_by, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, stored with each decision (``predictions``, ``context`` and
        ``signals`` only when there are)."""
        out: dict[str, Any] = {
            "policy": self.policy,
            "ticket": self.ticket_id,
            "at": self.at.isoformat(),
            "matched_rules": list(self.matched_rules),
            "required_skills": dict(self.required_skills),
            "optional_skills": dict(self.optional_skills),
            "relaxed_skills": list(self.relaxed_skills),
            "chosen": self.chosen,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "pruned": dict(self.pruned),
            "notes": list(self.notes),
        }
        if self.predictions:
            out["predictions"] = {
                target: {"label": p.label, "confidence": round(p.confidence, 4)}
                for target, p in self.predictions.items()
            }
        if self.context:
            out["context"] = list(self.context)
        if self.signals:
            out["signals"] = {name: list(words) for name, words in self.signals.items()}
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Assignment:
    """The ticket goes to ``agent_id``; ``weight`` capacity units are now taken."""

    ticket_id: str
    agent_id: str
    weight: float
    trace: DecisionTrace
    group: str | None = None

    @property
    def assigned(self) -> bool:
        """Always True: lets callers branch without isinstance."""
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ticket": self.ticket_id,
            "outcome": "assigned",
            "agent": self.agent_id,
            "group": self.group,
            "weight": self.weight,
            "trace": self.trace.to_dict(),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class NoAssignment:
    """Nobody can take the ticket now; ``reason`` says why in words a support lead reads."""

    ticket_id: str
    reason: str
    trace: DecisionTrace

    @property
    def assigned(self) -> bool:
        """Always False: lets callers branch without isinstance."""
        return False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ticket": self.ticket_id,
            "outcome": "waiting",
            "reason": self.reason,
            "trace": self.trace.to_dict(),
        }


Decision = Assignment | NoAssignment


def with_enrichment(decision: Decision, matched: tuple[str, ...], enriched: Ticket) -> Decision:
    """Return ``decision`` with the business rules that matched and what enrichment found on
    the ``enriched`` ticket (the classifier's predictions, the context lines, the signals)
    recorded in its trace."""
    if not (matched or enriched.predictions or enriched.context or enriched.signals):
        return decision
    trace = replace(
        decision.trace,
        matched_rules=matched,
        predictions=dict(enriched.predictions),
        context=enriched.context,
        signals=dict(enriched.signals),
    )
    return replace(decision, trace=trace)
