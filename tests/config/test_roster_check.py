"""A policy file's names checked against the roster: typos are named with the likely fix."""

from __future__ import annotations

from config.policy_file import PolicyFile, parse_policy
from config.roster_check import unknown_names
from router.model import Agent

TEAM = [
    Agent(id="ana", groups=frozenset({"billing"}), skills={"refunds": 7, "payments": 5}),
    Agent(id="ben", groups=frozenset({"tier2"}), skills={"shipping": 6}),
]


def policy(then: dict[str, object]) -> PolicyFile:
    return parse_policy({"rules": [{"name": "r", "when": {"tag": "x"}, "then": then}]}, "test")


def messages(then: dict[str, object]) -> list[str]:
    return [problem.message() for problem in unknown_names(policy(then), TEAM)]


def test_a_misspelt_required_skill_is_named_with_the_likely_fix() -> None:
    assert messages({"add_required_skills": {"refunds": 3, "payements": 2}}) == [
        "rule 'r': no agent has the skill 'payements' (did you mean 'payments'?)"
    ]


def test_groups_and_escalation_targets_are_checked_and_agent_ids_count_as_targets() -> None:
    assert messages({"set_group": "biling", "escalate_to": ["tier2", "ana", "Tier3"]}) == [
        "rule 'r': no agent has the group 'biling' (did you mean 'billing'?)",
        "rule 'r': no agent has the group or agent 'Tier3' (did you mean 'tier2'?)",
    ]


def test_a_case_slip_is_suggested_and_a_name_far_from_all_gets_no_guess() -> None:
    assert messages({"add_optional_skills": {"Shipping": 2, "legal": 1}}) == [
        "rule 'r': no agent has the skill 'Shipping' (did you mean 'shipping'?)",
        "rule 'r': no agent has the skill 'legal'",
    ]


def test_a_policy_whose_names_all_exist_has_no_problems() -> None:
    assert messages({"set_group": "billing", "add_required_skills": {"refunds": 5}}) == []
