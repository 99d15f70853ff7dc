"""Build the configured connector from settings: the composition root for help-desk I/O.

``build_connector(settings, session=None)`` returns a ``Connector`` for
``settings.helpdesk``. Tests and the sandbox demo pass their own ``requests.Session``
(and clock/sleep seams); production gets a fresh session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import requests

from config.settings import ConfigError, FreshdeskSettings, Settings, ZendeskSettings
from connectors.auth import Credentials, freshdesk_api_key, zendesk_api_token, zendesk_oauth
from connectors.base import Connector
from connectors.base_url import BaseUrl, logged, normalised
from connectors.budget import Clock, Sleep
from connectors.freshdesk.client import FreshdeskConnector, FreshdeskOptions
from connectors.plans import ZENDESK_ENDPOINTS, plan_limit
from connectors.rt import from_settings as rt_connector
from connectors.transport import RetryPolicy, Transport, budgets_for
from connectors.zendesk.client import ZendeskConnector, ZendeskOptions

Now = Callable[[], datetime]
SANDBOX_URL = "http://127.0.0.1:8765"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def build_connector(
    settings: Settings,
    session: requests.Session | None = None,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    now: Now = _utcnow,
) -> Connector:
    """The connector for ``settings.helpdesk``; missing credentials raise ``ConfigError``."""
    session = session or requests.Session()
    if settings.helpdesk in ("zendesk", "sandbox"):
        return zendesk_connector(
            settings.zendesk,
            session,
            clock=clock,
            sleep=sleep,
            now=now,
            sandbox=settings.helpdesk == "sandbox",
        )
    if settings.helpdesk == "freshdesk":
        return freshdesk_connector(settings.freshdesk, session, clock=clock, sleep=sleep, now=now)
    if settings.helpdesk == "rt":
        return rt_connector(settings.rt, session, sleep=sleep, clock=clock)
    raise ConfigError(
        [("DESKROUTE_HELPDESK", f"no connector is built for {settings.helpdesk!r} by this factory")]
    )


def zendesk_connector(
    config: ZendeskSettings,
    session: requests.Session,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    now: Now = _utcnow,
    sandbox: bool = False,
) -> ZendeskConnector:
    """A Zendesk connector (``sandbox``: default to the local sandbox and its credentials)."""
    base = logged(zendesk_base(config, sandbox=sandbox)).url
    limits = {"account": _limit(config, "zendesk", "DESKROUTE_ZENDESK__PLAN"), **ZENDESK_ENDPOINTS}
    transport = _transport(
        config,
        base,
        _zendesk_credentials(config, sandbox),
        session,
        limits,
        clock,
        sleep,
        "zendesk",
    )
    options = ZendeskOptions(
        start_time=now() - timedelta(minutes=config.start_lookback_minutes),
        max_load=config.max_load,
        bulk_threshold=config.bulk_threshold,
        job_poll_interval=config.job_poll_seconds,
        availability=config.availability,
        skills=config.skills,
        schedule_id=config.schedule_id,
    )
    return ZendeskConnector(transport, options, sleep)


def freshdesk_connector(
    config: FreshdeskSettings,
    session: requests.Session,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    now: Now = _utcnow,
) -> FreshdeskConnector:
    """A Freshdesk connector."""
    base = logged(freshdesk_base(config)).url
    if config.api_key is None:
        raise ConfigError([("DESKROUTE_FRESHDESK__API_KEY", "required for Freshdesk")])
    limits = {"account": _limit(config, "freshdesk", "DESKROUTE_FRESHDESK__PLAN")}
    credentials = freshdesk_api_key(config.api_key.get_secret_value())
    transport = _transport(config, base, credentials, session, limits, clock, sleep, "freshdesk")
    options = FreshdeskOptions(
        start_time=now() - timedelta(minutes=config.start_lookback_minutes),
        max_load=config.max_load,
        bulk_threshold=config.bulk_threshold,
        job_poll_interval=config.job_poll_seconds,
        skills=config.skills,
    )
    return FreshdeskConnector(transport, options, sleep, clock)


def zendesk_base(config: ZendeskSettings, *, sandbox: bool = False) -> BaseUrl:
    """The Zendesk API base: ``BASE_URL`` normalised, else the subdomain's, else the sandbox."""
    if config.base_url:
        return normalised(config.base_url, "zendesk", "DESKROUTE_ZENDESK__BASE_URL")
    if config.subdomain:
        url = f"https://{config.subdomain.lower()}.zendesk.com"
        return BaseUrl(url=url, given=url, variable="DESKROUTE_ZENDESK__SUBDOMAIN")
    if sandbox:
        return BaseUrl(url=f"{SANDBOX_URL}/zendesk", given=f"{SANDBOX_URL}/zendesk")
    raise ConfigError([("DESKROUTE_ZENDESK__SUBDOMAIN", "set it or DESKROUTE_ZENDESK__BASE_URL")])


