"""A local help desk that speaks the Zendesk and Freshdesk wire formats.

Start it in-process for tests, the demo and benchmarks::

    from sandbox import start_sandbox

    with start_sandbox(tickets=20, rate_limit=200, rate_window=1.0) as desk:
        desk.zendesk_url     # base URL for the Zendesk connector (.../zendesk)
        desk.freshdesk_url   # base URL for the Freshdesk connector (.../freshdesk)
        desk.email, desk.api_token, desk.api_key   # the sandbox's fixed credentials
        desk.create_tickets(5)
        desk.set_faults(error_rate=0.1, latency_ms=20)
        desk.set_availability(agent_id, False)
        desk.start_traffic(tickets_per_minute=30, reassignments_per_minute=2)
        desk.configure_webhook("http://127.0.0.1:8080/webhooks/zendesk")
        desk.stats(), desk.audit(), desk.ticket(ticket_id)

``deskroute sandbox --port N`` runs the same server in the foreground; its control API
lives under ``/_sandbox`` (see docs/sandbox.md).
"""

from sandbox.core import Sandbox, SandboxOptions
from sandbox.limits import Faults
from sandbox.server import SandboxHandle, start_sandbox
from sandbox.traffic import TrafficRates

__all__ = ["Faults", "Sandbox", "SandboxHandle", "SandboxOptions", "TrafficRates",
           "start_sandbox"]
