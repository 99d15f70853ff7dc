"""Routing policies behind one interface, and a registry to build them by name."""

from router.policies.base import Chooser, Policy, SelectionPolicy, explain_refusal
from router.policies.least_loaded import least_loaded, least_loaded_pct
from router.policies.registry import (
    ELIGIBILITY_PARAMS,
    make_policy,
    policy_names,
    policy_params,
    register,
)
from router.policies.round_robin import round_robin
from router.policies.skills import skills, skills_least_loaded

register("round_robin", round_robin)
register("least_loaded", least_loaded)
register("least_loaded_pct", least_loaded_pct)
register("skills", skills)
register("skills_least_loaded", skills_least_loaded)

__all__ = [
    "ELIGIBILITY_PARAMS",
    "Chooser",
    "Policy",
    "SelectionPolicy",
    "explain_refusal",
    "least_loaded",
    "least_loaded_pct",
    "make_policy",
    "policy_names",
    "policy_params",
    "register",
    "round_robin",
    "skills",
    "skills_least_loaded",
]
