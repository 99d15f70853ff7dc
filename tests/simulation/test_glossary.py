"""One dictionary of definitions: every column the tables show is defined, names included."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.glossary import (
    DEFINITIONS,
    SERVICE,
    TEAM,
    TIMES,
    check_metric,
    define,
    per_priority_stems,
    priority_columns,
    service_columns,
)


@pytest.mark.parametrize(
    ("metric", "says"),
    [
        pytest.param("sl_4h", "share of all arrivals assigned within 4h", id="service-level"),
        pytest.param("sl_30m_urgent", "share of urgent arrivals assigned within 30m", id="sl-prio"),
        pytest.param("sla_high", "share of high arrivals", id="sla-per-priority"),
        pytest.param("mean_wait", "abandoners' time included", id="mean-wait-population"),
        pytest.param("wait_p90", "over served tickets", id="p90-population"),
        pytest.param("fairness_gini", "idle ones at 0", id="fairness-includes-idle"),
        pytest.param("count_gini", "count-based", id="count-gini-labelled"),
        pytest.param("utilization", "on-shift minutes", id="utilization-on-shift"),
    ],
)
def test_definitions_name_their_population(metric, says):
    assert says in define(metric)


@pytest.mark.parametrize("metric", ["nope", "sl_4x", "sla_", "load_gini"])
def test_an_unknown_name_has_no_definition(metric):
    with pytest.raises(KeyError):
        define(metric)


def test_every_fixed_column_is_in_the_dictionary():
    for column in (*SERVICE, *TIMES, *TEAM):
        assert column.key in DEFINITIONS and column.definition == DEFINITIONS[column.key]


def test_service_levels_follow_sla_and_get_their_own_priority_tables():
    measured = ["sla", "sla_urgent", "sl_1h", "sl_1h_urgent", "sl_8h", "p_wait"]
    assert [c.key for c in service_columns(measured)][:3] == ["sla", "sl_1h", "sl_8h"]
    assert per_priority_stems(measured) == ["sla", "sl_1h", "sl_8h"]
    columns = priority_columns("sl_1h", ["urgent", "low"])
    assert [(c.key, c.label) for c in columns] == [("sl_1h_urgent", "urgent"), ("sl_1h_low", "low")]


def test_the_simulation_docs_list_every_metric():
    text = (Path(__file__).parents[2] / "docs" / "simulation.md").read_text(encoding="utf-8")
    for name in DEFINITIONS:
        assert f"`{name}`" in text, name


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        pytest.param("load_gini", "was renamed: use fairness_gini", id="renamed"),
        pytest.param(
            "gini",
            "unknown metric 'gini'; did you mean count_gini or fairness_gini? (known: tickets,",
            id="unknown, a part of two",
        ),
        pytest.param("SLA", "unknown metric 'SLA'; did you mean sla?", id="upper case"),
        pytest.param("sla_vip", "unknown metric 'sla_vip'", id="a priority no ticket has"),
    ],
)
def test_a_metric_name_that_does_not_exist_is_refused_with_the_way_out(metric, message):
    with pytest.raises(ValueError) as raised:
        check_metric(metric)
    assert message in str(raised.value)
    check_metric("sla_urgent")  # a known one passes
