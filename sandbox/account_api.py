"""Account endpoints ``deskroute doctor`` reads: Zendesk's webhook list, Freshdesk's roles.

- Zendesk ``GET /api/v2/webhooks`` (developer.zendesk.com/api-reference/webhooks/
  webhooks-api/webhooks/): the webhooks API has no ``.json`` suffix and lists with cursor
  pagination (``meta``, ``links``, as recorded in facetoe/zenpy's webhook cassettes). The
  sandbox's one webhook is the one ``configure_webhook`` set, an event subscription to
  ticket events, ``active``. Listing webhooks is for admins: an agent's credentials get 403
  with Zendesk's generic ``Forbidden`` body (the exact body for this endpoint is not
  documented; the generic one is assumed).
- Freshdesk ``GET /api/v2/roles`` (developer.freshdesk.com/api/#roles, "only users with admin
  privileges"): the four default roles, ids 1–4 as in the documentation's example; the
  sandbox's API key belongs to the account administrator, so it may list them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import freshdesk_api, zendesk_api
from sandbox.webhooks import WEBHOOK_ID
from sandbox.wire import actor_of, desk_of, json_response, z

zendesk = APIRouter(prefix=zendesk_api.PREFIX + "/api/v2")
freshdesk = APIRouter(prefix=freshdesk_api.PREFIX + "/api/v2")
WEBHOOK_EVENTS = (
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.agent_assignment_changed",
    "zen:event-type:ticket.group_assignment_changed",
)
FORBIDDEN = {
    "error": "Forbidden",
    "description": "You do not have access to this page. Please contact the account "
    "owner of this help desk for further help.",
}
ROLES = (
    (1, "Account Administrator", "Everything, billing and account settings included."),
    (2, "Administrator", "Every setting in the Admin tab, but not billing."),
    (3, "Supervisor", "Agent work and reports, but no configuration."),
    (4, "Agent", "Works tickets and contacts."),
)


@zendesk.get("/webhooks")
def webhooks(request: Request) -> JSONResponse:
    """The account's webhooks (admins only)."""
    desk = desk_of(request)
    _, _, email = actor_of(request).partition(":")
    with desk.lock:
        is_agent = any(agent.email == email for agent in desk.agents.values())
        created = z(desk.directory.api_user.stamps.created_at)
    if is_agent:
        return json_response(FORBIDDEN, status=403)
    url = request.app.state.sandbox.webhooks.url
    hooks = [_webhook(url, created)] if url else []
    return json_response(
        {
            "webhooks": hooks,
            "meta": {"has_more": False, "after_cursor": None, "before_cursor": None},
            "links": {"next": None, "prev": None},
        }
    )


def _webhook(url: str, created: str | None) -> dict[str, Any]:
    return {
        "id": WEBHOOK_ID,
        "name": "sandbox ticket events",
        "status": "active",
        "subscriptions": list(WEBHOOK_EVENTS),
        "endpoint": url,
        "http_method": "POST",
        "request_format": "json",
        "created_at": created,
        "created_by": "-1",
        "updated_at": created,
        "updated_by": "-1",
    }


@freshdesk.get("/roles")
def roles(request: Request) -> JSONResponse:
    """The account's roles (the API key's owner is an administrator)."""
    desk = desk_of(request)
    with desk.lock:
        created = z(desk.directory.api_user.stamps.created_at)
    return json_response(
        [
            {
                "id": role_id,
                "name": name,
                "description": text,
                "default": True,
                "created_at": created,
                "updated_at": created,
            }
            for role_id, name, text in ROLES
        ]
    )
