"""Changing the routing policy while the sidecar runs (pure): check a new policy file
against the live roster, show what changed in it, and re-decide recent tickets under it.

The service applies a checked draft (``Sidecar.apply_policy``); the console, the admin API
and SIGHUP all go through the same steps, so a bad file never replaces a good one.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from random import Random

from config.policy_file import PolicyFile, parse_policy_text
from config.roster_check import UnknownName, unknown_names
from router.decision import Assignment
from router.engine import Router
from router.model import Agent, AgentStatus
from router.roster import Roster, WorkingRoster
from sidecar.store import Decided


@dataclass(frozen=True, slots=True)
class PolicyDraft:
    """A policy file that parsed and validated, with what the live roster says of it."""

    text: str
    spec: PolicyFile
    problems: tuple[UnknownName, ...]
    """Names its rules use that no agent has: a draft with problems is not applied."""

    @property
    def version(self) -> str:
        """The file's fingerprint (``PolicyFile.fingerprint``)."""
        return self.spec.fingerprint()

    def router(self, like: Router) -> Router:
        """The router this file describes, keeping ``like``'s classifier (a setting, not
        part of the policy file)."""
        return replace(self.spec.router(), classifier=like.classifier)


def draft_policy(text: str, source: str, agents: Sequence[Agent]) -> PolicyDraft:
    """Parse and validate ``text``; raises ``PolicyFileError`` naming ``source``, the rule
    and the field when it cannot be used. Unknown names are returned, not raised: the
    caller shows them and refuses to apply."""
    spec = parse_policy_text(text, source)
    problems = tuple(unknown_names(spec, agents)) if agents else ()
    return PolicyDraft(text=text, spec=spec, problems=problems)


def policy_diff(old: str, new: str) -> str:
    """A unified diff of two policy files' text ('' when they are the same)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), "active", "new"
    )
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class Change:
    """A ticket the new policy would route differently."""

    ticket_id: str
    now: str | None
    """The agent the active policy picks (None: nobody, the ticket waits)."""
    new: str | None
    """The agent the new policy picks (None: nobody)."""


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The recent tickets re-decided by the active and the new policy."""

    decided: int
    changes: tuple[Change, ...]
    now_picks: dict[str, int]
    """Tickets per agent under the active policy (``""``: waits)."""
    new_picks: dict[str, int]
    """Tickets per agent under the new policy (``""``: waits)."""


def what_if(
    active: Router, new: Router, recent: Sequence[Decided], agents: Sequence[Agent], seed: int = 0
) -> WhatIf:
    """Decide each recent ticket, oldest first, with both routers against today's team,
    everyone available and free, at the moment we decided it: what differs is what the
    policies say, not who happened to be busy. Each side counts its own picks as the
    agents' latest assignments (ties rotate as they do live); loads stay at zero, since
    when each ticket was finished is not known here."""
    team = Roster([agent.evolve(status=AgentStatus.ONLINE) for agent in agents])
    sides = (team.working_copy(), team.working_copy())
    changes: list[Change] = []
    now_picks: Counter[str] = Counter()
    new_picks: Counter[str] = Counter()
    for item in recent:
        before = _pick(active, item, sides[0], seed)
        after = _pick(new, item, sides[1], seed)
        now_picks[before or ""] += 1
        new_picks[after or ""] += 1
        if before != after:
            changes.append(Change(item.ticket.id, before, after))
    return WhatIf(len(recent), tuple(changes), dict(now_picks), dict(new_picks))


def _pick(router: Router, item: Decided, team: WorkingRoster, seed: int) -> str | None:
    decision = router.decide(item.ticket, team, item.decided_at, Random(seed))
    if not isinstance(decision, Assignment):
        return None
    team.assign(decision.agent_id, decision.weight, item.decided_at)
    team.release(decision.agent_id, decision.weight)  # the pick counts; the load does not
    return decision.agent_id
