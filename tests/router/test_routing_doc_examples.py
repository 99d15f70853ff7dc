"""The policy-file snippets of docs/routing.md load and build a router as shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from config.policy_file import PolicyFile
from router.model import Priority
from router.policies import SelectionPolicy
from router.policies.queueing import trades_priority

DOC = Path(__file__).parents[2] / "docs" / "routing.md"
SNIPPETS = [
    block
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    if block.startswith("policy:")
]


def test_the_doc_shows_both_options() -> None:
    text = "\n".join(SNIPPETS)
    assert "trade_priority: true" in text and "continuity_window_h:" in text


def test_the_doc_shows_a_reserve() -> None:
    assert "reserve_agents:" in "\n".join(SNIPPETS)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet-{n}" for n in range(len(SNIPPETS))])
def test_each_policy_snippet_builds_the_router_it_describes(snippet: str) -> None:
    spec = yaml.safe_load(snippet)
    router = PolicyFile.model_validate(spec).router()
    params = spec["policy"]["params"]
    policy = router.policy
    assert policy.name == spec["policy"]["name"]
    if "trade_priority" in params:
        assert trades_priority(policy) is params["trade_priority"]
    if "continuity_window_h" in params:
        assert isinstance(policy, SelectionPolicy)
        assert policy.eligibility.continuity_window_h == params["continuity_window_h"]
    if "reserve_agents" in params:
        assert isinstance(policy, SelectionPolicy)
        assert policy.eligibility.reserve_agents == params["reserve_agents"]
        kept = Priority.parse(params.get("reserve_for", "urgent"))
        assert policy.eligibility.reserve_for is kept
