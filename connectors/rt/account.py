"""Who the RT token acts as and whether it can route the configured queues: ``deskroute doctor``.

RT 5's REST 2 has no "current user" endpoint. ``GET /rt`` answers every authenticated
caller with the version, and adds ``Plugins`` only for a SuperUser (RT::REST2::Resource::RT).
An RT 5 auth token reads ``1-<user id>-<32 hex>`` (RT::AuthToken::ParseAuthString): the user
id is its public part, and a user may read its own record in full (RT::REST2::Resource::User),
so the token's owner comes from ``GET /user/<id>``. Each routed queue is read as the
connector reads it; a queue the user cannot see stops routing there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connectors.account import AccountReport, Feature, Fix, Sources
from connectors.probing import Answer, read_json, read_optional

if TYPE_CHECKING:
    from connectors.rt.client import RtConnector

TOKEN = re.compile(r"^1-(?P<user>\d+)-[0-9a-f]{32}$", re.IGNORECASE)
RIGHTS = (
    "SeeQueue, ShowTicket, ShowTicketComments, ModifyTicket, CommentOnTicket and "
    "SeeCustomField (see docs/request-tracker.md)"
)
SOURCES = Sources(
    availability="every member of the queue's owner group (DESKROUTE_RT__OWNER_GROUPS) or "
    "its AdminCc watchers: RT keeps no presence",
    skills="the user custom field 'deskroute_skills' (\"billing:7 refunds\")",
    loads="active tickets each owner holds in the routed queues (one search, always current)",
)
FIXED_FEATURES = (
    Feature(name="webhooks", present=False, detail="RT has none; deskroute polls"),
    Feature(
        name="bulk update",
        present=False,
        detail="not used: each owner change is one write, read back to confirm",
    ),
)


def token_owner(token: str) -> str | None:
    """The RT user id in an RT 5 auth token (its public part); None for another form."""
    match = TOKEN.match(token.strip())
    return match.group("user") if match else None


def account_report(connector: RtConnector) -> AccountReport:
    """Ask RT who the token is, whether it is a SuperUser and which queues it can see."""
    transport = connector.transport
    info = read_json(transport, "/rt")
    data = info.data if isinstance(info.data, Mapping) else {}
    superuser = "Plugins" in data
    owner = connector.options.token_user
    user = read_optional(transport, f"/user/{owner}") if owner else Answer(status=404)
    queues = {
        name: read_optional(transport, f"/queue/{quote(name, safe='')}")
        for name in connector.options.queues
    }
    features = (
        Feature(name="REST 2", present=True, detail=f"RT {data.get('Version', '?')}"),
        *queue_features(queues),
        *FIXED_FEATURES,
    )
    return AccountReport(
        desk="rt",
        base_url=transport.base_url,
        identity=describe_user(user, superuser),
        features=features,
        sources=SOURCES,
        rate_limit=None,
        fixes=(*user_fixes(user, superuser), *queue_fixes(queues)),
        notes={
            "role": "superuser" if superuser else "privileged" if _privileged(user) else "unknown"
        },
    )


def describe_user(user: Answer, superuser: bool) -> str:
    """``RealName <email> (rights)`` of the token's user, or why it cannot be told."""
    rights = "SuperUser" if superuser else "privileged" if _privileged(user) else "rights unknown"
    if user.refused or not isinstance(user.data, Mapping):
        return f"the token's user, whom RT does not name ({rights})"
    name = user.data.get("RealName") or user.data.get("Name") or "?"
    return f"{name} <{user.data.get('EmailAddress') or user.data.get('Name')}> ({rights})"


def user_fixes(user: Answer, superuser: bool) -> tuple[Fix, ...]:
    """Advice about the token's user: unprivileged users cannot work tickets; a SuperUser
    may take a ticket away from a person."""
    fixes = []
    if isinstance(user.data, Mapping) and not _privileged(user):
        fixes.append(
            Fix(
                problem=f"{user.data.get('Name')} is not privileged and cannot work tickets",
                setting="in RT: Admin › Users › the user › 'Let this user "
                "be granted rights', then grant " + RIGHTS,
                blocking=True,
            )
        )
    if superuser:
        fixes.append(
            Fix(
                problem="the token's user is a SuperUser: RT will let deskroute take "
                "a ticket from a person who assigned it between read and write",
                setting="give deskroute a user with only " + RIGHTS,
            )
        )
    return tuple(fixes)


def queue_features(queues: Mapping[str, Answer]) -> tuple[Feature, ...]:
    """One feature per routed queue: visible to the token's user or not."""
    return tuple(
        Feature(
            name=f"queue {name}",
            present=not answer.refused,
            detail=f"HTTP {answer.status}" if answer.refused else "visible",
        )
        for name, answer in queues.items()
    )


def queue_fixes(queues: Mapping[str, Answer]) -> tuple[Fix, ...]:
    """A blocking fix per routed queue the user cannot see (or that does not exist)."""
    return tuple(
        Fix(
            problem=f"queue {name!r} is not visible to the token's user (HTTP {answer.status})",
            setting=f"grant {RIGHTS} on {name}, or correct DESKROUTE_RT__QUEUES",
            blocking=True,
        )
        for name, answer in queues.items()
        if answer.refused
    )


def _privileged(user: Answer) -> bool:
    data: Any = user.data
    return isinstance(data, Mapping) and str(data.get("Privileged")) == "1"
