"""The sandbox's ASGI application: both API faces and the control API behind the gate."""

from __future__ import annotations

import random

from fastapi import FastAPI

from sandbox import (
    account_api,
    control_api,
    freshdesk_api,
    freshdesk_people,
    shopify_api,
    vendor_errors,
    woocommerce_api,
    zendesk_api,
    zendesk_history,
    zendesk_people,
    zendesk_presence,
    zendesk_routing,
)
from sandbox.core import Sandbox
from sandbox.gate import Gate


def create_app(sandbox: Sandbox) -> Gate:
    """An ASGI app serving ``/zendesk/api/v2/...``, ``/freshdesk/api/v2/...``, the shop faces
    (``/shopify/admin/api/...``, ``/woocommerce/wp-json/wc/v3/...``) and ``/_sandbox``."""
    api = FastAPI(
        title="deskroute sandbox help desk",
        description="Zendesk and Freshdesk wire formats, rate limits and faults.",
    )
    api.state.sandbox, api.state.desk, api.state.options = sandbox, sandbox.desk, sandbox.options
    # the profile-dependent routers come first: nothing else may answer their paths
    for router in (
        zendesk_presence.router,
        zendesk_routing.router,
        zendesk_api.router,
        zendesk_people.router,
        zendesk_history.router,
        freshdesk_api.router,
        freshdesk_people.router,
        account_api.zendesk,
        account_api.freshdesk,
        shopify_api.router,
        woocommerce_api.router,
        control_api.router,
    ):
        api.include_router(router)
    vendor_errors.install(api)  # vendor error shapes, also for ValueError (a bad parameter)
    return Gate(
        api,
        config=sandbox.gate,
        limiter=lambda: sandbox.limiter,
        stats=sandbox.stats,
        rng=random.Random(sandbox.options.seed + 3),
    )
