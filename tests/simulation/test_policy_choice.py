"""``-p`` policy choices: YAML values, top-level commas, and the scenario's own parameters."""

from __future__ import annotations

import pytest

from simulation.run import PolicyChoice, parse_choice, split_top_level
from simulation.scenario import Routing


@pytest.mark.parametrize(
    ("text", "name", "params"),
    [
        pytest.param("gcmu", "gcmu", {}, id="name-only"),
        pytest.param(
            "gcmu:exponent=2,by=type", "gcmu", {"exponent": 2, "by": "type"}, id="scalars"
        ),
        pytest.param(
            "gcmu:costs={urgent: 8, low: 1},exponent=2",
            "gcmu",
            {"costs": {"urgent": 8, "low": 1}, "exponent": 2},
            id="a-mapping-with-commas",
        ),
        pytest.param(
            "threshold_overflow:overflow={billing: [orders, accounts]},wait_s=600",
            "threshold_overflow",
            {"overflow": {"billing": ["orders", "accounts"]}, "wait_s": 600},
            id="nested-list-in-a-mapping",
        ),
        pytest.param(
            "gcmu: exponent = 1.5 ,", "gcmu", {"exponent": 1.5}, id="spaces-trailing-comma"
        ),
    ],
)
def test_parameters_are_yaml_values_split_at_top_level_commas(text, name, params):
    assert parse_choice(text) == PolicyChoice(name, params)


@pytest.mark.parametrize(
    ("rest", "parts"),
    [
        pytest.param("a=1,b=2", ["a=1", "b=2"], id="plain"),
        pytest.param("a=[1, 2],b={x: 1, y: 2}", ["a=[1, 2]", "b={x: 1, y: 2}"], id="brackets"),
        pytest.param("a='x, y',b=\"1,2\"", ["a='x, y'", 'b="1,2"'], id="quotes"),
        pytest.param("a=it's,b=2", ["a=it's", "b=2"], id="apostrophe-inside-a-plain-word"),
    ],
)
def test_commas_inside_brackets_braces_and_quotes_do_not_split(rest, parts):
    assert split_top_level(rest) == parts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("gcmu:costs={urgent: 8", "missing a closing '}'", id="unclosed-brace"),
        pytest.param("gcmu:costs=[1}", "unexpected '}'", id="crossed-brackets"),
        pytest.param('gcmu:by="type', "missing a closing '\"'", id="unclosed-quote"),
        pytest.param("gcmu:exponent", "must look like key=value", id="no-equals"),
        pytest.param("gcmu:=2", "must look like key=value", id="no-key"),
        pytest.param("gcmu:exponent=: :", "not valid YAML", id="bad-yaml"),
        pytest.param(":exponent=2", "give a policy name", id="no-name"),
        pytest.param("gcmu:speed=2", "has no parameter 'speed'", id="unknown-parameter"),
        pytest.param("nope", "unknown policy 'nope'", id="unknown-policy"),
    ],
)
def test_malformed_choices_raise_a_message_that_names_the_problem(text, message):
    with pytest.raises(ValueError) as raised:
        parse_choice(text)
    assert message in str(raised.value)


OWN = Routing(policy="threshold_overflow", params={"wait_s": 600, "overflow": {"*": ["tier2"]}})


@pytest.mark.parametrize(
    ("text", "params"),
    [
        pytest.param(
            "threshold_overflow",
            {"wait_s": 600, "overflow": {"*": ["tier2"]}},
            id="the-scenarios-own-policy-keeps-its-params",
        ),
        pytest.param(
            "threshold_overflow:wait_s=60",
            {"wait_s": 60, "overflow": {"*": ["tier2"]}},
            id="a-parameter-given-here-wins",
        ),
        pytest.param("gcmu", {}, id="another-policy-gets-none-of-them"),
    ],
)
def test_the_scenarios_policy_merges_its_routing_params(text, params):
    assert dict(parse_choice(text, OWN).params) == params


def test_the_title_shows_the_parameters_used_as_they_are_typed():
    choice = parse_choice("threshold_overflow:wait_s=60", OWN)
    assert choice.title == "threshold_overflow(wait_s=60, overflow={'*': [tier2]})"
    assert parse_choice("gcmu:costs={urgent: 8}").title == "gcmu(costs={urgent: 8})"
    assert PolicyChoice("gcmu", {"exponent": 2}, label="mine").title == "mine"
