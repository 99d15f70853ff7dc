"""The Shadow / go-live page's content and template, rendered with a tiny test-only base
(the console's real ``base.html`` and login come with the console foundation)."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from config.settings import ShadowSettings
from sidecar.console.shadow_view import Asked, shadow_page
from sidecar.shadow_report import GoLiveReport, build_report
from tests.sidecar.test_shadow_report import TEAM, WINDOW, case, rotation

TEMPLATES = Path(__file__).resolve().parents[2] / "sidecar" / "console" / "templates"
TEST_BASE = (
    "<!doctype html><title>{% block title %}{% endblock %}</title>"
    "<main>{% block content %}{% endblock %}</main>"
)
NAMES = {"ann": "Ana Souza", "bob": "<b>Bob</b>", "cat": "Cat Li"}


def render(report: GoLiveReport, **context: object) -> str:
    loader = jinja2.ChoiceLoader(
        [jinja2.DictLoader({"base.html": TEST_BASE}), jinja2.FileSystemLoader(TEMPLATES)]
    )
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    context = {"asked": Asked(), "error": None, **context}
    return env.get_template("shadow.html").render(page=shadow_page(report, NAMES), **context)


def table(html: str, anchor: str) -> list[list[str]]:
    """The text of each row's cells in the table with id ``anchor``."""
    found = re.search(rf'<table id="{anchor}">(.*?)</table>', html, flags=re.DOTALL)
    assert found is not None, f"no table {anchor}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), flags=re.DOTALL)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in rows
    ]


@pytest.fixture
def mixed() -> GoLiveReport:
    """Thirty agreements, four people's picks our skills filter refused, one we waited on."""
    cases = rotation(30) + [case("cat", n=90 + n) for n in range(4)] + [case("bob", None, n=99)]
    return build_report(cases, TEAM, WINDOW, ShadowSettings())


def test_the_page_opens_with_the_recommendation_and_what_blocks_it(mixed: GoLiveReport) -> None:
    html = render(mixed)
    recommendation = html[html.index('id="recommendation"') : html.index("<h2>Agreement")]
    assert "<strong>Not yet.</strong> What blocks it:" in recommendation
    assert recommendation.count("<li>") == len(mixed.recommendation.blockers) == 1
    assert "<li>11% of people&#39;s picks were ruled out by our filters or rules" in recommendation


def test_agreement_and_why_ours_differs_are_counted_in_words(mixed: GoLiveReport) -> None:
    html = render(mixed)
    assert table(html, "headline") == [
        ["decided in dry run", "35"],
        ["closed since", "0"],
        ["assigned by a person", "35"],
        ["agreed with their first choice", "30 (86%)"],
    ]
    assert table(html, "disagreements") == [
        ["their pick was eligible for us; ours ranked higher", "1"],
        ["their pick was ruled out by a filter or rule", "4"],
        ["their pick was over capacity", "0"],
        ["their pick was not among the agents we looked at", "0"],
        ["… ruled out as lacking a required skill", "4"],
        ["we would have left waiting, a person assigned", "1"],
    ]
    assert table(html, "by-group")[1] == ["billing", "35", "86%", "1", "4", "0", "0"]


def test_agents_are_shown_by_name_and_names_are_escaped(mixed: GoLiveReport) -> None:
    html = render(mixed)
    assert table(html, "spread")[1:] == [
        ["&lt;b&gt;Bob&lt;/b&gt;", "10", "11"],
        ["Ana Souza", "14", "10"],
        ["Cat Li", "10", "14"],
    ]  # fmt: skip  (sorted by name as written)
    assert "<b>Bob</b>" not in html
    samples = table(html, "samples")
    assert samples[1] == ["99", "would wait", "&lt;b&gt;Bob&lt;/b&gt;",
                          "their pick was eligible for us; ours ranked higher"]  # fmt: skip


def test_time_to_assign_and_thresholds_are_stated(mixed: GoLiveReport) -> None:
    html = render(mixed)
    assert table(html, "sides")[1:3] == [
        ["time to assign, median", "10 s", "10 min"], ["time to assign, 90%", "10 s", "10 min"],
    ]  # fmt: skip
    thresholds = {row[0]: row[1] for row in table(html, "thresholds")[1:]}
    assert thresholds["DESKROUTE_SHADOW__MIN_COMPARED"] == "30"
    assert thresholds["DESKROUTE_SHADOW__MAX_RULED_OUT"] == "0.1"


def test_a_window_that_cannot_be_read_is_explained_and_the_asked_values_kept(
    mixed: GoLiveReport,
) -> None:
    html = render(mixed, asked=Asked(days="abc"), error="That window cannot be shown")
    assert '<p class="error" role="alert">That window cannot be shown</p>' in html
    assert 'value="abc"' in html


def test_a_ready_report_has_no_blockers_listed() -> None:
    html = render(build_report(rotation(30), TEAM, WINDOW, ShadowSettings()))
    assert 'class="recommendation ready"' in html and "<li>" not in html
    assert "ready to switch on: 100% agreement over 30 tickets" in html
