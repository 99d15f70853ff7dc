"""The settings model: every ``DESKROUTE_*`` environment variable, typed and documented.

Only this package reads the environment. Nested sections use ``__``:
``DESKROUTE_HTTP__PORT=8080`` sets ``settings.http.port``. ``load_settings`` turns a
validation failure into a ``ConfigError`` that names each bad variable and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "DESKROUTE_"
NESTED = "__"


def _usable_secret(value: SecretStr | None) -> SecretStr | None:
    """A secret is non-empty and has no whitespace: a pasted line break would never match."""
    if value is not None:
        text = value.get_secret_value()
        if not text or any(char.isspace() for char in text):
            raise ValueError("must be non-empty, without spaces or line breaks")
    return value


def _secret_list(value: object) -> object:
    """Secrets given comma-separated in one variable, each usable (see ``_usable_secret``)."""
    if not isinstance(value, str):
        return value
    parts = [part.strip() for part in value.split(",")]
    if any(not part for part in parts) and value.strip():
        raise ValueError("an empty secret in the list (two commas, or one at an end)")
    return tuple(_usable_secret(SecretStr(part)) for part in parts if part)


HTTP_URL = r"^https?://[^\s/]+"
"""An absolute http(s) URL with a host."""


class Section(BaseModel):
    """A nested group of settings (``DESKROUTE_<SECTION>__<NAME>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(Section):
    """The sidecar's HTTP server (webhooks, health, metrics, explanations)."""

    host: str = Field("127.0.0.1", min_length=1, description="Address the HTTP server binds to.")
    port: int = Field(8080, ge=0, le=65535, description="Port of the HTTP server (0: any free).")
    admin_port: int | None = Field(
        None, ge=0, le=65535,
        description="A second port for the admin endpoints, /metrics and the console (0: any "
        "free); the main port then serves only webhooks and health. Unset: one port for all.",
    )  # fmt: skip

    @field_validator("admin_port")
    @classmethod
    def _apart_from_port(cls, value: int | None, info: ValidationInfo) -> int | None:
        port = info.data.get("port")
        if value is not None and value != 0 and value == port:
            raise ValueError(f"must differ from DESKROUTE_HTTP__PORT ({port})")
        return value

    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=67_108_864, description="Largest webhook body taken; larger: 413."
    )
    header_timeout_seconds: float = Field(
        10.0, gt=0, le=300,
        description="A connection that has not sent a whole request head this long after "
        "connecting (or after its last response) is closed.",
    )  # fmt: skip
    unsigned_webhooks: bool = Field(
        False,
        description="Take webhooks when the help desk's webhook secret is unset (local testing "
        "only); otherwise those get 401 and nothing is stored.",
    )


class HelpdeskApiSettings(Section):
    """Request budget, retries and batching shared by the Zendesk and Freshdesk connectors."""

    plan: str = Field(
        "professional",
        min_length=1,
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

    subdomain: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
        description="Account subdomain: <subdomain>.zendesk.com.",
    )  # fmt: skip
    base_url: str | None = Field(
        None, pattern=HTTP_URL,
        description="Full API base URL; overrides subdomain (e.g. the sandbox).",
    )  # fmt: skip
    email: str | None = Field(
        None, pattern=r"^[^@\s]+@[^@\s]+$", description="Agent e-mail used with an API token."
    )
    api_token: SecretStr | None = Field(None, description="API token (Basic email/token auth).")
    oauth_token: SecretStr | None = Field(None, description="OAuth access token (Bearer auth).")
    webhook_secret: SecretStr | None = Field(None, description="Signing secret of the webhook.")
    webhook_previous_secrets: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (),
        description="Secrets still accepted while the webhook's secret is rotated, "
        "comma-separated; remove each once the help desk uses the new one.",
    )
    availability: Literal["auto", "omnichannel", "schedule", "all_agents"] = Field(
        "auto",
        description="Where agent availability comes from: omnichannel agent status, the "
        "business-hours schedule, or every active agent (auto: the first the account has).",
    )
    skills: Literal["auto", "routing_attributes", "user_field", "none"] = Field(
        "auto",
        description="Where skills come from: Zendesk skills (routing attributes), the user "
        "field deskroute_skills, or none (auto: the first the account has).",
    )
    schedule_id: int | None = Field(
        None, ge=1, description="Business-hours schedule agents work to (default: the first)."
    )

    _secrets = field_validator("api_token", "oauth_token", "webhook_secret")(_usable_secret)
    _previous = field_validator("webhook_previous_secrets", mode="before")(_secret_list)


