"""schemathesis against the sidecar's own OpenAPI, in-process: no 5xx, and every answer
(status, content type, body, headers) is one the schema describes.

Two apps are fuzzed: one with webhook secrets (generated requests stop at the signature
check: 401) and one without (generated bodies reach the parsers: 202 or 400). Both modes run:
positive (requests the schema allows) and negative (requests it forbids, which must be 4xx).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation

from config.settings import Settings
from sidecar.http import AppContext, create_app
from sidecar.metrics import Metrics
from sidecar.refusals import UNLIMITED, RefusalLimit
from sidecar.store import Store
from tests.secret_values import ADMIN_TOKEN, FRESHDESK_WEBHOOK_SECRET, ZENDESK_WEBHOOK_SECRET
from tests.sidecar.fakes import FakeClock

EXAMPLES = 25
"""Generated requests per operation and mode: enough to reach every branch, a few seconds."""


@dataclass
class Outcome:
    """What a fuzzing run saw: answers by operation and status, and every failed check."""

    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def fuzz(app: FastAPI, headers: Callable[[str], dict[str, str]]) -> Outcome:
    """Run schemathesis' checks on every operation of ``app``'s OpenAPI, both modes."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    outcome = Outcome()
    for result in schema.get_all_operations():
        operation = result.ok()
        seen = outcome.statuses.setdefault(operation.label, Counter())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            check = checker(operation, mode, headers, seen, outcome.failures)
            try:
                check()
            except Unsatisfiable:  # nothing to break: the operation takes no input
                assert mode is GenerationMode.NEGATIVE
    return outcome


def checker(
    operation: Any,
    mode: GenerationMode,
    headers: Callable[[str], dict[str, str]],
    seen: Counter[int],
    failures: list[str],
) -> Callable[[], None]:
    """A Hypothesis test sending ``operation``'s generated requests and checking each answer."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(headers=headers(operation.label))
        seen[response.status_code] += 1
        try:
            excluded = cross_parameter(operation, response) + only_headers_broken(case, mode)
            case.validate_response(response, excluded_checks=excluded)
        except FailureGroup as group:  # failed checks: keep going, report them all
            failures.extend(f"{operation.label} [{mode.value}]: {type(failure).__name__}: "
                            f"{failure.title} (got {response.status_code})"
                            for failure in group.exceptions)  # fmt: skip
        except Failure as failure:
            failures.append(f"{operation.label} [{mode.value}]: {type(failure).__name__}: "
                            f"{failure.title} (got {response.status_code})")  # fmt: skip

    return check  # type: ignore[no-any-return]


CROSS_PARAMETER_RULES = {"GET /admin/shadow-report": "invalid window:"}
"""Operations with rules between parameters that OpenAPI cannot state (the window's since
before until, not both since and days, within the calendar): a schema-valid request refused
422 for such a rule, saying so, is no failure; any other refusal still is."""


def cross_parameter(operation: Any, response: Any) -> list[Any]:
    """The checks to leave out for this answer: positive data acceptance, when the answer is
    the operation's own refusal of a combination of parameters."""
    reason = CROSS_PARAMETER_RULES.get(operation.label)
    if reason is None or response.status_code != 422:
        return []
    return [positive_data_acceptance] if response.json()["error"].startswith(reason) else []


def only_headers_broken(case: Any, mode: GenerationMode) -> list[Any]:
    """A negative case broken only in its headers is whole again once ``headers`` sets the
    admin token over its ``Authorization``: its acceptance is no failure."""
    if mode is not GenerationMode.NEGATIVE or case.meta is None:
        return []
    broken = {
        location for location, info in case.meta.components.items()
        if info.mode is GenerationMode.NEGATIVE
    }  # fmt: skip
    return [negative_data_rejection] if broken == {ParameterLocation.HEADER} else []


def admin_header(label: str) -> dict[str, str]:
    """The admin token on admin operations, so generated requests get past it."""
    admin = "/decisions/" in label or "/admin/" in label
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"} if admin else {}


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    stores: list[Store] = []

    def build(**config: Any) -> FastAPI:
        clock = FakeClock()
        store = Store.open(f"sqlite:///{tmp_path / f'{len(stores)}.sqlite3'}", "r", clock())
        stores.append(store)
        ctx = AppContext(
            settings=Settings(admin_token=ADMIN_TOKEN, **config), store=store, metrics=Metrics(),
            clock=clock, is_leader=lambda: True, ready=lambda: True, kick=lambda: None,
            accepting=lambda: True, refusals=RefusalLimit(per_minute=UNLIMITED),
        )  # fmt: skip
        return create_app(ctx)

    yield build
    for store in stores:
        store.close()


@pytest.mark.slow
def test_the_signed_app_answers_as_its_schema_says(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(zendesk={"webhook_secret": ZENDESK_WEBHOOK_SECRET},
                   freshdesk={"webhook_secret": FRESHDESK_WEBHOOK_SECRET})  # fmt: skip
    outcome = fuzz(app, admin_header)
    assert outcome.failures == []
    every = sum(outcome.statuses.values(), Counter())
    assert not [status for status in every if status >= 500], every
    assert set(outcome.statuses["POST /webhooks/zendesk"]) <= {401, 413, 415}
    assert set(outcome.statuses["POST /webhooks/freshdesk"]) <= {401, 413, 415}


@pytest.mark.slow
def test_without_secrets_generated_bodies_reach_the_parsers(
    make_app: Callable[..., FastAPI],
) -> None:
    outcome = fuzz(make_app(http={"unsigned_webhooks": True}), admin_header)
    assert outcome.failures == []
    for label in ("POST /webhooks/zendesk", "POST /webhooks/freshdesk"):
        assert {202, 400} <= set(outcome.statuses[label]), outcome.statuses[label]
    every = sum(outcome.statuses.values(), Counter())
    assert not [status for status in every if status >= 500], every


def test_an_answer_the_schema_does_not_describe_is_a_failure(
    make_app: Callable[..., FastAPI],
) -> None:
    """The fuzzing can fail: drop the documented 401 and the refusals no longer conform."""
    app = make_app(freshdesk={"webhook_secret": FRESHDESK_WEBHOOK_SECRET})
    document = app.openapi()
    del document["paths"]["/webhooks/freshdesk"]["post"]["responses"]["401"]
    app.openapi_schema = document
    outcome = fuzz(app, admin_header)
    assert any(
        failure.startswith("POST /webhooks/freshdesk") and "401" in failure
        for failure in outcome.failures
    ), outcome.failures


def test_the_schema_describes_webhook_bodies_headers_and_errors(
    make_app: Callable[..., FastAPI],
) -> None:
    document = make_app(zendesk={"webhook_secret": ZENDESK_WEBHOOK_SECRET}).openapi()
    post = document["paths"]["/webhooks/zendesk"]["post"]
    assert "application/json" in post["requestBody"]["content"]
    required = {p["name"] for p in post["parameters"] if p["required"]}
    assert required == {"X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"}
    assert {"202", "400", "401", "413", "415", "503"} <= set(post["responses"])
    freshdesk = document["paths"]["/webhooks/freshdesk"]["post"]
    assert [p["required"] for p in freshdesk["parameters"]] == [False]  # no secret configured
