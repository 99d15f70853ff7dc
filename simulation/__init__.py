"""The SimPy simulator: the real router on a simulated clock, metrics, compare, tune, staff,
and the what-if from history to a verdict."""

from simulation.compare import Comparison, Run, RunResult, compare, execute, runs
from simulation.erlang import ErlangA, ErlangC, erlang_b
from simulation.fit import FittedHistory, fit, fit_history
from simulation.fit_quality import FitQuality
from simulation.model import DeskModel
from simulation.records import Columns, TicketRecord, columns, write_csv
from simulation.replicate import Replicated, StopRule, replicate
from simulation.run import PolicyChoice, build_router, parse_choice, simulate
from simulation.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from simulation.stats import Interval, mean_ci, paired_ci
from simulation.traffic import Arrival, generate
from simulation.verdict import Verdict, judge

__all__ = [
    "Arrival",
    "Columns",
    "Comparison",
    "DeskModel",
    "ErlangA",
    "ErlangC",
    "FitQuality",
    "FittedHistory",
    "Interval",
    "PolicyChoice",
    "Replicated",
    "Run",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "StopRule",
    "TicketRecord",
    "Verdict",
    "build_router",
    "columns",
    "compare",
    "erlang_b",
    "execute",
    "fit",
    "fit_history",
    "generate",
    "judge",
    "load_scenario",
    "mean_ci",
    "paired_ci",
    "parse_choice",
    "parse_scenario",
    "replicate",
    "runs",
    "simulate",
    "write_csv",
]