class FreshdeskSettings(HelpdeskApiSettings):
    """Credentials and endpoint of a Freshdesk account."""

    domain: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
        description="Account domain: <domain>.freshdesk.com.",
    )  # fmt: skip
    base_url: str | None = Field(
        None, pattern=HTTP_URL,
        description="Full API base URL; overrides domain (e.g. the sandbox).",
    )  # fmt: skip
    api_key: SecretStr | None = Field(None, description="API key (Basic auth, password X).")
    webhook_secret: SecretStr | None = Field(
        None, description="Shared secret expected in the webhook's authentication header."
    )
    webhook_previous_secrets: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (),
        description="Secrets still accepted while the webhook's secret is rotated, "
        "comma-separated; remove each once the help desk uses the new one.",
    )
    webhook_header: str = Field(
        "X-Deskroute-Secret", pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
        description="Header the Freshdesk automation rule puts it in.",
    )  # fmt: skip
    skills: Literal["auto", "admin_skills", "none"] = Field(
        "auto",
        description="Where skills come from: admin/skills (plans with skill-based assignment) "
        "or none (auto: admin/skills when the plan answers it).",
    )

    _secrets = field_validator("api_key", "webhook_secret")(_usable_secret)
    _previous = field_validator("webhook_previous_secrets", mode="before")(_secret_list)


def _comma_list(value: object) -> object:
    """Accept ``a,b`` or a JSON list for a list of names given in one variable."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return tuple(json.loads(text))
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return value


class RtSettings(Section):
    """Endpoint, credentials and routing scope of a Request Tracker 5 server (REST 2)."""

    base_url: str | None = Field(
        None, pattern=HTTP_URL,
        description="RT's web address, e.g. http://127.0.0.1:8081 (REST 2 is under it).",
    )  # fmt: skip
    token: SecretStr | None = Field(
        None, description="Auth token of the RT user deskroute acts as (Authorization: token)."
    )
    queues: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Queues to route, comma-separated (Billing,Support)."
    )
    owner_groups: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Who may own tickets: Queue=Group pairs, or one group for every queue; "
        "a queue without a group takes its AdminCc watchers.",
    )
    statuses: Annotated[tuple[str, ...], NoDecode] = Field(
        ("new",), description="Statuses of unowned tickets to poll, comma-separated."
    )
    comment: bool = Field(
        True, description="Post the decision's explanation as a private comment on the ticket."
    )
    move_queue: bool = Field(
        False, description="Also move a ticket to the queue its routing group names."
    )
    read_body: bool = Field(
        True, description="Read each polled ticket's first message (one request per ticket)."
    )
    page_size: int = Field(50, ge=1, le=100, description="Tickets per search page (RT caps 100).")
    timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one request to RT.")
    requests_per_minute: int = Field(
        1200, ge=2, description="Most requests in any minute sent to RT (RT sets no limit)."
    )
    max_load: float = Field(
        10.0, gt=0, description="Open tickets an RT agent may own at once (capacity)."
    )

    _lists = field_validator("queues", "statuses", "owner_groups", mode="before")(_comma_list)
    _secrets = field_validator("token")(_usable_secret)


class ShopSettings(Section):
    """The shop that knows the customers (issue 19): who they are, what they bought."""

    kind: Literal["none", "shopify", "woocommerce", "sandbox"] = Field(
        "none",
        description="none: no shop context; shopify (Admin GraphQL), woocommerce (REST v3), "
        "or sandbox (the sandbox's Shopify face, its own credentials).",
    )
    url: str | None = Field(
        None, pattern=HTTP_URL,
        description="The shop's address: https://NAME.myshopify.com or the WordPress site.",
    )  # fmt: skip
    token: SecretStr | None = Field(
        None,
        description="Shopify: an Admin API access token; "
        "WooCommerce: consumer_key:consumer_secret.",
    )
    api_version: str = Field(
        "2025-01", pattern=r"^\d{4}-\d{2}$", description="Shopify Admin API version."
    )
    ttl_seconds: float = Field(
        900.0, gt=0, description="How long a customer's shop context is reused from the store."
    )
    timeout_seconds: float = Field(
        3.0, gt=0, description="Longest wait for one shop request; routing never waits longer."
    )
    budget_seconds: float = Field(
        5.0, gt=0,
        description="Longest a routing pass spends asking the shop; the rest route without.",
    )  # fmt: skip
    batch_size: int = Field(10, ge=1, le=25, description="Customers asked for in one request.")
    orders: int = Field(3, ge=1, le=10, description="Newest orders read per customer.")
    requests_per_minute: int = Field(
        120, ge=2, description="WooCommerce: most requests a minute (WordPress sets no limit)."
    )

    _secrets = field_validator("token")(_usable_secret)


class StoreSettings(Section):
    """The durable store's connection behaviour (the URL itself is DESKROUTE_DATABASE_URL)."""

    pool_size: int = Field(5, ge=1, le=100, description="Connections kept open (PostgreSQL).")
    busy_timeout_seconds: float = Field(
        30.0, gt=0, description="How long SQLite waits for a lock held by another writer."
    )
    schema_name: str | None = Field(
        None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema holding deskroute's tables (created if missing).",
    )


