"""The settings model: every ``DESKROUTE_*`` environment variable, typed and documented.

Only this package reads the environment. Nested sections use ``__``:
``DESKROUTE_HTTP__PORT=8080`` sets ``settings.http.port``. ``load_settings`` turns a
validation failure into a ``ConfigError`` that names each bad variable and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "DESKROUTE_"
NESTED = "__"


class Section(BaseModel):
    """A nested group of settings (``DESKROUTE_<SECTION>__<NAME>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(Section):
    """The sidecar's HTTP server (webhooks, health, metrics, explanations)."""

    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8080, ge=1, le=65535, description="Port of the HTTP server.")


class HelpdeskApiSettings(Section):
    """Request budget, retries and batching shared by the Zendesk and Freshdesk connectors."""

    plan: str = Field(
        "professional",
        description="Plan name; sets the per-minute API limit (see docs/connectors.md).",
    )
    rate_limit_per_minute: int | None = Field(
        None, ge=1, description="Override the plan's account-wide requests per window."
    )
    rate_limit_share: float = Field(
        0.8, gt=0, le=1, description="Share of the account's API limit deskroute may spend."
    )
    rate_window_seconds: float = Field(
        60.0, gt=0, description="Length of the rate-limit window (60 on real accounts)."
    )
    timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one HTTP request.")
    retry_attempts: int = Field(5, ge=1, le=20, description="Tries per request before giving up.")
    bulk_threshold: int = Field(
        5, ge=1, description="Writes at or above this many go through the bulk endpoint."
    )
    job_poll_seconds: float = Field(1.0, gt=0, description="Interval between bulk-job polls.")
    start_lookback_minutes: int = Field(
        60, ge=0, description="First poll reads tickets changed this long before start-up."
    )
    max_load: float = Field(10.0, ge=0, description="Default agent capacity (open tickets).")


class ZendeskSettings(HelpdeskApiSettings):
    """Credentials and endpoint of a Zendesk account."""

    subdomain: str | None = Field(None, description="Account subdomain: <subdomain>.zendesk.com.")
    base_url: str | None = Field(
        None, description="Full API base URL; overrides subdomain (e.g. the sandbox)."
    )
    email: str | None = Field(None, description="Agent e-mail used with an API token.")
    api_token: SecretStr | None = Field(None, description="API token (Basic email/token auth).")
    oauth_token: SecretStr | None = Field(None, description="OAuth access token (Bearer auth).")
    webhook_secret: SecretStr | None = Field(None, description="Signing secret of the webhook.")


class FreshdeskSettings(HelpdeskApiSettings):
    """Credentials and endpoint of a Freshdesk account."""

    domain: str | None = Field(None, description="Account domain: <domain>.freshdesk.com.")
    base_url: str | None = Field(
        None, description="Full API base URL; overrides domain (e.g. the sandbox)."
    )
    api_key: SecretStr | None = Field(None, description="API key (Basic auth, password X).")
    webhook_secret: SecretStr | None = Field(
        None, description="Shared secret expected in the webhook's authentication header."
    )
    webhook_header: str = Field(
        "X-Deskroute-Secret", description="Header the Freshdesk automation rule puts it in."
    )


class Settings(BaseSettings):
    """All of deskroute's configuration. Read once, at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED,
        extra="ignore",
        frozen=True,
        case_sensitive=False,
    )

    helpdesk: Literal["sandbox", "zendesk", "freshdesk", "rt"] = Field(
        "sandbox", description="Which help desk to connect to."
    )
    database_url: str = Field(
        "sqlite:///deskroute.sqlite3",
        description="SQLAlchemy URL of the durable store (SQLite file or PostgreSQL).",
    )
    policy_file: Path | None = Field(
        None, description="YAML routing policy and business rules; built-in default if unset."
    )
    dry_run: bool = Field(False, description="Decide and record, never write to the help desk.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging threshold."
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Bearer token required by admin endpoints; admin endpoints are off if unset.",
    )
    http: HttpSettings = Field(default_factory=HttpSettings)
    zendesk: ZendeskSettings = Field(default_factory=ZendeskSettings)
    freshdesk: FreshdeskSettings = Field(default_factory=FreshdeskSettings)


class ConfigError(Exception):
    """Invalid configuration; ``problems`` holds one ``(variable, reason)`` per fault."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))


def env_name(location: tuple[str | int, ...]) -> str:
    """The environment variable behind a settings field location."""
    return ENV_PREFIX + NESTED.join(str(part).upper() for part in location)


def load_settings() -> Settings:
    """Read settings from the process environment.

    Raises ``ConfigError`` naming each invalid variable and the reason.
    """
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            given = item.get("input")
            shown = "" if isinstance(given, dict) or given is None else f" (got {given!r})"
            problems.append((env_name(tuple(item["loc"])), item["msg"] + shown))
        raise ConfigError(problems) from None


def secret_fields() -> list[str]:
    """Environment variables that hold secrets (masked in every printout)."""
    return [name for name, _, secret in walk_fields() if secret]


def walk_fields(
    model: type[BaseModel] = Settings, location: tuple[str, ...] = ()
) -> list[tuple[str, type[BaseModel], bool]]:
    """Every leaf setting as ``(ENV_NAME, owning model, is_secret)``, in declaration order."""
    found: list[tuple[str, type[BaseModel], bool]] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            found.extend(walk_fields(annotation, (*location, name)))
        else:
            found.append((env_name((*location, name)), model, "SecretStr" in str(annotation)))
    return found
