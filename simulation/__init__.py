"""The SimPy simulator: the real router on a simulated clock, metrics, compare, tune, staff."""

from simulation.compare import Comparison, Run, RunResult, compare, execute, runs
from simulation.erlang import ErlangA, ErlangC, erlang_b
from simulation.model import DeskModel
from simulation.records import Columns, TicketRecord, columns, write_csv
from simulation.run import PolicyChoice, build_router, parse_choice, simulate
from simulation.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from simulation.stats import Interval, mean_ci, paired_ci
from simulation.traffic import Arrival, generate

__all__ = [
    "Arrival",
    "Columns",
    "Comparison",
    "DeskModel",
    "ErlangA",
    "ErlangC",
    "Interval",
    "PolicyChoice",
    "Run",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "TicketRecord",
    "build_router",
    "columns",
    "compare",
    "erlang_b",
    "execute",
    "generate",
    "load_scenario",
    "mean_ci",
    "paired_ci",
    "parse_choice",
    "parse_scenario",
    "runs",
    "simulate",
    "write_csv",
]