def freshdesk_base(config: FreshdeskSettings) -> BaseUrl:
    """The Freshdesk API base: ``BASE_URL`` normalised, else the domain's."""
    if config.base_url:
        return normalised(config.base_url, "freshdesk", "DESKROUTE_FRESHDESK__BASE_URL")
    if config.domain:
        url = f"https://{config.domain.lower()}.freshdesk.com"
        return BaseUrl(url=url, given=url, variable="DESKROUTE_FRESHDESK__DOMAIN")
    raise ConfigError([("DESKROUTE_FRESHDESK__DOMAIN", "set it or DESKROUTE_FRESHDESK__BASE_URL")])


def base_url_of(settings: Settings) -> BaseUrl | None:
    """The normalised base URL of the configured help desk (None: not configured enough)."""
    try:
        if settings.helpdesk in ("zendesk", "sandbox"):
            return zendesk_base(settings.zendesk, sandbox=settings.helpdesk == "sandbox")
        if settings.helpdesk == "freshdesk":
            return freshdesk_base(settings.freshdesk)
        if settings.helpdesk == "rt" and settings.rt.base_url:
            return normalised(settings.rt.base_url, "rt", "DESKROUTE_RT__BASE_URL")
    except ConfigError:
        return None
    return None


def uses_embedded_sandbox(settings: Settings) -> bool:
    """True when deskroute talks to the built-in default address (``HELPDESK=sandbox``)."""
    return (
        settings.helpdesk == "sandbox"
        and not settings.zendesk.base_url
        and not settings.zendesk.subdomain
    )


def _zendesk_credentials(config: ZendeskSettings, sandbox: bool) -> Credentials:
    if config.oauth_token is not None:
        return zendesk_oauth(config.oauth_token.get_secret_value())
    if config.api_token is not None and config.email:
        return zendesk_api_token(config.email, config.api_token.get_secret_value())
    if sandbox:
        from sandbox.accounts import SANDBOX_EMAIL, SANDBOX_TOKEN

        return zendesk_api_token(SANDBOX_EMAIL, SANDBOX_TOKEN)
    raise ConfigError(
        [
            (
                "DESKROUTE_ZENDESK__API_TOKEN",
                "set it with DESKROUTE_ZENDESK__EMAIL, or DESKROUTE_ZENDESK__OAUTH_TOKEN",
            )
        ]
    )


def _limit(config: ZendeskSettings | FreshdeskSettings, vendor: str, variable: str) -> int:
    if config.rate_limit_per_minute is not None:
        return config.rate_limit_per_minute
    try:
        return plan_limit(vendor, config.plan)
    except ValueError as error:
        raise ConfigError([(variable, str(error))]) from None


def _transport(
    config: ZendeskSettings | FreshdeskSettings,
    base: str,
    credentials: Credentials,
    session: requests.Session,
    limits: dict[str, int],
    clock: Clock,
    sleep: Sleep,
    vendor: str,
) -> Transport:
    budgets = budgets_for(
        limits,
        window=config.rate_window_seconds,
        share=config.rate_limit_share,
        clock=clock,
        sleep=sleep,
    )
    return Transport(
        base_url=base,
        credentials=credentials,
        session=session,
        budgets=budgets,
        retry=RetryPolicy(attempts=config.retry_attempts),
        timeout=config.timeout_seconds,
        sleep=sleep,
        vendor=vendor,
    )
