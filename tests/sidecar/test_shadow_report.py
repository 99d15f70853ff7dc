"""The shadow (go-live) report as a pure function of shadow cases (issue 17)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.settings import ShadowSettings
from sidecar.shadow_measures import (
    AGREED,
    ELIGIBLE,
    NOT_CONSIDERED,
    OVER_CAPACITY,
    RULED_OUT,
    ShadowCase,
    Verdict,
    gini,
    judge,
    percentile,
    spread,
)
from sidecar.shadow_report import Window, build_report, parse_window

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
WINDOW = Window(T0, T0 + timedelta(days=7))
TEAM = ("ann", "bob", "cat")
TRACE = {
    "matched_rules": ["billing"],
    "candidates": [
        {"agent": "ann", "score": {"load": 0.0}},
        {"agent": "bob", "score": {"load": 1.0}},
        {"agent": "cat", "rejected_by": "skills", "detail": "lacking billing"},
        {"agent": "dan", "rejected_by": "capacity"},
        {"agent": "eve", "rejected_by": "fair_limit"},
        {"agent": "fay", "rejected_by": "held"},
    ],
}


def case(
    theirs: str | None,
    ours: str | None = "ann",
    *,
    n: int = 1,
    ours_after_s: float = 10,
    theirs_after_s: float = 600,
    trace: dict[str, Any] | None = None,
    group: str | None = "billing",
    closed: bool = False,
) -> ShadowCase:
    created = T0 + timedelta(minutes=n)
    return ShadowCase(
        ticket_id=str(n), created_at=created, decided_at=created + timedelta(seconds=1),
        ours=ours, ours_at=None if ours is None else created + timedelta(seconds=ours_after_s),
        theirs=theirs,
        theirs_at=None if theirs is None else created + timedelta(seconds=theirs_after_s),
        trace=TRACE if trace is None else trace, group=group, closed=closed,
    )  # fmt: skip


# --- classification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theirs", "ours", "expected", "words"),
    [
        pytest.param("ann", "ann", Verdict(AGREED), "agreed", id="same-agent-agrees"),
        pytest.param("bob", "ann", Verdict(ELIGIBLE),
                     "their pick was eligible for us; ours ranked higher", id="eligible"),
        pytest.param("cat", "ann", Verdict(RULED_OUT, "skills"),
                     "their pick was lacking a required skill", id="ruled-out-by-a-filter"),
        pytest.param("dan", "ann", Verdict(OVER_CAPACITY, "capacity"),
                     "their pick was at capacity", id="over-capacity"),
        pytest.param("eve", "ann", Verdict(OVER_CAPACITY, "fair_limit"),
                     "their pick was at the fair-distribution limit", id="fair-limit-is-capacity"),
        pytest.param("fay", "ann", Verdict(ELIGIBLE, "held"),
                     "their pick was already dealt a ticket this round", id="dealt-this-round"),
        pytest.param("zed", "ann", Verdict(NOT_CONSIDERED),
                     "their pick was not among the agents we looked at", id="not-in-our-trace"),
        pytest.param("cat", None, Verdict(RULED_OUT, "skills"),
                     "their pick was lacking a required skill", id="we-waited-judged-by-it"),
    ],
)  # fmt: skip
def test_each_disagreement_is_classified_by_the_persons_pick_in_our_trace(
    theirs: str, ours: str | None, expected: Verdict, words: str
) -> None:
    verdict = judge(case(theirs, ours))
    assert verdict == expected
    assert verdict.words == words


def test_a_ticket_nobody_assigned_yet_is_not_compared() -> None:
    assert judge(case(None)) is None


# --- measures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "point", "expected"),
    [
        pytest.param([], 50, None, id="nothing"),
        pytest.param([5.0], 90, 5.0, id="one-value"),
        pytest.param([4.0, 1.0, 3.0, 2.0], 50, 2.0, id="median-nearest-rank"),
        pytest.param([float(v) for v in range(1, 11)], 90, 9.0, id="p90-of-ten"),
    ],
)
def test_percentiles_are_nearest_rank(
    values: list[float], point: float, expected: float | None
) -> None:
    assert percentile(values, point) == expected


@pytest.mark.parametrize(
    "values", [[0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 9.0], [3.0, 1.0, 7.0, 2.0], []]
)
def test_gini_is_the_simulators_definition(values: list[float]) -> None:
    metrics = pytest.importorskip("simulation.metrics")
    assert gini(values) == pytest.approx(metrics.gini(values))


def test_spread_counts_every_team_member_even_those_never_picked() -> None:
    even = spread(["ann", "bob", "cat"], TEAM)
    piled = spread(["ann", "ann", "ann"], TEAM)
    assert even.picks == {"ann": 1, "bob": 1, "cat": 1} and even.gini == 0.0
    assert even.max_over_mean == 1.0
    assert piled.picks == {"ann": 3, "bob": 0, "cat": 0} and piled.max_over_mean == 3.0
    assert piled.gini == pytest.approx(2 / 3)


# --- the report --------------------------------------------------------------------------------


def test_report_counts_decided_closed_compared_and_disagreements_by_kind_and_filter() -> None:
    cases = [
        case("ann", n=1, closed=True),
        case("bob", n=2),
        case("cat", n=3, closed=True),
        case("dan", n=4),
        case(None, n=5),
        case("cat", ours=None, n=6),
    ]
    report = build_report(cases, TEAM, WINDOW, ShadowSettings())
    assert (report.decided, report.closed, report.we_waited) == (6, 2, 1)
    overall = report.overall.to_dict()
    assert (overall["compared"], overall["agreed"], overall["agreement"]) == (5, 1, 0.2)
    assert overall["disagreements"] == {
        ELIGIBLE: 1, RULED_OUT: 2, OVER_CAPACITY: 1, NOT_CONSIDERED: 0,
    }  # fmt: skip
    assert overall["ruled_out_by"] == {"skills": 2}
    assert [s["ticket"] for s in report.samples] == ["6", "4", "3", "2"]  # newest first
    assert report.samples[0]["why"] == "their pick was lacking a required skill"


def test_report_breaks_agreement_down_by_group_and_by_rule() -> None:
    no_rule = {"candidates": TRACE["candidates"]}
    cases = [
        case("ann", n=1, group="billing"),
        case("bob", n=2, group="billing"),
        case("ann", n=3, group=None, trace=no_rule),
    ]
    report = build_report(cases, TEAM, WINDOW, ShadowSettings()).to_dict()
    assert {k: v["agreement"] for k, v in report["by_group"].items()} == {
        "(no group)": 1.0, "billing": 0.5,
    }  # fmt: skip
    assert {k: v["compared"] for k, v in report["by_rule"].items()} == {
        "(no rule)": 1, "billing": 2,
    }  # fmt: skip


def test_time_to_assign_and_load_spread_compare_ours_with_theirs() -> None:
    cases = [case(agent, n=n, theirs_after_s=60 * n) for n, agent in enumerate(TEAM * 3, 1)]
    report = build_report(cases, TEAM, WINDOW, ShadowSettings()).to_dict()
    assert report["time_to_assign"]["ours"] == {"count": 9, "p50_s": 10.0, "p90_s": 10.0}
    assert report["time_to_assign"]["theirs"] == {"count": 9, "p50_s": 300.0, "p90_s": 540.0}
    ours, theirs = report["load_spread"]["ours"], report["load_spread"]["theirs"]
    assert ours["picks"] == {"ann": 9, "bob": 0, "cat": 0} and ours["max_over_mean"] == 3.0
    assert theirs["picks"] == {"ann": 3, "bob": 3, "cat": 3} and theirs["gini"] == 0.0


def test_report_json_carries_the_window_and_the_thresholds() -> None:
    report = build_report([], TEAM, WINDOW, ShadowSettings(min_compared=5)).to_dict()
    assert report["window"] == {"since": T0.isoformat(), "until": WINDOW.until.isoformat()}
    assert report["thresholds"]["min_compared"] == 5
    assert report["agreement"] is None and report["recommendation"]["ready"] is False


# --- the recommendation ------------------------------------------------------------------------


def rotation(count: int, **changes: Any) -> list[ShadowCase]:
    """``count`` tickets on which we and the person agree, spread evenly over the team."""
    return [replace(case(TEAM[n % 3], ours=TEAM[n % 3], n=n), **changes) for n in range(count)]


@pytest.mark.parametrize(("ours_s", "ready"), [(60, True), (62, False)])
def test_a_minute_slower_than_people_blocks_nothing(ours_s: float, ready: bool) -> None:
    cases = [
        case(TEAM[n % 3], TEAM[n % 3], n=n, ours_after_s=ours_s, theirs_after_s=1)
        for n in range(30)
    ]
    assert build_report(cases, TEAM, WINDOW, ShadowSettings()).recommendation.ready is ready


def test_ready_when_every_threshold_holds_and_the_text_states_the_figures() -> None:
    report = build_report(rotation(30), TEAM, WINDOW, ShadowSettings())
    assert report.recommendation.ready
    assert report.recommendation.text.startswith(
        "ready to switch on: 100% agreement over 30 tickets, 0% of people's picks ruled out"
    )
    assert "90% assigned within 10 s (people: 10 min)" in report.recommendation.text


@pytest.mark.parametrize(
    ("cases", "limits", "blocker"),
    [
        pytest.param(rotation(29), {}, "only 29 tickets compared with a person's assignment "
                     "(at least 30 needed)", id="too-few-compared"),
        pytest.param(rotation(20) + [case("bob", n=90 + n) for n in range(10)],
                     {"min_agreement": 0.7}, "agreement 67% is below 70%", id="low-agreement"),
        pytest.param(rotation(26) + [case("cat", n=90 + n) for n in range(4)], {},
                     "13% of people's picks were ruled out by our filters or rules (lacking a "
                     "required skill 4), above 10%", id="people-pick-whom-our-rules-refuse"),
        pytest.param(rotation(28) + [case("bob", ours=None, n=90 + n) for n in range(2)],
                     {"min_agreement": 0.5}, "we would have left 7% of assigned tickets "
                     "waiting, above 5%", id="we-would-have-left-tickets-waiting"),
        pytest.param(rotation(30, ours_at=T0 + timedelta(hours=1)), {},
                     "90% of our assignments take", id="slower-than-people"),
        pytest.param([case(TEAM[n % 3], ours="ann", n=n) for n in range(30)],
                     {"min_agreement": 0, "max_ruled_out": 1},
                     "our picks are less even (Gini 0.67) than people's (0.00) by more than 0.05",
                     id="our-picks-pile-up"),
    ],
)  # fmt: skip
def test_not_yet_names_what_blocks_it(
    cases: list[ShadowCase], limits: dict[str, Any], blocker: str
) -> None:
    report = build_report(cases, TEAM, WINDOW, ShadowSettings(**limits))
    assert not report.recommendation.ready
    assert report.recommendation.text.startswith("not yet: ")
    assert any(found.startswith(blocker) for found in report.recommendation.blockers)


# --- the window ----------------------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
MIDNIGHT_DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        pytest.param({}, (NOW - timedelta(days=7), NOW), id="default-days-back-from-now"),
        pytest.param({"days": 1.5}, (NOW - timedelta(days=1.5), NOW), id="days"),
        pytest.param({"since": "2026-12-01"}, (MIDNIGHT_DEC_1, NOW), id="since-a-date-utc"),
        pytest.param({"since": "2026-12-01", "until": "2026-12-03"},
                     (MIDNIGHT_DEC_1, MIDNIGHT_DEC_1 + timedelta(days=3)),
                     id="until-a-date-is-the-end-of-that-day"),
        pytest.param({"since": "2026-12-01T10:00:00+01:00", "until": "2026-12-01T12:00:00Z"},
                     (MIDNIGHT_DEC_1 + timedelta(hours=9), MIDNIGHT_DEC_1 + timedelta(hours=12)),
                     id="times-with-zones"),
        pytest.param({"days": 2, "until": "2026-12-02"},
                     (MIDNIGHT_DEC_1, MIDNIGHT_DEC_1 + timedelta(days=2)),
                     id="days-back-from-the-end-of-until"),
    ],
)  # fmt: skip
def test_the_window_a_request_names(
    asked: dict[str, Any], expected: tuple[datetime, datetime]
) -> None:
    asked = {"since": None, "until": None, "days": None, **asked}
    window = parse_window(**asked, now=NOW, default_days=7)
    assert (window.since, window.until) == expected


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        pytest.param({"since": "2026-12-01", "days": 3}, "give since or days, not both", id="both"),
        pytest.param({"days": 0}, "days must be more than 0", id="zero-days"),
        pytest.param({"days": 400}, "at most 366", id="too-many-days"),
        pytest.param({"since": "yesterday"}, "since: not an ISO 8601 date or time: 'yesterday'",
                     id="unreadable"),
        pytest.param({"since": "2026-12-08"}, "since must be before until", id="empty"),
        pytest.param({"since": "2020-01-01"}, "longer than 366 days", id="too-long"),
        pytest.param({"until": "9999-12-31"}, "past the dates a calendar holds", id="after-9999"),
        pytest.param({"until": "0001-01-02"}, "past the dates a calendar holds", id="before-1"),
    ],
)  # fmt: skip
def test_a_bad_window_is_refused_with_the_reason(asked: dict[str, Any], message: str) -> None:
    asked = {"since": None, "until": None, "days": None, **asked}
    with pytest.raises(ValueError, match=message):
        parse_window(**asked, now=NOW, default_days=7)
