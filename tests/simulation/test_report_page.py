"""The report a lead acts on (issue 18): the team and targets, SLA by priority and category
with intervals, plots of means with bands in distinct styles, and the same numbers in CSV."""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from simulation.compare import compare, execute, runs
from simulation.plots import STYLES, band, write_plots
from simulation.report import write_html, write_summary_csv
from simulation.run import PolicyChoice
from simulation.scenario import load_scenario

SMALL = Path(__file__).resolve().parents[2] / "config/scenarios/shopify_small.yaml"


class Tables(HTMLParser):
    """Each ``<h3>`` title's table as rows of cell texts (the first cell names the row)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._title = ""
        self._in: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "h3":
            self._in, self._text = "h3", ""
        elif tag == "tr" and self._title:
            self.tables.setdefault(self._title, []).append([])
        elif tag in ("td", "th"):
            self._in, self._text = "cell", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._title, self._in = self._text, None
        elif tag in ("td", "th") and self._in == "cell" and self._title:
            self.tables[self._title][-1].append(self._text)
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    scenario = load_scenario(SMALL).evolve(horizon_days=2, warmup_days=0)
    choices = [PolicyChoice("zendesk_capacity"), PolicyChoice("skills_least_loaded")]
    comparison = compare(execute(runs(scenario, choices, 3), "serial"))
    out = tmp_path_factory.mktemp("report")
    plots = write_plots(comparison, out, scenario.start, scenario.horizon_days)
    verdict = "<section class=verdict><h2>Verdict</h2><p>keep it</p></section>"
    html = write_html(comparison, scenario, plots, out / "report.html", verdict)
    return html, write_summary_csv(comparison, out / "summary.csv"), out


def test_the_csv_holds_exactly_the_numbers_the_page_shows(page):
    html, summary, _ = page
    parser = Tables()
    parser.feed(html.read_text(encoding="utf-8"))
    with summary.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for table in {row["table"] for row in rows}:
        shown = parser.tables[table]
        heads = shown[0][1:]
        body = shown[1:]
        mine = [r for r in rows if r["table"] == table]
        expected = []
        for policy in dict.fromkeys(r["policy"] for r in mine):
            for kind in ("value", "difference"):
                cells = [r for r in mine if r["policy"] == policy and r["row"] == kind]
                if cells:
                    assert [c["label"] for c in cells] == heads
                    name = policy if kind == "value" else "Δ"
                    expected.append([name, *(c["shown"] for c in cells)])
        assert body == expected, table


def test_the_page_opens_with_the_verdict_then_states_team_and_targets(page):
    text = page[0].read_text(encoding="utf-8")
    assert text.index("Verdict") < text.index("Team and targets simulated") < text.index("SLA by")
    tables = Tables()
    tables.feed(text)
    targets = {row[0]: row[1] for row in tables.tables["SLA targets (first assignment within)"][1:]}
    assert set(targets) == {"urgent", "high", "normal", "low"}
    team = tables.tables["Team (4 agents)"]
    assert team[0] == ["agent", "groups", "capacity", "shift"]
    rows = {row[0]: row[1:] for row in team[1:]}
    assert rows["anna"][1:] == ["2", "mon-fri 08:30–17:00 Europe/Berlin, breaks 12:30–13:00"]
    assert rows["sam"][1:] == ["2", "sat, sun 10:00–16:00 Europe/Berlin"]


def test_sla_is_shown_by_priority_and_by_category_with_intervals(page):
    tables = Tables()
    tables.feed(page[0].read_text(encoding="utf-8"))
    by_category = tables.tables["SLA by category"]
    assert "ORDER" in by_category[0] and "REFUND" in by_category[0]
    assert all("±" in cell for cell in by_category[1][1:] if cell != "–")
    assert "SLA by priority" in tables.tables


def test_plots_are_written_and_embedded(page):
    html, _, out = page
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["agent_load.png", "backlog.png", "sla_over_time.png", "waiting_times.png"]
    assert html.read_text(encoding="utf-8").count("data:image/png;base64,") == 4


def test_each_policy_gets_its_own_colour_and_marker_and_a_dash_unlike_its_neighbours():
    assert len(STYLES) >= 12
    for key in ("color", "marker"):
        values = [str(style[key]) for style in STYLES]
        assert len(set(values)) == len(values), key
    dashes = [str(style["linestyle"]) for style in STYLES]
    assert all(a != b for a, b in pairwise(dashes))


def test_a_band_is_the_mean_across_replications_with_a_95_percent_interval():
    x = np.arange(3.0)
    found = band(x, [np.array([1.0, 2.0, np.nan]), np.array([3.0, 2.0, 5.0])])
    assert found.mean.tolist() == [2.0, 2.0, 5.0]
    assert found.n == 2
    assert found.low[0] < 2.0 < found.high[0]  # two different values: a real interval
    assert found.low[1] == found.high[1] == 2.0  # equal values: no spread
    assert found.low[2] == found.high[2] == 5.0  # one replication reached it: no interval
