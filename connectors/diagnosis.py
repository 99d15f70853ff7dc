"""Connection problems in plain words: what went wrong, and which setting fixes it.

``diagnose`` turns the error a command got from the help desk into one paragraph naming the
problem (wrong base URL, wrong credentials, unreachable host, missing access) with the
address that was tried and the variables to change; ``with_configuration`` adds what only
the settings know to an ``AccountReport``: the base URL as normalised, and whether the plan
deskroute is configured for agrees with the rate limit the help desk announced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from config.settings import Settings
from connectors.account import AccountReport, Fix
from connectors.base_url import BaseUrl
from connectors.errors import ConnectorError, UnreachableError, WrongAddressError
from connectors.factory import SANDBOX_URL, base_url_of, uses_embedded_sandbox
from connectors.plans import FRESHDESK_PLANS, ZENDESK_PLANS, plan_limit

SANDBOX_HINT = (
    f"nothing answers at {SANDBOX_URL} — start `deskroute sandbox`, or set "
    "DESKROUTE_HELPDESK and its credentials"
)
CONFIGURATION = "configuration"
"""``Diagnosis.kind`` of problems a setting (or the desk's set-up) fixes."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Words:
    """How to name one help desk's settings in advice."""

    prefix: str
    address: str
    example: str
    api_path: str
    credentials: str
    credential_hint: str
    access_hint: str


WORDS = {
    "zendesk": Words(
        prefix="DESKROUTE_ZENDESK__",
        address="DESKROUTE_ZENDESK__SUBDOMAIN=acme or DESKROUTE_ZENDESK__BASE_URL",
        example="https://acme.zendesk.com",
        api_path="/api/v2",
        credentials="DESKROUTE_ZENDESK__EMAIL with DESKROUTE_ZENDESK__API_TOKEN, or "
        "DESKROUTE_ZENDESK__OAUTH_TOKEN",
        credential_hint="an API token needs the e-mail of an agent or admin of this account, "
        "and token access switched on (Admin Center › Apps and integrations "
        "› Zendesk API)",
        access_hint="use an admin's e-mail with the token (or an admin's OAuth token)",
    ),
    "freshdesk": Words(
        prefix="DESKROUTE_FRESHDESK__",
        address="DESKROUTE_FRESHDESK__DOMAIN=acme or DESKROUTE_FRESHDESK__BASE_URL",
        example="https://acme.freshdesk.com",
        api_path="/api/v2",
        credentials="DESKROUTE_FRESHDESK__API_KEY",
        credential_hint="the key is under Profile settings › View API key in Freshdesk",
        access_hint="use an administrator's API key",
    ),
    "rt": Words(
        prefix="DESKROUTE_RT__",
        address="DESKROUTE_RT__BASE_URL",
        example="https://rt.example.com",
        api_path="/REST/2.0",
        credentials="DESKROUTE_RT__TOKEN",
        credential_hint="create one as the RT user deskroute acts as: user menu › Settings › "
        "Auth Tokens",
        access_hint="grant the RT user the rights listed in docs/request-tracker.md",
    ),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class DeskContext:
    """What the settings say about the help desk a command talks to."""

    desk: str
    """``zendesk``, ``freshdesk`` or ``rt`` (the sandbox speaks Zendesk)."""
    base: BaseUrl
    embedded_sandbox: bool = False
    plan: str | None = None
    configured_limit: int | None = None
    limit_overridden: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Diagnosis:
    """One connection problem in plain words."""

    problem: str
    """``wrong base URL``, ``wrong credentials``, ``unreachable host``, ``no access``,
    ``help desk error``."""
    paragraph: str
    kind: str
    """``configuration`` (exit 2: a setting or the desk's set-up fixes it) or ``transient``."""


def desk_context(settings: Settings) -> DeskContext | None:
    """The context of the configured help desk; None when its address is not configured."""
    base = base_url_of(settings)
    if base is None:
        return None
    if settings.helpdesk == "rt":
        return DeskContext(desk="rt", base=base)
    desk = "freshdesk" if settings.helpdesk == "freshdesk" else "zendesk"
    section = settings.freshdesk if desk == "freshdesk" else settings.zendesk
    try:
        limit: int | None = section.rate_limit_per_minute or plan_limit(desk, section.plan)
    except ValueError:  # an unknown plan: build_connector names it
        limit = None
    return DeskContext(
        desk=desk,
        base=base,
        embedded_sandbox=uses_embedded_sandbox(settings),
        plan=section.plan,
        configured_limit=limit,
        limit_overridden=section.rate_limit_per_minute is not None,
    )


def diagnose(error: ConnectorError, context: DeskContext) -> Diagnosis:
    """The problem behind ``error`` (whose message names the request) and how to fix it."""
    words = WORDS[context.desk]
    if isinstance(error, UnreachableError):
        return _unreachable(error, context, words)
    if isinstance(error, WrongAddressError) or error.status == 404:
        return Diagnosis(
            problem="wrong base URL",
            kind=CONFIGURATION,
            paragraph=(
                f"The base URL looks wrong: {error}. deskroute used {context.base.url}"
                f"{_origin(context.base)} and adds {words.api_path} itself. Set {words.address} "
                f"to the account's address, e.g. {words.example}."
            ),
        )
    if error.status == 401:
        return Diagnosis(
            problem="wrong credentials",
            kind=CONFIGURATION,
            paragraph=(
                f"The help desk did not accept the credentials: {error}. Check "
                f"{words.credentials}; {words.credential_hint}."
            ),
        )
    if error.status == 403:
        return Diagnosis(
            problem="no access",
            kind=CONFIGURATION,
            paragraph=(
                f"The credentials were accepted but access was refused: {error}. "
                f"Deskroute's user lacks a permission: {words.access_hint}."
            ),
        )
    return Diagnosis(
        problem="help desk error",
        kind="transient",
        paragraph=(
            f"The help desk answered with an error: {error}. Try again later; if it persists, "
            f"check the help desk's status page."
        ),
    )


def _unreachable(error: ConnectorError, context: DeskContext, words: Words) -> Diagnosis:
    if context.embedded_sandbox:
        paragraph = f"The built-in default help desk is not running: {SANDBOX_HINT}. ({error})"
    else:
        paragraph = (
            f"Nothing answers at {context.base.url}: {error}. Check {words.address}"
            f"{_origin(context.base)}, and that this machine can reach the host "
            "(network, proxy, firewall)."
        )
    return Diagnosis(problem="unreachable host", kind=CONFIGURATION, paragraph=paragraph)


def _origin(base: BaseUrl) -> str:
    """`` (from VARIABLE)`` or `` (the built-in sandbox address)``."""
    return f" (from {base.variable})" if base.variable else " (the built-in sandbox address)"


def with_configuration(report: AccountReport, context: DeskContext) -> AccountReport:
    """``report`` with the normalised base URL, its origin and the plan check added."""
    notes = dict(report.notes)
    notes["base URL"] = _base_note(context.base)
    fixes = report.fixes
    if context.configured_limit is not None:
        notes["configured limit"] = (
            f"{context.configured_limit}/min (plan {context.plan})"
            if not context.limit_overridden
            else f"{context.configured_limit}/min (RATE_LIMIT_PER_MINUTE)"
        )
    advice = plan_advice(context, report.rate_limit)
    if advice is not None:
        fixes = (*fixes, advice)
    return replace(report, base_url=context.base.url, notes=notes, fixes=fixes)


def _base_note(base: BaseUrl) -> str:
    origin = base.variable or "built-in sandbox address"
    if base.changed:
        return f"{base.url} ({origin}; left out {base.stripped})"
    return f"{base.url} ({origin})"


def plan_advice(context: DeskContext, announced: int | None) -> Fix | None:
    """A warning when the announced rate limit differs from the configured one."""
    if announced is None or context.configured_limit in (None, announced):
        return None
    words = WORDS[context.desk]
    table = FRESHDESK_PLANS if context.desk == "freshdesk" else ZENDESK_PLANS
    plans = [name for name, limit in table.items() if limit == announced]
    override = f"{words.prefix}RATE_LIMIT_PER_MINUTE={announced}"
    setting = (
        override
        if context.limit_overridden or not plans
        else f"{words.prefix}PLAN={plans[0]} (or {override})"
    )
    configured = (
        f"RATE_LIMIT_PER_MINUTE={context.configured_limit}"
        if context.limit_overridden
        else f"plan {context.plan} ({context.configured_limit}/min)"
    )
    return Fix(
        problem=f"the account announces {announced} requests a minute, deskroute is "
        f"configured for {configured}; it follows the announced limit once it "
        "has seen it, but starts from the configured one",
        setting=setting,
    )
