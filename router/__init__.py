"""The pure routing core: model values, queue ordering, rules and policies.

Nothing in this package reads a clock, the environment or the network: time and
randomness are passed in, which is what lets the sidecar and the simulator share it.
"""

from router.backlog import Backlog
from router.decision import Assignment, CandidateTrace, Decision, DecisionTrace, NoAssignment
from router.eligibility import FILTERS, Eligibility
from router.engine import Router
from router.model import Agent, AgentStatus, Capacity, Prediction, Priority, Ticket
from router.policies import Policy, make_policy, policy_names
from router.queue import DEFAULT_ORDER, order_queue, queue_key
from router.roster import Roster
from router.rules import RuleSet
from router.schedule import Schedule, Window

__all__ = [
    "DEFAULT_ORDER",
    "FILTERS",
    "Agent",
    "AgentStatus",
    "Assignment",
    "Backlog",
    "CandidateTrace",
    "Capacity",
    "Decision",
    "DecisionTrace",
    "Eligibility",
    "NoAssignment",
    "Policy",
    "Prediction",
    "Priority",
    "Roster",
    "Router",
    "RuleSet",
    "Schedule",
    "Ticket",
    "Window",
    "make_policy",
    "order_queue",
    "policy_names",
    "queue_key",
]