class SchedulerSettings(Section):
    """How often the sidecar's background jobs run, in seconds."""

    poll_seconds: float = Field(10.0, gt=0, description="Poll the help desk for changed tickets.")
    roster_seconds: float = Field(
        30.0, gt=0, description="Refresh agents, their availability and load."
    )
    drain_seconds: float = Field(
        2.0, gt=0, description="Route new tickets and offer the waiting queue to free agents."
    )
    sweep_seconds: float = Field(
        60.0, gt=0, description="Follow-through sweep: reassign stranded or unanswered tickets."
    )
    write_seconds: float = Field(1.0, gt=0, description="Send pending write-backs (the outbox).")
    roster_when_waiting_seconds: float = Field(
        5.0, gt=0, description="While tickets wait, refresh the roster at least this often."
    )


class ReconcileSettings(Section):
    """The reconciliation sweep: open unassigned tickets listed apart from the poll cursor."""

    enabled: bool = Field(
        True,
        description="List open unassigned tickets now and then, so that a lost or new store, "
        "a missed webhook or a long outage leaves none unrouted.",
    )
    interval_seconds: float = Field(
        60.0, gt=0, description="Time between two sweeps (the leader's first runs at once)."
    )
    requests_per_run: int = Field(
        30,
        ge=1,
        le=1000,
        description="Most requests one sweep sends: listing pages, and reads of the tickets "
        "the store does not know (100 a request on Zendesk, one each elsewhere).",
    )
    reserve_requests: float = Field(
        20.0,
        ge=0,
        description="A sweep stops while fewer requests than this are left in the rate "
        "budget: they are kept for routing and writing back.",
    )


