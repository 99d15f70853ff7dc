"""A real Request Tracker 5 on loopback (``scripts/rt-server up``) and a root-side helper.

Without the server these tests are skipped with the reason; under CI (``CI=true``) they
fail instead, because CI must prove the connector against the real thing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests
from pydantic import SecretStr

from config.settings import RtSettings

STATE_DIR = Path(os.environ.get("RT_STATE_DIR", "/var/tmp/deskroute-rt"))
QUEUES = ("Billing", "Support")
BILLING_OWNERS = frozenset({"alice", "bob"})  # group "Billing Agents"
SUPPORT_OWNERS = frozenset({"bob", "dave"})  # the Support queue's AdminCc watchers


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail under CI where the server must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the RT integration tests must run)", pytrace=False)
    pytest.skip(reason)


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines as written by scripts/rt-server (values may be double-quoted)."""
    found = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            found[key.strip()] = value.strip().strip('"')
    return found


@dataclass(frozen=True)
class RtServer:
    """Where the test server is and how to act on it."""

    url: str
    token: str
    root_password: str

    def settings(self, **overrides: Any) -> RtSettings:
        """Connector settings for this server: both queues, Billing owned by its group."""
        values: dict[str, Any] = {
            "base_url": self.url,
            "token": SecretStr(self.token),
            "queues": QUEUES,
            "owner_groups": ("Billing=Billing Agents",),
        }
        return RtSettings.model_validate({**values, **overrides})


@pytest.fixture(scope="session")
def rt_server() -> RtServer:
    """The running server, or a skip (a failure under CI) saying what is missing."""
    env_file = STATE_DIR / "rt.env"
    hint = "run `scripts/rt-server up` as root (Debian 12 with apt access)"
    try:
        env = read_env_file(env_file)
        token = Path(env["RT_TOKEN_FILE"]).read_text().strip()
    except (OSError, KeyError) as error:
        unavailable(f"Request Tracker is not set up ({env_file}: {error}); {hint}")
    url = env.get("RT_URL", "http://127.0.0.1:8081")
    try:
        reply = requests.get(
            f"{url}/REST/2.0/rt", timeout=10, headers={"Authorization": f"token {token}"}
        )
    except requests.RequestException as error:
        unavailable(f"Request Tracker is not answering at {url} ({type(error).__name__}); {hint}")
    if reply.status_code != 200:
        unavailable(f"Request Tracker at {url} refused the test token (HTTP {reply.status_code})")
    return RtServer(url=url, token=token, root_password=env["RT_ROOT_PASSWORD"])


class RtDesk:
    """Root's side of RT: create tickets, act as a human, read back what happened."""

    def __init__(self, server: RtServer) -> None:
        self.api = f"{server.url}/REST/2.0"
        self.http = requests.Session()
        self.http.auth = ("root", server.root_password)
        self.http.headers["Content-Type"] = "application/json"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = self.http.request(method, f"{self.api}{path}", timeout=30, **kwargs)
        reply.raise_for_status()
        return reply.json()

    def create(
        self, queue: str, subject: str, body: str = "", priority: int = 50, **fields: Any
    ) -> str:
        """A new ticket from a customer; returns its id."""
        payload = {
            "Queue": queue,
            "Subject": subject,
            "Requestor": "customer@example.com",
            "Content": body or subject,
            "ContentType": "text/plain",
            "Priority": priority,
            **fields,
        }
        return str(self._call("POST", "/ticket", json=payload)["id"])

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """The ticket as RT has it now."""
        data: dict[str, Any] = self._call("GET", f"/ticket/{ticket_id}")
        return data

    def owner(self, ticket_id: str) -> str:
        """The owner's name (``Nobody`` when unowned)."""
        return str(self.ticket(ticket_id)["Owner"]["id"])

    def update(self, ticket_id: str, **fields: Any) -> list[str]:
        """Change the ticket as a human would; returns RT's messages."""
        messages: list[str] = self._call("PUT", f"/ticket/{ticket_id}", json=fields)
        return messages

    def history(self, ticket_id: str) -> list[dict[str, Any]]:
        """Every transaction on the ticket, oldest first."""
        params = {"fields": "Type,Field,OldValue,NewValue,Creator", "per_page": 100}
        items: list[dict[str, Any]] = self._call(
            "GET", f"/ticket/{ticket_id}/history", params=params
        )["items"]
        return items

    def owner_changes(self, ticket_id: str) -> int:
        """How many times the owner was set."""
        return sum(
            1
            for t in self.history(ticket_id)
            if t["Type"] in {"Set", "Give", "Take", "Steal"} and t.get("Field") == "Owner"
        )

    def comments(self, ticket_id: str) -> list[str]:
        """The text of every comment on the ticket."""
        found = []
        for transaction in self.history(ticket_id):
            if transaction["Type"] != "Comment":
                continue
            params = {"fields": "Content,ContentType"}
            parts = self._call(
                "GET", f"/transaction/{transaction['id']}/attachments", params=params
            )["items"]
            found += [p["Content"] for p in parts if p["ContentType"].startswith("text/plain")]
        return found

    def clear(self, queues: tuple[str, ...] = QUEUES) -> None:
        """Resolve every active ticket in ``queues``: each test starts with empty queues."""
        names = " OR ".join(f"Queue = '{queue}'" for queue in queues)
        params = {"query": f"({names}) AND Status = '__Active__'", "per_page": 100}
        while items := self._call("GET", "/tickets", params=params)["items"]:
            for item in items:
                self.update(item["id"], Status="resolved")


@pytest.fixture
def desk(rt_server: RtServer) -> Iterator[RtDesk]:
    """Root's helper, with the routed queues emptied before the test."""
    helper = RtDesk(rt_server)
    helper.clear()
    yield helper
    helper.http.close()
