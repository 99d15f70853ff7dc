"""``DESKROUTE_HTTP__ADMIN_PORT``: the admin endpoints, /metrics and the console on a port
of their own, so the port the help desk's webhooks reach exposes nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pydantic import ValidationError

from config.policy_file import PolicyFile
from config.settings import Settings
from sandbox.chaos.replicas import wait_for
from sidecar.service import Sidecar, utc_now
from sidecar.store import Store
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.fakes import FakeClock, FakeDesk
from tests.sidecar.test_service import FAST

ADMIN_ONLY = ["/metrics", "/admin/status", "/decisions/1", "/admin/policy", "/console/queue"]


@pytest.fixture
def split(tmp_path: Path) -> Iterator[tuple[Sidecar, FakeDesk]]:
    desk = FakeDesk(clock=FakeClock())
    desk.clock.now = utc_now()
    desk.add_agent("ann")
    settings = Settings(**{**FAST, "http": {**FAST["http"], "admin_port": 0}},  # type: ignore[arg-type]
                        admin_token=ADMIN_TOKEN)  # fmt: skip
    store = Store.open(f"sqlite:///{tmp_path / 'a.sqlite3'}", "replica-a", utc_now())
    service = Sidecar(settings=settings, connector=desk, store=store, router=PolicyFile().router())
    service.start()
    yield service, desk
    service.stop()


def get(port: int | None, path: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return requests.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=5,
                        allow_redirects=False)  # fmt: skip


def test_the_public_port_takes_webhooks_and_answers_health_only(
    split: tuple[Sidecar, FakeDesk],
) -> None:
    sidecar, desk = split
    assert sidecar.admin_port not in (None, sidecar.port)
    desk.new_ticket("7")
    body = json.dumps({"ticket_id": "7"}).encode()
    hook = requests.post(f"http://127.0.0.1:{sidecar.port}/webhooks/freshdesk", data=body,
                         timeout=5)  # fmt: skip
    assert hook.status_code == 202
    assert wait_for(lambda: desk.tickets["7"].assignee is not None)
    assert get(sidecar.port, "/healthz").status_code == 200
    for path in ADMIN_ONLY:
        assert get(sidecar.port, path).status_code == 404, path


def test_the_admin_port_serves_metrics_admin_and_the_console_but_no_webhooks(
    split: tuple[Sidecar, FakeDesk],
) -> None:
    sidecar, _ = split
    assert get(sidecar.admin_port, "/healthz").status_code == 200
    assert "deskroute_leader" in get(sidecar.admin_port, "/metrics").text
    assert get(sidecar.admin_port, "/admin/status").status_code == 200
    assert get(sidecar.admin_port, "/console/queue").status_code == 200
    hook = requests.post(f"http://127.0.0.1:{sidecar.admin_port}/webhooks/freshdesk",
                         data=b"{}", timeout=5)  # fmt: skip
    assert hook.status_code == 404


def test_one_port_for_both_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="must differ from DESKROUTE_HTTP__PORT"):
        Settings(http={"port": 8080, "admin_port": 8080})  # type: ignore[arg-type]
