"""Routing policies behind one interface (``router.policies.protocol``), and a registry to
build them by name."""

from router.decision import Choice
from router.policies.base import SelectionPolicy, explain_refusal
from router.policies.cmu import fixed_queue_ratio, gcmu
from router.policies.least_loaded import least_loaded, least_loaded_pct
from router.policies.overflow import threshold_overflow
from router.policies.protocol import (
    ArrayScorer,
    ChooseFn,
    DecidingPolicy,
    Policy,
    QueueAware,
    Scorer,
)
from router.policies.queueing import QueueState, rank_classes, revisit_after, serve_order
from router.policies.registry import (
    ELIGIBILITY_PARAMS,
    make_policy,
    policy_names,
    policy_params,
    register,
)
from router.policies.resolution import best_fit
from router.policies.round_robin import round_robin
from router.policies.skills import skills, skills_least_loaded
from router.policies.speed import handle_factor, proficiency, relative_speed
from router.policies.vendors import chatwoot_balanced, freshdesk_round_robin, zendesk_capacity

register("round_robin", round_robin)
register("least_loaded", least_loaded)
register("least_loaded_pct", least_loaded_pct)
register("skills", skills)
register("skills_least_loaded", skills_least_loaded)
register("gcmu", gcmu)
register("fixed_queue_ratio", fixed_queue_ratio)
register("threshold_overflow", threshold_overflow)
register("zendesk_capacity", zendesk_capacity)
register("freshdesk_round_robin", freshdesk_round_robin)
register("chatwoot_balanced", chatwoot_balanced)
register("best_fit", best_fit)

__all__ = [
    "ELIGIBILITY_PARAMS",
    "ArrayScorer",
    "Choice",
    "ChooseFn",
    "DecidingPolicy",
    "Policy",
    "QueueAware",
    "QueueState",
    "Scorer",
    "SelectionPolicy",
    "best_fit",
    "chatwoot_balanced",
    "explain_refusal",
    "fixed_queue_ratio",
    "freshdesk_round_robin",
    "gcmu",
    "handle_factor",
    "least_loaded",
    "least_loaded_pct",
    "make_policy",
    "policy_names",
    "policy_params",
    "proficiency",
    "rank_classes",
    "register",
    "relative_speed",
    "revisit_after",
    "round_robin",
    "serve_order",
    "skills",
    "skills_least_loaded",
    "threshold_overflow",
    "zendesk_capacity",
]
