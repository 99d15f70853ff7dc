"""``deskroute run``: exit code 2 naming what is wrong; the router it builds from settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.model_files import save_model
from config.settings import Settings
from router.classify.train import TrainingOptions, train_model
from router.model import Ticket
from sidecar.compose import router_from_settings
from tests.classify.conftest import topic_corpus
from tests.leak_guard import observe
from tests.secret_values import ZENDESK_API_TOKEN
from tests.sidecar.fakes import T0

ZENDESK = {
    "DESKROUTE_HELPDESK": "zendesk",
    "DESKROUTE_ZENDESK__BASE_URL": "http://127.0.0.1:9",
    "DESKROUTE_ZENDESK__EMAIL": "a@b.invalid",
    "DESKROUTE_ZENDESK__API_TOKEN": ZENDESK_API_TOKEN,
}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param({"DESKROUTE_HTTP__PORT": "eighty"}, "DESKROUTE_HTTP__PORT", id="port"),
        pytest.param({"DESKROUTE_LEASE__TTL_SECONDS": "-1"}, "DESKROUTE_LEASE__TTL_SECONDS",
                     id="negative-ttl"),
        pytest.param({"DESKROUTE_HELPDESK": "jira"}, "DESKROUTE_HELPDESK", id="unknown-desk"),
        pytest.param({"DESKROUTE_HELPDESK": "zendesk"}, "DESKROUTE_ZENDESK__SUBDOMAIN",
                     id="missing-credentials"),
        pytest.param({"DESKROUTE_HELPDESK": "freshdesk", "DESKROUTE_FRESHDESK__DOMAIN": "x",
                      "DESKROUTE_DATABASE_URL": "nosuchdb://x"}, "DESKROUTE_FRESHDESK__API_KEY",
                     id="freshdesk-without-key"),
        pytest.param({**ZENDESK, "DESKROUTE_DATABASE_URL": "nosuchdb://x"},
                     "DESKROUTE_DATABASE_URL", id="bad-database-url"),
        pytest.param({**ZENDESK, "DESKROUTE_DATABASE_URL": "sqlite:////nonexistent/dir/s.db"},
                     "DESKROUTE_DATABASE_URL", id="unopenable-sqlite-file"),
        pytest.param({"DESKROUTE_POLICY_FILE": "/nonexistent/policy.yaml"}, "policy",
                     id="missing-policy-file"),
        pytest.param({**ZENDESK, "DESKROUTE_SIDECAR__CLASSIFIER_MODELS": "/nonexistent/m.npz"},
                     "DESKROUTE_SIDECAR__CLASSIFIER_MODELS", id="missing-model-file"),
    ],
)  # fmt: skip
def test_bad_configuration_exits_2_naming_the_problem(env: dict[str, str], named: str) -> None:
    result = CliRunner().invoke(app, ["run"], env=env)
    observe("deskroute run", result.output)
    assert result.exit_code == 2, result.output
    assert named in result.output


def test_the_sidecar_router_uses_the_configured_triage_models(tmp_path: Path) -> None:
    texts, labels = topic_corpus()
    model = train_model(texts, labels, "group", TrainingOptions(), None).model
    save_model(model, tmp_path / "group.npz")
    settings = Settings(sidecar={"classifier_models": f"{tmp_path / 'group.npz'}"})
    router = router_from_settings(settings)
    ticket = Ticket(id="1", subject="refund my money asap", created_at=T0)
    enriched, _ = router.enrich(ticket, T0)
    assert enriched.predictions["group"].label == "billing"
    assert router_from_settings(Settings()).classifier is None
