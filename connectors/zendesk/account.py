"""Who the Zendesk credentials are and what the account offers: ``deskroute doctor``'s report.

One round of reads: ``users/me.json`` (who, which role, and the rate limit the headers
announce), the connector's own ``discover`` (omnichannel status, schedules, skills, user
fields: connectors/zendesk/features.py) and ``webhooks`` (admins only). ``users/me`` is
allowed for anonymous callers and then answers an anonymous end user (``id`` null) rather
than 401, so that answer counts as "the credentials did not authenticate" [Zendesk Support
API reference, Users › Show Self, "Allowed for: Anonymous users"].
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
    from connectors.zendesk.client import ZendeskConnector

ME = "/api/v2/users/me.json"
WEBHOOKS = "/api/v2/webhooks"
ROLE_TYPES = {
    0: "custom agent role",
    1: "light agent",
    2: "chat agent",
    3: "contributor",
    4: "admin",
    5: "billing admin",
}
"""``role_type`` values [Users API, role_type]."""
CANNOT_ASSIGN = frozenset({1, 2, 3})
"""Light agents, chat-only agents and contributors cannot take or assign Support tickets."""
BULK = Feature(
    name="bulk update",
    present=True,
    detail="tickets/update_many, up to 100 tickets per job, on every plan "
    "(not probed: a probe would write)",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Identity:
    """The user the credentials act as."""

    name: str
    email: str
    role: str
    role_type: int | None = None
    suspended: bool = False
    restricted: bool = False

    def __str__(self) -> str:
        kind = (
            ROLE_TYPES.get(self.role_type, self.role) if self.role_type is not None else self.role
        )
        return f"{self.name} <{self.email}> ({kind})"


def account_report(connector: ZendeskConnector) -> AccountReport:
    """Ask the account who we are and what it offers; see the module docstring."""
    me = read_json(connector.transport, ME)
    identity = identity_from_me(me.data, request_label("GET", connector.transport.url(ME)))
    discovery = connector.discover()
    webhooks = webhooks_feature(read_optional(connector.transport, WEBHOOKS))
    return AccountReport(
        desk="zendesk",
        base_url=connector.transport.base_url,
        identity=str(identity),
        features=(*discovery.features, webhooks, BULK),
        sources=discovery.sources,
        rate_limit=me.rate_limit,
        fixes=(*role_fixes(identity), *discovery.fixes),
        notes={"role": identity.role},
    )


def identity_from_me(data: Any, where: str) -> Identity:
    """The user in a ``users/me`` answer; an anonymous one raises ``FatalError`` (401)."""
    user = _member(data, "user")
    role = str(user.get("role") or "")
    if user.get("id") is None or role not in ("agent", "admin"):
        shown = "an anonymous user" if user.get("id") is None else f"a user with role {role!r}"
        raise FatalError(
            f"{where}: answered as {shown}: the credentials did not authenticate an agent",
            status=401,
        )
    role_type = user.get("role_type")
    return Identity(
        name=str(user.get("name") or ""),
        email=str(user.get("email") or ""),
        role=role,
        role_type=role_type if isinstance(role_type, int) else None,
        suspended=bool(user.get("suspended")),
        restricted=bool(user.get("restricted_agent")),
    )


def role_fixes(identity: Identity) -> tuple[Fix, ...]:
    """What the role of the authenticated user means for routing."""
    who = identity.email or identity.name
    admin = (
        "set DESKROUTE_ZENDESK__EMAIL to an admin's address (an API token works with "
        "any agent's or admin's e-mail), or use an admin's DESKROUTE_ZENDESK__OAUTH_TOKEN"
    )
    if identity.suspended:
        return (
            Fix(
                problem=f"{who} is suspended and cannot update tickets",
                setting=admin,
                blocking=True,
            ),
        )
    if identity.role_type in CANNOT_ASSIGN:
        kind = ROLE_TYPES[identity.role_type]
        return (
            Fix(
                problem=f"{who} is a {kind}, who cannot assign Support tickets",
                setting=admin,
                blocking=True,
            ),
        )
    if identity.role == "admin":
        return ()
    problem = (
        f"{who} is an agent, not an admin: routing works, but webhooks and "
        "account settings cannot be checked"
    )
    if identity.restricted:
        problem += ", and a restricted agent may not see every group's tickets"
    return (Fix(problem=problem, setting=admin),)


def webhooks_feature(answer: Answer) -> Feature:
    """The webhooks the account has (listing them needs an admin: 403 means cannot tell)."""
    if answer.status == 403:
        return Feature(
            name="webhooks",
            present=None,
            detail="cannot tell: listing webhooks needs an admin (403)",
        )
    if answer.refused:
        return Feature(name="webhooks", present=False, detail=f"HTTP {answer.status}")
    listed = answer.data.get("webhooks") if isinstance(answer.data, Mapping) else None
    hooks = listed if isinstance(listed, list) else []
    active = sum(
        1 for hook in hooks if isinstance(hook, Mapping) and hook.get("status") == "active"
    )
    detail = (
        f"{len(hooks)} set up, {active} active; deskroute polls either way, a webhook "
        "to /webhooks/zendesk only makes it react sooner"
    )
    return Feature(name="webhooks", present=True, detail=detail)


def _member(data: Any, key: str) -> Mapping[str, Any]:
    """``data[key]`` when both are JSON objects, else an empty one."""
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, Mapping) else {}
