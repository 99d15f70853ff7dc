"""The Grafana dashboard and the Prometheus alert rules shipped in deploy/ query metrics the
sidecar really exports, and every alert tells the person paged what to look at."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics_core import Metric

from sidecar.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "deskroute.json"
ALERTS = ROOT / "deploy" / "prometheus" / "deskroute-alerts.yml"
NAME = re.compile(r"\bdeskroute_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> set[str]:
    """Every series name the sidecar's registry can export."""
    families: list[Metric] = list(Metrics().registry.collect())
    return {f.name + suffix for f in families for suffix in SUFFIXES.get(f.type, ("",))}


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def alert_rules() -> list[dict[str, object]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.mark.parametrize("expr", dashboard_queries() + [str(r["expr"]) for r in alert_rules()])
def test_every_query_names_metrics_the_sidecar_exports(expr: str) -> None:
    names = NAME.findall(expr)
    assert names, f"no deskroute metric in {expr!r}"
    assert set(names) <= exported(), f"unknown metrics: {set(names) - exported()}"
    assert expr.count("(") == expr.count(")"), f"unbalanced parentheses in {expr!r}"


def test_the_dashboard_has_a_panel_for_each_thing_a_lead_asks() -> None:
    wanted = {
        "deskroute_time_to_assignment_seconds_bucket", "deskroute_oldest_waiting_seconds",
        "deskroute_waiting_tickets", "deskroute_connector_requests_total",
        "deskroute_connector_retries_total", "deskroute_job_failures_total",
        "deskroute_job_last_success_timestamp_seconds", "deskroute_parked_tickets",
        "deskroute_followthrough_moves_total", "deskroute_shadow_agreement_ratio",
    }  # fmt: skip
    used = {name for expr in dashboard_queries() for name in NAME.findall(expr)}
    assert wanted <= used, f"no panel for {wanted - used}"


def test_panels_are_distinct_and_use_the_datasource_variable() -> None:
    document = json.loads(DASHBOARD.read_text())
    titles = [panel["title"] for panel in document["panels"]]
    assert len(titles) == len(set(titles))
    assert {p["datasource"]["uid"] for p in document["panels"]} == {"${datasource}"}
    assert [v["name"] for v in document["templating"]["list"]] == ["datasource"]


def test_every_alert_says_what_happened_and_where_to_look() -> None:
    rules = alert_rules()
    assert len({r["alert"] for r in rules}) == len(rules)
    for rule in rules:
        labels, notes = rule["labels"], rule["annotations"]
        assert isinstance(labels, dict) and labels["severity"] in {"warning", "critical"}
        assert isinstance(notes, dict) and notes["summary"] and notes["description"]
