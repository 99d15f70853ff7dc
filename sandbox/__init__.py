"""A local help desk that speaks the Zendesk and Freshdesk wire formats.

Start it in-process for tests, the demo and benchmarks::

    from sandbox import start_sandbox

    with start_sandbox(tickets=20, zendesk_profile="zendesk-enterprise",
                       search_lag=0, export_lag=0) as desk:
        desk.zendesk_profile.skills_api   # the account variant it imitates
        desk.zendesk_url     # base URL for the Zendesk connector (.../zendesk)
        desk.freshdesk_url   # base URL for the Freshdesk connector (.../freshdesk)
        desk.email, desk.api_token, desk.api_key   # the sandbox's fixed credentials
        desk.create_tickets(5)
        desk.set_faults(error_rate=0.1, latency_ms=20)
        desk.set_availability(agent_id, False)
        desk.start_traffic(tickets_per_minute=30, reassignments_per_minute=2)
        desk.configure_webhook("http://127.0.0.1:8080/webhooks/zendesk")
        desk.stats(), desk.audit(), desk.ticket(ticket_id)

Realism is on by default: the Zendesk-Professional and Freshdesk-Pro profiles, search
that trails the desk by two minutes, an export that holds back the last minute, Freshdesk
credits per ``include``, people spending the shared update limit. Tests that are not about
lag pass ``search_lag=0, export_lag=0``.

``deskroute sandbox --port N`` runs the same server in the foreground; its control API
lives under ``/_sandbox`` (see docs/sandbox.md).
"""

from sandbox.core import Sandbox, SandboxOptions
from sandbox.limits import Faults
from sandbox.profiles import (
    DEFAULT_FRESHDESK,
    DEFAULT_ZENDESK,
    PROFILES,
    FreshdeskProfile,
    ZendeskProfile,
    profile,
)
from sandbox.server import SandboxHandle, start_sandbox
from sandbox.traffic import TrafficRates

__all__ = [
    "DEFAULT_FRESHDESK",
    "DEFAULT_ZENDESK",
    "PROFILES",
    "Faults",
    "FreshdeskProfile",
    "Sandbox",
    "SandboxHandle",
    "SandboxOptions",
    "TrafficRates",
    "ZendeskProfile",
    "profile",
    "start_sandbox",
]
