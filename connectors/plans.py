"""Published API limits per plan (requests per minute), used by the connectors and the sandbox.

Zendesk: account-wide limits by Suite/Support plan, plus endpoint limits (incremental
export 10/min, ticket update 100/min). Freshdesk: account-wide limits by plan (trial 50).
Source: the vendors' rate-limit documentation, summarised in docs/connectors.md.
"""

from __future__ import annotations

ZENDESK_PLANS = {
    "essential": 10,
    "team": 200,
    "growth": 400,
    "professional": 400,
    "enterprise": 700,
    "enterprise_plus": 2500,
    "high_volume": 2500,
}
ZENDESK_ENDPOINTS = {"export": 10, "update": 100}
FRESHDESK_PLANS = {
    "trial": 50,
    "growth": 200,
    "pro": 400,
    "professional": 400,
    "enterprise": 700,
    "addon_1000": 1000,
    "addon_2000": 2000,
}


def plan_limit(vendor: str, plan: str) -> int:
    """Requests per minute for ``plan`` of ``vendor``; an unknown plan raises ValueError."""
    table = ZENDESK_PLANS if vendor == "zendesk" else FRESHDESK_PLANS
    key = plan.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in table:
        raise ValueError(f"unknown {vendor} plan {plan!r} (known: {', '.join(sorted(table))})")
    return table[key]
