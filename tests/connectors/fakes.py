"""Seams for connector tests: a clock that only moves when slept on, and a transport."""

from __future__ import annotations

import requests

from connectors.auth import Credentials, freshdesk_api_key, zendesk_api_token
from connectors.transport import RetryPolicy, Transport, budgets_for
from tests.secret_values import ZENDESK_API_TOKEN

ZENDESK = "https://acme.zendesk.test"
FRESHDESK = "https://acme.freshdesk.test"
SECRET_TOKEN = ZENDESK_API_TOKEN


class FakeTime:
    """``clock()`` and ``sleep()`` over a virtual second counter; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def transport(
    base: str = ZENDESK,
    *,
    time: FakeTime | None = None,
    credentials: Credentials | None = None,
    limits: dict[str, int] | None = None,
    attempts: int = 4,
    share: float = 0.5,
) -> Transport:
    """A transport over a real ``requests.Session`` (``responses`` intercepts it).

    The default share (0.5) allows bursts of half the limit, so tests only wait where a
    test asks for it.
    """
    time = time or FakeTime()
    creds = credentials or (
        zendesk_api_token("bot@acme.test", SECRET_TOKEN)
        if base == ZENDESK
        else freshdesk_api_key(SECRET_TOKEN)
    )
    budgets = budgets_for(
        limits or {"account": 1000, "export": 10, "update": 100},
        window=60.0,
        share=share,
        clock=time.clock,
        sleep=time.sleep,
    )
    return Transport(
        base_url=base,
        credentials=creds,
        session=requests.Session(),
        budgets=budgets,
        retry=RetryPolicy(attempts=attempts),
        timeout=2.0,
        sleep=time.sleep,
        vendor="test",
    )
