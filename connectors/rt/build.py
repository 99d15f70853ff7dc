"""Build the RT connector from ``DESKROUTE_RT__*`` settings: token, transport, options."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from config.settings import ConfigError, RtSettings
from connectors.auth import Credentials
from connectors.base_url import logged, normalised
from connectors.budget import Sleep, TokenBucket
from connectors.rt import mapping
from connectors.rt.account import token_owner
from connectors.rt.client import RtConnector, RtOptions
from connectors.transport import Transport


def rt_token(token: str) -> Credentials:
    """RT 5 auth token: ``Authorization: token <string>``."""
    return Credentials("rt-token", f"token {token}")


def from_settings(
    settings: RtSettings,
    session: requests.Session | None = None,
    *,
    sleep: Sleep = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> RtConnector:
    """The RT connector for ``DESKROUTE_RT__*``; raises ``ConfigError`` naming what is missing."""
    missing = [
        (f"DESKROUTE_RT__{name.upper()}", "required when DESKROUTE_HELPDESK=rt")
        for name in ("base_url", "token", "queues")
        if not getattr(settings, name)
    ]
    if missing:
        raise ConfigError(missing)
    assert settings.base_url is not None and settings.token is not None
    # Half the budget refills steadily and half may burst: any minute stays within it.
    bucket = TokenBucket(
        limit=settings.requests_per_minute, window=60.0, share=0.5, clock=clock, sleep=sleep
    )
    base = logged(normalised(settings.base_url, "rt", "DESKROUTE_RT__BASE_URL"))
    transport = Transport(
        base_url=base.url + "/REST/2.0",
        credentials=rt_token(settings.token.get_secret_value()),
        session=session or requests.Session(),
        budgets={"account": bucket},
        timeout=settings.timeout_seconds,
        sleep=sleep,
        vendor="rt",
    )
    try:
        groups = mapping.owner_groups(settings.owner_groups, settings.queues)
    except ValueError as error:
        raise ConfigError([("DESKROUTE_RT__OWNER_GROUPS", str(error))]) from None
    options = RtOptions(
        queues=settings.queues,
        statuses=settings.statuses,
        owner_groups=groups,
        comment=settings.comment,
        move_queue=settings.move_queue,
        read_body=settings.read_body,
        page_size=settings.page_size,
        max_load=settings.max_load,
        token_user=token_owner(settings.token.get_secret_value()),
    )
    return RtConnector(transport, options)
