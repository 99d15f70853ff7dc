"""Names in a policy file that nobody on the roster has (pure).

A rule that requires the skill ``biling`` when agents have ``billing`` is valid YAML and a
valid policy, and every ticket it matches waits forever. Checked against the agents the
help desk reports: the skills rules require or add, the groups they set, the groups or
agents they escalate to, and the groups and skills a prediction is renamed to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from config.policy_file import PolicyFile
from router.model import Agent
from router.names import closest
from router.rules import Rule


@dataclass(frozen=True, slots=True)
class UnknownName:
    """One name a rule uses that no agent has."""

    rule: str
    kind: str
    """``skill``, ``group``, or ``group or agent`` (an escalation target)."""
    name: str
    suggestion: str | None = None
    """The closest name agents do have, when one is close."""

    def message(self) -> str:
        """The problem in words, with the likely fix."""
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"rule {self.rule!r}: no agent has the {self.kind} {self.name!r}{hint}"


@dataclass(frozen=True, slots=True)
class _Known:
    skills: frozenset[str]
    groups: frozenset[str]
    agents: frozenset[str]


def unknown_names(policy: PolicyFile, agents: Iterable[Agent]) -> list[UnknownName]:
    """Every skill, group or escalation target of ``policy``'s rules that no agent has."""
    team = list(agents)
    known = _Known(
        skills=frozenset(skill for agent in team for skill in agent.skills),
        groups=frozenset(group for agent in team for group in agent.groups),
        agents=frozenset(agent.id for agent in team),
    )
    found: list[UnknownName] = []
    for rule in policy.rules:
        for kind, name in _names(rule):
            choices = _choices(kind, known)
            if name not in choices:
                found.append(UnknownName(rule.name, kind, name, _closest(name, choices)))
    return found


def _names(rule: Rule) -> Iterator[tuple[str, str]]:
    """The (kind, name) pairs a rule relies on agents having."""
    then = rule.then
    for skill in [*then.add_required_skills, *then.add_optional_skills]:
        yield "skill", skill
    if then.set_group is not None:
        yield "group", then.set_group
    for target in then.escalate_to or ():
        yield "group or agent", target
    if then.group_from_prediction is not None:
        renamed = then.group_from_prediction
        for group in [*renamed.groups.values(), renamed.triage_group]:
            if group is not None:
                yield "group", group
    if then.skill_from_prediction is not None:
        for skill in then.skill_from_prediction.skills.values():
            yield "skill", skill


def _choices(kind: str, known: _Known) -> frozenset[str]:
    if kind == "skill":
        return known.skills
    if kind == "group":
        return known.groups
    return known.groups | known.agents


def _closest(name: str, choices: frozenset[str]) -> str | None:
    """A known name close to ``name`` (a typo, or another case), if any."""
    return closest(name, choices)
