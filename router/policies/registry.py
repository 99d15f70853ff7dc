"""Policies by name: ``make_policy("skills", optional_skills_timeout_s=300)``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from router.eligibility import Eligibility
from router.names import unknown_name
from router.policies.base import Policy

PolicyFactory = Callable[..., Policy]
"""Builds a policy from an ``eligibility=`` keyword plus the policy's own keywords."""

_REGISTRY: dict[str, PolicyFactory] = {}

ELIGIBILITY_PARAMS = tuple(f.name for f in fields(Eligibility))
"""Parameters every policy accepts: they configure the shared filters."""


def register(name: str, factory: PolicyFactory) -> None:
    """Make ``factory`` available as ``name`` (a name can be registered once)."""
    if name in _REGISTRY and _REGISTRY[name] is not factory:
        raise ValueError(f"policy {name!r} is already registered")
    _REGISTRY[name] = factory


def policy_names() -> tuple[str, ...]:
    """Registered policy names, sorted."""
    return tuple(sorted(_REGISTRY))


def policy_params(name: str) -> tuple[str, ...]:
    """Keywords the named policy accepts, shared eligibility ones included."""
    own = [p for p in inspect.signature(_factory(name)).parameters if p != "eligibility"]
    return (*ELIGIBILITY_PARAMS, *own)


def make_policy(name: str, **params: Any) -> Policy:
    """Build the policy registered as ``name``; unknown names or parameters raise ValueError."""
    factory = _factory(name)
    unknown = sorted(set(params) - set(policy_params(name)))
    if unknown:
        raise ValueError(
            f"policy {name!r} has no parameter {', '.join(map(repr, unknown))} "
            f"(it accepts: {', '.join(policy_params(name))})"
        )
    shared = {key: params.pop(key) for key in ELIGIBILITY_PARAMS if key in params}
    try:
        return factory(eligibility=Eligibility(**shared), **params)
    except TypeError as error:
        raise ValueError(f"policy {name!r}: {error}") from None


def _factory(name: str) -> PolicyFactory:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(unknown_name("policy", name, policy_names())) from None