class WriterSettings(Section):
    """The outbox writer: batching, retries and what goes with each assignment."""

    batch_max: int = Field(100, ge=1, le=1000, description="Most write-backs sent in one round.")
    max_attempts: int = Field(
        8, ge=1, description="Attempts before a write-back is parked with its last error."
    )
    retry_base_seconds: float = Field(
        2.0, gt=0, description="First retry delay; doubles per attempt unless Retry-After says."
    )
    retry_max_seconds: float = Field(300.0, gt=0, description="Longest delay between retries.")
    explain_notes: bool = Field(
        True, description="Add a private note with the decision's explanation to each write."
    )
    recheck_per_round: int = Field(
        25, ge=1, le=1000,
        description="Write-backs sent before (a crash, a lost answer) re-read per round before "
        "they count as done or are sent again; the rest wait for the next rounds.",
    )  # fmt: skip
    notes_per_round: int = Field(
        20, ge=1, le=1000,
        description="Notes posted per writer round where the help desk's bulk write cannot "
        "carry them (Freshdesk): they follow the assignments, never hold them up.",
    )  # fmt: skip

    @field_validator("retry_max_seconds")
    @classmethod
    def _max_not_below_base(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("retry_base_seconds")
        if base is not None and value < base:
            raise ValueError(f"must be at least DESKROUTE_WRITER__RETRY_BASE_SECONDS ({base})")
        return value


class LeaseSettings(Section):
    """The leader lease: exactly one replica routes and writes; the others only take webhooks."""

    ttl_seconds: float = Field(
        15.0, gt=0, description="A leader that stops renewing loses the lease after this long."
    )
    renew_seconds: float = Field(
        5.0, gt=0, description="How often the leader renews (and followers try to take) the lease."
    )
    replica_id: str | None = Field(
        None, min_length=1, max_length=200,
        description="Name of this replica in the lease; default: host name and process id.",
    )  # fmt: skip

    @field_validator("renew_seconds")
    @classmethod
    def _renew_within_ttl(cls, value: float, info: ValidationInfo) -> float:
        ttl = info.data.get("ttl_seconds")
        if ttl is not None and value >= ttl:
            raise ValueError(f"must be less than DESKROUTE_LEASE__TTL_SECONDS ({ttl})")
        return value


class FollowThroughSettings(Section):
    """When an assigned ticket is taken back and routed again."""

    reassign_unavailable: bool = Field(
        True, description="Reassign our tickets whose assignee went offline or on leave."
    )
    first_reply_minutes_urgent: int = Field(
        30, ge=0, description="Minutes an urgent ticket may go without a first reply; 0: off."
    )
    first_reply_minutes_high: int = Field(
        120, ge=0, description="Same for high priority (minutes; 0 turns the timer off)."
    )
    first_reply_minutes_normal: int = Field(
        480, ge=0, description="Same for normal priority (minutes; 0 turns the timer off)."
    )
    first_reply_minutes_low: int = Field(
        0, ge=0, description="Same for low priority (minutes; 0 turns the timer off)."
    )
    max_reassignments: int = Field(
        3, ge=0, description="Follow-through moves per ticket before it is left to humans."
    )
    offline_grace_minutes: float = Field(
        10.0,
        ge=0,
        description="Minutes an assignee must be seen offline, on leave or off shift before "
        "their tickets are moved; 0: at once.",
    )
    reopened_grace_minutes: float = Field(
        10.0,
        ge=0,
        description="Minutes a reopened ticket's unavailable assignee gets to come back "
        "before it is routed again; 0: at once.",
    )


class ShadowSettings(Section):
    """The shadow report (dry run): its default window and when it says "ready to switch on"."""

    window_days: float = Field(
        7.0, gt=0, le=366, description="Days the shadow report covers unless asked otherwise."
    )
    min_compared: int = Field(
        30, ge=1,
        description="Tickets a person assigned that the report must compare before it can say "
        "ready.",
    )  # fmt: skip
    min_agreement: float = Field(
        0.5, ge=0, le=1,
        description="Least share of compared tickets where our pick was the person's first "
        "choice (lower it where several agents fit most tickets).",
    )  # fmt: skip
    max_ruled_out: float = Field(
        0.1, ge=0, le=1,
        description="Largest share of compared tickets whose person's pick our filters or rules "
        "ruled out (over capacity not counted): a rule people do not follow, or a wrong roster.",
    )  # fmt: skip
    max_waiting: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Largest share of tickets a person assigned that we would have left waiting.",
    )
    max_p90_ratio: float = Field(
        1.0, gt=0,
        description="Largest ratio of our 90th-percentile time to assign over the people's.",
    )  # fmt: skip
    max_gini_increase: float = Field(
        0.05, ge=0, le=1,
        description="How much more uneven (Gini of picks per agent) our picks may be than the "
        "people's.",
    )  # fmt: skip


class SidecarSettings(Section):
    """The running service: shutdown, sandbox mode and the routing random seed."""

    shutdown_deadline_seconds: float = Field(
        20.0, gt=0, description="On SIGTERM, how long to keep flushing the outbox before exiting."
    )
    sandbox_port: int = Field(
        0, ge=0, le=65535, description="Port of the embedded sandbox (helpdesk=sandbox); 0: any."
    )
    seed: int = Field(0, description="Seed of the random source handed to the routing policy.")
    repeat_contact_days: float = Field(
        7.0,
        gt=0,
        description="Window for the repeat_contact signal: a requester's other tickets we "
        "decided within this many days count as repeat contacts.",
    )
    classifier_models: Annotated[tuple[Path, ...], NoDecode] = Field(
        (),
        description="Triage model files (deskroute train), comma-separated; tickets are "
        "enriched with their predictions before the rules run.",
    )

    _models = field_validator("classifier_models", mode="before")(_comma_list)


