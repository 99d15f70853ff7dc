"""What a help-desk account offers and what deskroute makes of it: the connection report.

Real accounts differ from plan to plan and from one admin's set-up to the next: Zendesk
without omnichannel routing returns no agent status, skills may live in routing attributes
or nowhere, Freshdesk plans without skills refuse ``admin/skills``. A connector finds out
once, by asking (``discover``), picks a source for availability, skills and loads, logs its
choice once, and describes it all in an ``AccountReport`` that ``deskroute doctor`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, kw_only=True, slots=True)
class Feature:
    """One optional capability of the account, as the help desk answered when asked."""

    name: str
    """Plain words: ``omnichannel agent status``, ``skills API``, ``webhooks``..."""
    present: bool | None
    """True or False when the account answered; None when it could not be told."""
    detail: str = ""
    """What the account said, e.g. ``403 require_feature`` or ``12 attributes``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Fix:
    """A problem found and the exact setting (or desk configuration) that fixes it."""

    problem: str
    setting: str
    blocking: bool = False
    """True when routing cannot work until it is fixed (``doctor`` then exits 2)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Sources:
    """Where the connector reads availability, skills and loads from on this account."""

    availability: str
    skills: str
    loads: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AccountReport:
    """Everything ``deskroute doctor`` tells about one configured help desk."""

    desk: str
    base_url: str
    """The API base actually used, after normalisation (``.../api/v2`` stripped)."""
    identity: str
    """Who the credentials authenticate as, with the role, e.g. ``Ada <ada@acme.test> (admin)``."""
    features: tuple[Feature, ...] = ()
    sources: Sources | None = None
    rate_limit: int | None = None
    """Requests per minute the account's rate-limit headers announced (None: not sent)."""
    fixes: tuple[Fix, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def routable(self) -> bool:
        """True when nothing blocking was found: deskroute can route on this account."""
        return not any(fix.blocking for fix in self.fixes)


@runtime_checkable
class Discoverable(Protocol):
    """A connector that can describe the account it talks to (one round of requests)."""

    def account_report(self) -> AccountReport:
        """Probe the account; raises ``FatalError`` for bad credentials and
        ``RetriableError`` when the help desk cannot be reached."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Discovery:
    """What one round of probing found, and what the connector decided to use."""

    features: tuple[Feature, ...]
    sources: Sources
    fixes: tuple[Fix, ...] = ()
