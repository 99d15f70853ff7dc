"""The sandbox's ASGI application: both API faces and the control API behind the gate."""

from __future__ import annotations

import random

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sandbox import control_api, freshdesk_api, zendesk_api, zendesk_people
from sandbox.core import Sandbox
from sandbox.gate import Gate


def create_app(sandbox: Sandbox) -> Gate:
    """An ASGI app serving ``/zendesk/api/v2/...``, ``/freshdesk/api/v2/...``, ``/_sandbox``."""
    api = FastAPI(title="deskroute sandbox help desk",
                  description="Zendesk and Freshdesk wire formats, rate limits and faults.")
    api.state.sandbox, api.state.desk, api.state.options = sandbox, sandbox.desk, sandbox.options
    for router in (zendesk_api.router, zendesk_people.router, freshdesk_api.router,
                   control_api.router):
        api.include_router(router)
    api.add_exception_handler(ValueError, _bad_value)
    return Gate(api, config=sandbox.gate, limiter=lambda: sandbox.limiter, stats=sandbox.stats,
                rng=random.Random(sandbox.options.seed + 3))



async def _bad_value(request: Request, error: Exception) -> JSONResponse:
    """A malformed parameter (``per_page=abc``, a foreign cursor) is a 400, never a 500."""
    if request.url.path.startswith(freshdesk_api.PREFIX):
        return JSONResponse({"description": "Validation failed", "errors": [
            {"field": "query", "message": str(error), "code": "invalid_value"}]}, 400)
    return JSONResponse({"error": "InvalidValue", "description": str(error)}, 400)