class ClassifierSettings(Section):
    """The triage classifier: where the shipped datasets are and when to abstain."""

    data_dir: Path | None = Field(
        None, description="Directory of the shipped datasets; default: the package's config/data/."
    )
    min_confidence: float = Field(
        0.5, ge=0.0, le=1.0, description="Below this confidence a prediction abstains (triage)."
    )
    triage_group: str = Field(
        "triage", min_length=1, description="Group that gets tickets the classifier abstains on."
    )


class Settings(BaseSettings):
    """All of deskroute's configuration. Read once, at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED,
        extra="ignore",
        frozen=True,
        case_sensitive=False,
        env_ignore_empty=True,  # VAR= (as compose's ${VAR:-} gives) means unset, not ""
    )

    helpdesk: Literal["sandbox", "zendesk", "freshdesk", "rt"] = Field(
        "sandbox", description="Which help desk to connect to."
    )
    database_url: str = Field(
        "sqlite:///deskroute.sqlite3",
        description="SQLAlchemy URL of the durable store (SQLite file or PostgreSQL); the "
        "default file is relative to the working directory, the container image's is "
        "sqlite:////data/deskroute.sqlite3.",
    )
    policy_file: Path | None = Field(
        None,
        description="YAML routing policy and business rules; built-in default if unset. "
        "Read again on SIGHUP (docs/sidecar.md).",
    )
    dry_run: bool = Field(False, description="Decide and record, never write to the help desk.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging threshold of deskroute's own log lines."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text: lines for people; json: one JSON object per line."
    )
    log_libraries_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING",
        description="Logging threshold of other libraries (HTTP, scheduler, web server, database).",
    )
    admin_token: SecretStr | None = Field(
        None,
        description=(
            "Bearer token required by admin endpoints and the web console's login; "
            "both are off if unset."
        ),
    )
    http: HttpSettings = Field(default_factory=HttpSettings)
    zendesk: ZendeskSettings = Field(default_factory=ZendeskSettings)
    freshdesk: FreshdeskSettings = Field(default_factory=FreshdeskSettings)
    rt: RtSettings = Field(default_factory=RtSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    writer: WriterSettings = Field(default_factory=WriterSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    lease: LeaseSettings = Field(default_factory=LeaseSettings)
    follow_through: FollowThroughSettings = Field(default_factory=FollowThroughSettings)
    sidecar: SidecarSettings = Field(default_factory=SidecarSettings)
    shadow: ShadowSettings = Field(default_factory=ShadowSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    shop: ShopSettings = Field(default_factory=ShopSettings)

    _secrets = field_validator("admin_token")(_usable_secret)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """The URL must parse; its parts are not quoted back (the password is one of them)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL (dialect+driver://user:password@host:port/database)"
            ) from None
        except ValueError:
            raise ValueError("the URL's port is not a number") from None
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """As pydantic's, with the database URL's password masked: settings get logged and
        printed in tracebacks, and the URL is the one secret that is not a ``SecretStr``."""
        for name, value in super().__repr_args__():
            yield name, without_password(value) if name == "database_url" else value


_URL_PASSWORD = re.compile(r"(?P<user>://[^/:@]*):[^/]*@")


def without_password(url: str) -> str:
    """``url`` with the password in its user part masked."""
    return _URL_PASSWORD.sub(r"\g<user>:********@", url, count=1)


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

    Raises ``ConfigError`` naming each invalid variable and the reason. The value given is
    quoted back, except for secrets and the database URL (it may carry a password).
    """
    try:
        return Settings()
    except ValidationError as error:
        fields = {name: model for name, model, _ in walk_fields()}
        hidden = {name for name, _, secret in walk_fields() if secret} | {"DESKROUTE_DATABASE_URL"}
        problems = []
        for item in error.errors():
            name, given = env_name(tuple(item["loc"])), item.get("input")
            reason = item["msg"].removeprefix("Value error, ")
            if item["type"] == "string_pattern_mismatch" and name in fields:
                info = fields[name].model_fields[str(item["loc"][-1])]
                reason = f"not of the expected form ({info.description})"
            if not (isinstance(given, dict) or given is None or name in hidden):
                reason += f" (got {given!r})"
            problems.append((name, reason))
        raise ConfigError(problems) from None


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
