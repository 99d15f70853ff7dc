"""The sandbox's own control API under ``/_sandbox`` (no auth; it binds to loopback)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from sandbox.core import Sandbox
from sandbox.store import DeskError
from sandbox.traffic import TrafficRates

router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])


def sandbox_of(request: Request) -> Sandbox:
    """The sandbox behind this app."""
    found: Sandbox = request.app.state.sandbox
    return found


class FaultChange(BaseModel):
    """Fault knobs to change; omitted ones stay as they are."""

    error_rate: float | None = Field(None, ge=0, le=1)
    timeout_rate: float | None = Field(None, ge=0, le=1)
    reset_rate: float | None = Field(None, ge=0, le=1)
    latency_ms: float | None = Field(None, ge=0)
    timeout_seconds: float | None = Field(None, gt=0)
    slow_rate: float | None = Field(None, ge=0, le=1)
    slow_ms: float | None = Field(None, ge=0)


class StormChange(BaseModel):
    """A 429 storm: every API request refused for ``seconds`` (0 ends it)."""

    seconds: float = Field(..., ge=0, le=3600)
    retry_after: int = Field(1, ge=1, le=3600)


class TrafficChange(BaseModel):
    """Traffic rates per minute (all zero stops the generator)."""

    tickets_per_minute: float = Field(0, ge=0)
    availability_changes_per_minute: float = Field(0, ge=0)
    reassignments_per_minute: float = Field(0, ge=0)
    solves_per_minute: float = Field(0, ge=0)
    replies_per_minute: float = Field(0, ge=0)
    takes_per_minute: float = Field(0, ge=0)
    ui_updates_per_minute: float = Field(0, ge=0)


class WebhookChange(BaseModel):
    """Where to send signed webhooks (null: stop) and with which secret."""

    url: str | None = None
    secret: str | None = None


class RateChange(BaseModel):
    """Account-wide limit per window for both faces (null: the plans' limits)."""

    requests: int | None = Field(None, ge=1)
    window_seconds: float | None = Field(None, gt=0)


@router.get("/status")
def status(request: Request) -> dict[str, Any]:
    """Tickets, agents, limits, faults and traffic."""
    return sandbox_of(request).status()


@router.get("/stats")
def stats(request: Request) -> dict[str, int]:
    """Request counters per vendor, method class, status and route."""
    return sandbox_of(request).stats.snapshot()


@router.delete("/stats")
def reset_stats(request: Request) -> dict[str, int]:
    """Zero the request counters."""
    sandbox_of(request).stats.reset()
    return {}


@router.get("/audit")
def audit(request: Request, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    """Every change with who made it (``after``: skip that many entries)."""
    return sandbox_of(request).desk.audit[after : after + limit]


@router.post("/tickets")
def create_tickets(request: Request, count: int = 1) -> dict[str, list[int]]:
    """Create ``count`` tickets from the traffic generator's texts."""
    if not 1 <= count <= 100_000:
        raise HTTPException(422, "count must be between 1 and 100000")
    return {"ids": sandbox_of(request).create_tickets(count)}


@router.put("/faults")
def set_faults(request: Request, change: FaultChange) -> dict[str, float]:
    """Inject 5xx errors, timeouts, connection resets, latency and slow answers."""
    values = {k: v for k, v in change.model_dump().items() if v is not None}
    return sandbox_of(request).set_faults(**values).as_dict()


@router.put("/storm")
def set_storm(request: Request, change: StormChange) -> dict[str, float]:
    """Refuse every API request with 429 + ``Retry-After`` for a while."""
    left = sandbox_of(request).storm(change.seconds, change.retry_after)
    return {"seconds_left": left, "retry_after": change.retry_after}


@router.put("/rate-limit")
def set_rate_limit(request: Request, change: RateChange) -> dict[str, int]:
    """Change the account limit and the window length."""
    return sandbox_of(request).set_rate_limit(change.requests, change.window_seconds)


@router.put("/traffic")
def set_traffic(request: Request, change: TrafficChange) -> dict[str, Any]:
    """Start, change or stop (all zero) the traffic generator."""
    sandbox = sandbox_of(request)
    sandbox.traffic.start(TrafficRates(**change.model_dump()))
    traffic: dict[str, Any] = sandbox.status()["traffic"]
    return traffic


@router.put("/webhook")
def set_webhook(request: Request, change: WebhookChange) -> dict[str, str | None]:
    """Send signed Zendesk webhooks for every ticket change to ``url``."""
    sandbox_of(request).configure_webhook(change.url, change.secret)
    return {"url": change.url}


@router.put("/agents/{agent_id}/availability")
def set_availability(request: Request, agent_id: int, available: bool) -> dict[str, Any]:
    """Switch an agent on or off line (as the agent would)."""
    try:
        sandbox_of(request).desk.set_availability(agent_id, available, "human:control-api")
    except DeskError as error:
        raise HTTPException(404, str(error)) from None
    return {"agent_id": agent_id, "available": available}


@router.post("/tickets/{ticket_id}/reassign")
def reassign(request: Request, ticket_id: int, agent_id: int | None = None) -> dict[str, Any]:
    """A simulated human moves the ticket to ``agent_id`` (or a colleague in its group);
    like any person's change it spends Zendesk's shared update limit."""
    moved = sandbox_of(request).humans.reassign(ticket_id, agent_id)
    if moved is None:
        raise HTTPException(409, "ticket cannot be reassigned (unassigned, closed or no one)")
    return {"ticket_id": moved}
