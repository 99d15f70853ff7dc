"""One decision record in plain language: who was considered, who was ruled out and why,
why the winner won (the tie-break included), and what made us decide.

The words are shared by ``deskroute explain`` (cli/explain_view.py) and the web console's
ticket page; both read the JSON a decision's ``to_dict`` produces (``GET /decisions/{id}``
serves the same records). Everything here is pure: names come from a function passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from router.filters import ELIGIBILITY_FILTERS

CAUSES = {
    "new": "a new ticket (first routing)",
    "queue": "a waiting ticket, routed when someone had room",
    "offline": "follow-through move: the assignee went offline or off shift",
    "reopened": "follow-through move: reopened while its assignee was unavailable",
    "no_reply": "follow-through move: no first reply within the time allowed",
}
"""The sidecar's recorded causes of a decision, in words (``sidecar.store.Routed.cause``)."""

MOVES = frozenset({"offline", "reopened", "no_reply"})
"""Causes that are follow-through moves rather than routings of a new or waiting ticket."""

FILTER_WORDS = {f.name: f.words for f in ELIGIBILITY_FILTERS}
"""Each eligibility filter's refusal words ("at capacity", "off shift"...)."""


@dataclass(frozen=True, slots=True)
class ScoreWords:
    """How one score label reads: what a higher score means, and its value shown."""

    better: str
    shown: Callable[[float], str]


def _number(value: float) -> str:
    return f"{value:g}"


def duration_text(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``2 d 4 h``: a duration as a person says it."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


SCORE_WORDS: dict[str, ScoreWords] = {
    "spare": ScoreWords("more spare capacity", lambda v: f"{v:g} units free"),
    "spare_pct": ScoreWords("a larger share of capacity free", lambda v: f"{v:.0%} free"),
    "skill_match": ScoreWords("a better skill match", _number),
    "speed": ScoreWords("faster on this kind of ticket", lambda v: f"{v:.2f}× typical"),
    "resolve_rel": ScoreWords("a shorter predicted time to resolve", _number),
    "turn": ScoreWords("next in the rotation", lambda v: f"{-v:g} places after the last one"),
    "open": ScoreWords("fewer open tickets", lambda v: f"{-v:g} open"),
    "idle_s": ScoreWords("longer since the last assignment", duration_text),
}
"""The score labels policies trace (``Scorer.labels`` and the ranking's ``idle_s``)."""


def score_text(score: Mapping[str, Any]) -> str:
    """A candidate's score as ``label=value`` pairs (``never`` for a null idle time)."""
    parts = []
    for label, value in score.items():
        if value is None:
            parts.append(f"{label}=never")
        elif isinstance(value, float | int):
            parts.append(f"{label}={value:g}")
        else:
            parts.append(f"{label}={value}")
    return "  ".join(parts)


def score_value(label: str, value: float | None) -> str:
    """One score value in words (``never assigned`` for a null idle time)."""
    if value is None:
        return "never assigned"
    words = SCORE_WORDS.get(label)
    return words.shown(value) if words else _number(value)


@dataclass(frozen=True, slots=True)
class RuledOut:
    """One agent a filter removed, and why."""

    agent: str
    name: str
    filter: str
    words: str
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """A decision in sentences a support lead reads."""

    outcome: str
    agent: str | None
    agent_name: str | None
    cause: str
    headline: str
    considered: int
    eligible: list[str] = field(default_factory=list)
    ruled_out: list[RuledOut] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    why_winner: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)


