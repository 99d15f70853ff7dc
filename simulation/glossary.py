"""What every simulation metric means: one dictionary of definitions, read by the terminal
table's footer, the HTML report and docs/simulation.md's list.

"Window" is the measured window: tickets arriving from the end of the warm-up to the
horizon. Every share's denominator is named in its definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from router.customer import VALUE_TIERS
from router.model import Priority
from router.names import unknown_name

DEFINITIONS: dict[str, str] = {
    "tickets": "tickets arriving in the window (reopened tickets included, as new arrivals)",
    "sla": "share of all arrivals assigned within their priority's SLA target "
    "(abandoned or never-served tickets miss it)",
    "p_wait": "share of all arrivals that waited at all (not assigned on arrival)",
    "mean_wait": "mean minutes from arrival to assignment or abandonment, over arrivals whose "
    "wait ended (abandoners' time included; tickets still waiting at the end left out)",
    "assign_mean": "mean minutes from arrival to first assignment, over served tickets",
    "wait_p50": "median minutes from arrival to first assignment, over served tickets",
    "wait_p90": "90th percentile of minutes from arrival to first assignment, over served tickets",
    "wait_p99": "99th percentile of minutes from arrival to first assignment, over served tickets",
    "resolve_mean": "mean minutes from arrival to the end of work, over tickets resolved "
    "before the run ended",
    "resolve_p90": "90th percentile of minutes from arrival to the end of work, over tickets "
    "resolved before the run ended",
    "abandoned": "share of all arrivals whose customer gave up before assignment",
    "reopen_rate": "share of resolved first-contact tickets that came back (a reopening due "
    "after the run ended is not seen)",
    "utilization": "capacity in use on shift / capacity on shift, inside the window: each "
    "ticket's work minutes that fall in its agent's shift, times its capacity weight, over "
    "every agent's on-shift minutes times its capacity (never above 100%; overtime after a "
    "shift's end not counted)",
    "fairness_gini": "Gini coefficient of handle minutes per agent, every agent of the roster "
    "included (idle ones at 0): 0 = even, towards 1 = one agent does everything",
    "fairness_cv": "coefficient of variation (std / mean) of handle minutes per agent, every "
    "agent of the roster included",
    "count_gini": "Gini coefficient of tickets handled per agent (count-based), every agent of "
    "the roster included",
    "skill_match": "mean proficiency of the assigned agent on the ticket's skills "
    "(mean level / 10), over served tickets",
    "before_ship": "share of tickets about an unfulfilled order (shop context) that were "
    "assigned before the order shipped, while an address change or a cancellation was still "
    "possible",
    "misses_unstaffed": "share of SLA misses that met nobody on shift from arrival until "
    "their SLA deadline (no routing can fix these; staffing can)",
    "misses_offhours": "share of SLA misses that arrived while nobody was on shift (the "
    "unstaffed ones, plus those whose deadline came after the next shift started)",
}

PRIORITIES = tuple(member.name.lower() for member in reversed(Priority))
_ONE_OF = "|".join(PRIORITIES)
_PER_PRIORITY_SLA = re.compile(rf"^sla_(?P<priority>{_ONE_OF})$")
_PER_CATEGORY_SLA = re.compile(r"^sla_category:(?P<category>.+)$")
_PER_VALUE = re.compile(r"^(?P<stem>sla|assign)_value:(?P<tier>.+)$")
_SERVICE_LEVEL = re.compile(rf"^sl_(?P<within>\d+[smhd])(?:_(?P<priority>{_ONE_OF}))?$")


def define(metric: str) -> str:
    """The definition of a metric name, including ``sla_<priority>``, ``sl_<t>`` and
    ``sl_<t>_<priority>``; KeyError for a name no metric has."""
    if metric in DEFINITIONS:
        return DEFINITIONS[metric]
    found = _SERVICE_LEVEL.match(metric)
    if found:
        among = f"{found['priority']} arrivals" if found["priority"] else "all arrivals"
        within = found["within"]
        return f"service level SL({within}): share of {among} assigned within {within}"
    found = _PER_VALUE.match(metric)
    if found:
        among = f"tickets of {found['tier']} customers (value tier: router.customer.value_tier)"
        if found["stem"] == "sla":
            return f"share of {among} assigned within their priority's SLA target"
        return f"mean minutes from arrival to first assignment, over served {among}"
    found = _PER_CATEGORY_SLA.match(metric)
    if found:
        return f"share of {found['category']} arrivals assigned within their priority's SLA target"
    found = _PER_PRIORITY_SLA.match(metric)
    if found:
        return (
            f"share of {found['priority']} arrivals assigned within the {found['priority']} "
            "SLA target"
        )
    raise KeyError(metric)


RENAMED = {
    "load_gini": "fairness_gini (handle minutes, idle agents included) or count_gini",
    "load_cv": "fairness_cv (handle minutes, idle agents included)",
    "service_level": "sl_<t> with simulate --sl t",
}
"""Names metrics had before their meaning changed (issue 15), and what replaced them."""


def check_metric(metric: str) -> None:
    """Raise ValueError, naming the replacement or the known names, for an unknown metric."""
    try:
        define(metric)
    except KeyError:
        if metric in RENAMED:
            raise ValueError(f"metric {metric!r} was renamed: use {RENAMED[metric]}") from None
        known = [*DEFINITIONS, *(f"sla_{p}" for p in PRIORITIES), "sla_category:<category>",
                 "sla_value:<tier>", "assign_value:<tier>",
                 "sl_<t>", "sl_<t>_<priority>"]  # fmt: skip
        raise ValueError(unknown_name("metric", metric, known)) from None


@dataclass(frozen=True)
class Column:
    """A metric shown in a table: its name, short label and how to print it."""

    key: str
    label: str
    kind: str = "num"  # pct: a share shown in percent; num: a number (minutes, Gini)

    @property
    def definition(self) -> str:
        """What the column means."""
        return define(self.key)


SERVICE = (
    Column("sla", "SLA", "pct"),
    Column("p_wait", "waited", "pct"),
    Column("abandoned", "abandon", "pct"),
    Column("reopen_rate", "reopen", "pct"),
)
"""Shares of the customer's side (SL(t) columns follow ``sla``)."""

