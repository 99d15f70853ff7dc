"""Who the Freshdesk API key belongs to and what the account offers: ``deskroute doctor``.

One round of reads: ``agents/me`` (the key's agent, and the rate limit its headers
announce), ``roles`` (admins only: a 403 there means the key is not an admin's, and every
other agent API — the roster — needs admin privileges [Freshdesk API v2, Agents: "All Agent
APIs other than the Currently Authenticated Agent API require admin privileges"; Roles:
"Only users with admin privileges can access"]) and the connector's own ``discover``
(availability toggles, skills where the plan has them). Freshdesk webhooks are an action of
automation rules with no API to list them, so they cannot be checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.account import AccountReport, Feature, Fix
from connectors.classify import request_label
from connectors.errors import FatalError
from connectors.probing import Answer, read_json, read_optional

if TYPE_CHECKING:
    from connectors.freshdesk.client import FreshdeskConnector

ME = "/api/v2/agents/me"
ROLES = "/api/v2/roles"
ADMIN_ROLES = frozenset({"account administrator", "administrator"})
SCOPES = {1: "global access", 2: "group access", 3: "restricted access"}
"""``ticket_scope`` values [Agents API]."""
WEBHOOKS = Feature(
    name="webhooks",
    present=None,
    detail="set up in an automation rule, not checkable through the API; "
    "deskroute polls either way",
)
BULK = Feature(
    name="bulk update",
    present=True,
    detail="tickets/bulk_update, one set of properties per job, on every plan "
    "(not probed: a probe would write)",
)
ADMIN_KEY = (
    "DESKROUTE_FRESHDESK__API_KEY=<an administrator's API key> (Profile settings › View API key)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Identity:
    """The agent the API key belongs to, with its role names when they could be read."""

    name: str
    email: str
    kind: str
    scope: int | None
    roles: tuple[str, ...] = ()
    admin: bool | None = None
    """True for an (account) administrator; None when it could not be told."""

    def __str__(self) -> str:
        if self.roles:
            roles = ", ".join(self.roles)
        else:
            roles = "not an admin" if self.admin is False else "role unknown"
        return f"{self.name} <{self.email}> ({roles})"


def account_report(connector: FreshdeskConnector) -> AccountReport:
    """Ask the account who the key is and what it offers; see the module docstring."""
    me = read_json(connector.transport, ME)
    agent = _object(me.data)
    if agent.get("id") is None:
        where = request_label("GET", connector.transport.url(ME))
        raise FatalError(
            f"{where}: answered no agent: the API key did not authenticate", status=401
        )
    identity = identity_of(agent, read_optional(connector.transport, ROLES))
    discovery = connector.discover()
    return AccountReport(
        desk="freshdesk",
        base_url=connector.transport.base_url,
        identity=str(identity),
        features=(*discovery.features, WEBHOOKS, BULK),
        sources=discovery.sources,
        rate_limit=me.rate_limit,
        fixes=(*role_fixes(identity), *discovery.fixes),
        notes={"role": ", ".join(identity.roles) or "unknown"},
    )


def identity_of(agent: Mapping[str, Any], roles: Answer) -> Identity:
    """The key's agent, with its role names from ``roles`` (a 403 there: not an admin)."""
    contact = _object(agent.get("contact"))
    names: tuple[str, ...] = ()
    admin: bool | None = False if roles.status == 403 else None
    if not roles.refused and isinstance(roles.data, list):
        by_id = {
            row.get("id"): str(row.get("name")) for row in roles.data if isinstance(row, Mapping)
        }
        names = tuple(by_id.get(rid, f"role {rid}") for rid in agent.get("role_ids") or [])
        admin = any(name.lower() in ADMIN_ROLES for name in names)
    scope = agent.get("ticket_scope")
    return Identity(
        name=str(contact.get("name") or ""),
        email=str(contact.get("email") or ""),
        kind=str(agent.get("type") or "support_agent"),
        scope=scope if isinstance(scope, int) else None,
        roles=names,
        admin=admin,
    )


def role_fixes(identity: Identity) -> tuple[Fix, ...]:
    """What the key's agent may do, as far as routing is concerned."""
    who = identity.email or identity.name
    if identity.kind == "collaborator":
        return (
            Fix(
                problem=f"{who} is a collaborator, who cannot be assigned or assign tickets",
                setting=ADMIN_KEY,
                blocking=True,
            ),
        )
    if identity.admin is False:
        return (
            Fix(
                problem=f"{who} is not an administrator: Freshdesk lets only admins "
                "list agents and groups, so deskroute cannot read the roster",
                setting=ADMIN_KEY,
                blocking=True,
            ),
        )
    if identity.scope in (2, 3):
        return (
            Fix(
                problem=f"{who} has {SCOPES[identity.scope]}: tickets outside its groups "
                "stay invisible to deskroute",
                setting=ADMIN_KEY,
            ),
        )
    return ()


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