def explain(record: Mapping[str, Any], name: Callable[[str], str]) -> Explanation:
    """``record`` (a stored decision with its trace) in plain language; ``name`` gives an
    agent's display name from its id."""
    trace: Mapping[str, Any] = record.get("trace", {})
    candidates: list[Mapping[str, Any]] = list(trace.get("candidates", []))
    pruned: Mapping[str, int] = trace.get("pruned", {})
    chosen = record.get("agent") if record.get("outcome") == "assigned" else None
    cause = str(record.get("cause", "new"))
    return Explanation(
        outcome=str(record.get("outcome", "")),
        agent=chosen,
        agent_name=None if chosen is None else name(chosen),
        cause=CAUSES.get(cause, cause),
        headline=_headline(record, chosen, name),
        considered=len(candidates) + sum(pruned.values()),
        eligible=[name(c["agent"]) for c in candidates if "rejected_by" not in c],
        ruled_out=[_ruled_out(c, name) for c in candidates if "rejected_by" in c],
        pruned=[
            f"{count} {FILTER_WORDS.get(f, f)} (left out by the index)"
            for f, count in pruned.items()
            if count
        ],
        why_winner=[] if chosen is None else why_won(chosen, candidates, name),
        notes=[*trace.get("context", []), *_signal_lines(trace), *trace.get("notes", [])],
        rules=list(trace.get("matched_rules", [])),
        skills=_skills(trace),
    )


def _headline(record: Mapping[str, Any], chosen: str | None, name: Callable[[str], str]) -> str:
    if chosen is not None:
        return f"went to {name(chosen)}"
    return str(record.get("reason") or "nobody could take it")


def _ruled_out(candidate: Mapping[str, Any], name: Callable[[str], str]) -> RuledOut:
    agent, by = str(candidate["agent"]), str(candidate["rejected_by"])
    return RuledOut(agent, name(agent), by, FILTER_WORDS.get(by, by), candidate.get("detail", ""))


def _skills(trace: Mapping[str, Any]) -> list[str]:
    lines = []
    if trace.get("required_skills"):
        needed = ", ".join(f"{k} ≥ {v}" for k, v in trace["required_skills"].items())
        lines.append(f"required skills: {needed}")
    if trace.get("optional_skills"):
        wanted = ", ".join(f"{k} ≥ {v}" for k, v in trace["optional_skills"].items())
        lines.append(f"preferred skills: {wanted}")
    if trace.get("relaxed_skills"):
        lines.append("relaxed after waiting too long: " + ", ".join(trace["relaxed_skills"]))
    return lines


def why_won(
    chosen: str, candidates: list[Mapping[str, Any]], name: Callable[[str], str]
) -> list[str]:
    """One sentence per other eligible agent: the first score where the winner was ahead
    (policies rank by their score, then time since the last assignment, then agent id)."""
    scores = {c["agent"]: c.get("score") or {} for c in candidates if "rejected_by" not in c}
    mine = scores.get(chosen)
    if mine is None:
        return [f"{name(chosen)} was chosen without being scored (see the notes)"]
    if len(scores) == 1:
        return [f"{name(chosen)} was the only agent who could take it"]
    return [_against(chosen, mine, other, theirs, name)
            for other, theirs in sorted(scores.items()) if other != chosen]  # fmt: skip


def _against(
    chosen: str,
    mine: Mapping[str, Any],
    other: str,
    theirs: Mapping[str, Any],
    name: Callable[[str], str],
) -> str:
    for label, value in mine.items():
        their = theirs.get(label)
        if value == their:
            continue
        shown = f"{score_value(label, value)} vs {score_value(label, their)}"
        better = SCORE_WORDS[label].better if label in SCORE_WORDS else f"a higher {label}"
        if _ahead(value, their):
            return f"over {name(other)}: {better} ({shown})"
        return f"over {name(other)}: kept despite {name(other)} having {better} ({shown})"
    if chosen < other:
        return (
            f"over {name(other)}: a tie on every score; the tie-break gives it to the smaller "
            f"agent id ({name(chosen)}'s sorts before {name(other)}'s)"
        )
    return f"over {name(other)}: a tie on every score"


def _ahead(value: float | None, other: float | None) -> bool:
    """True when ``value`` ranks above ``other`` (null idle time: never assigned, the longest)."""
    if value is None:
        return True
    if other is None:
        return False
    return value > other


def _signal_lines(trace: Mapping[str, Any]) -> list[str]:
    """``signal angry: "outrageous", "fed up"`` for each signal the text showed."""
    signals = trace.get("signals") or {}
    return [
        f"signal {name}: " + ", ".join(f'"{word}"' for word in words)
        for name, words in signals.items()
    ]