TIMES = (
    Column("mean_wait", "wait, all"),
    Column("assign_mean", "assign, served"),
    Column("wait_p90", "assign p90, served"),
    Column("resolve_mean", "resolve, resolved"),
    Column("resolve_p90", "resolve p90, resolved"),
)
"""Times in minutes, each labelled with the tickets it is taken over."""

TEAM = (
    Column("utilization", "util on shift", "pct"),
    Column("fairness_gini", "Gini minutes", "num"),
    Column("count_gini", "Gini count", "num"),
    Column("skill_match", "skill", "pct"),
    Column("misses_unstaffed", "misses, nobody on", "pct"),
    Column("misses_offhours", "misses, off hours", "pct"),
)
"""The team's side: load, fairness, fit, and the misses no routing can fix."""


def service_columns(metrics: Iterable[str]) -> list[Column]:
    """The service shares, with an SL(t) column after ``sla`` for each threshold measured."""
    levels = [
        Column(name, f"SL {found['within']}", "pct")
        for name in metrics
        if (found := _SERVICE_LEVEL.match(name)) and not found["priority"]
    ]
    return [SERVICE[0], *levels, *SERVICE[1:]]


def priority_columns(stem: str, priorities: Iterable[str]) -> list[Column]:
    """One column per priority of a share measured per priority (``sla`` or ``sl_1h``)."""
    return [Column(f"{stem}_{priority}", priority, "pct") for priority in priorities]


def value_columns(metrics: Iterable[str]) -> list[Column]:
    """The shop's side: changes served before the order shipped, then SLA and minutes to
    assignment per customer value tier measured (most valuable first)."""
    measured = set(metrics)
    tiers = [tier for tier in VALUE_TIERS if f"sla_value:{tier}" in measured]
    return [
        Column("before_ship", "before it ships", "pct"),
        *(Column(f"sla_value:{tier}", f"SLA {tier}", "pct") for tier in tiers),
        *(Column(f"assign_value:{tier}", f"assign {tier}", "num") for tier in tiers),
    ]


def per_priority_stems(metrics: Iterable[str]) -> list[str]:
    """The shares measured per priority: ``sla``, then each ``sl_<t>``."""
    stems = ["sla"]
    for name in metrics:
        found = _SERVICE_LEVEL.match(name)
        if found and not found["priority"]:
            stems.append(name)
    return stems
