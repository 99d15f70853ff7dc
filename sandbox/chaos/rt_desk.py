"""The real Request Tracker the RT chaos run faces: who may log in, and a REST 2 client.

``scripts/rt-server up`` serves RT 5 on 127.0.0.1:8081 and writes its env file (URL,
passwords, deskroute's token). The run uses its own queue, ``Chaos`` (owners: the group
``Chaos Agents`` = alice, bob, dave), so its tickets never meet the integration tests',
which empty Billing and Support.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

STATE_DIR = Path(os.environ.get("RT_STATE_DIR", "/var/tmp/deskroute-rt"))
QUEUE, OWNER_GROUP = "Chaos", "Chaos Agents"
AGENTS = ("alice", "bob", "dave")
"""The members of ``Chaos Agents`` (scripts/rt-server): the people acting on the queue."""
CUSTOMERS, ROUTER = "root", "router"
"""Customers' tickets are written in as root; deskroute's token belongs to ``router``."""
SETUP = "run `scripts/rt-server up` as root (Debian 12 with apt access)"
LOCK_WAIT = 60.0
"""Seconds a run waits for another run to free the Chaos queue before it gives up."""


class RtUnavailableError(RuntimeError):
    """Request Tracker is not set up or not answering; the message says what to do."""


@dataclass(frozen=True)
class RtLogin:
    """Where RT is and the credentials the run uses."""

    url: str
    token: str
    root_password: str
    agent_password: str

    @classmethod
    def from_state(cls, state: Path = STATE_DIR) -> RtLogin:
        """Read ``rt.env`` and the token file that ``scripts/rt-server up`` wrote."""
        env_file = state / "rt.env"
        try:
            env = _env_lines(env_file.read_text())
            token = Path(env["RT_TOKEN_FILE"]).read_text().strip()
            return cls(
                url=env.get("RT_URL", "http://127.0.0.1:8081"),
                token=token,
                root_password=env["RT_ROOT_PASSWORD"],
                agent_password=env["RT_AGENT_PASSWORD"],
            )
        except (OSError, KeyError) as error:
            raise RtUnavailableError(
                f"Request Tracker is not set up ({env_file}: {error}); {SETUP}"
            ) from None


class RtClient:
    """REST 2 as one RT user (basic auth), JSON in and out."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.api, self.user = f"{url.rstrip('/')}/REST/2.0", user
        self.http = requests.Session()
        self.http.auth = (user, password)
        self.http.headers["Content-Type"] = "application/json"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request; an HTTP error raises ``requests.HTTPError``."""
        reply = self.http.request(method, self.api + path, timeout=30, **kwargs)
        reply.raise_for_status()
        return reply.json()

    def search(self, query: str, per_page: int = 100, **params: Any) -> list[dict[str, Any]]:
        """The first page of a TicketSQL search."""
        found = self.call(
            "GET", "/tickets", params={"query": query, "per_page": per_page, **params}
        )
        return list(found.get("items") or [])

    def search_all(self, query: str) -> Iterator[dict[str, Any]]:
        """Every ticket a TicketSQL search finds, by ascending id (keyset paging)."""
        after = 0
        while items := self.search(f"({query}) AND id > {after}", orderby="id", order="ASC"):
            yield from items
            after = int(items[-1]["id"])

    def history(self, ticket_id: int) -> list[dict[str, Any]]:
        """Every transaction of a ticket with the fields the ledger needs."""
        params = {"fields": "Type,Field,OldValue,NewValue,Creator,Created", "per_page": 100}
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.call("GET", f"/ticket/{ticket_id}/history", params={**params, "page": page})
            found += data.get("items") or []
            if len(data.get("items") or []) < 100:
                return found
            page += 1

    def user_name(self, user_id: str) -> str:
        """A user's name from its id."""
        return str(self.call("GET", f"/user/{quote(str(user_id), safe='')}")["Name"])

    def close(self) -> None:
        """Release the connections."""
        self.http.close()


def check_answering(login: RtLogin) -> None:
    """Raise ``RtUnavailableError`` unless RT answers deskroute's token and has the Chaos queue."""
    headers = {"Authorization": f"token {login.token}"}
    try:
        rt = requests.get(f"{login.url}/REST/2.0/rt", headers=headers, timeout=10)
        queue = requests.get(f"{login.url}/REST/2.0/queue/{QUEUE}", headers=headers, timeout=10)
    except requests.RequestException as error:
        raise RtUnavailableError(
            f"Request Tracker is not answering at {login.url} ({type(error).__name__}); {SETUP}"
        ) from None
    if rt.status_code != 200:
        raise RtUnavailableError(
            f"Request Tracker at {login.url} refused deskroute's token "
            f"(HTTP {rt.status_code}); {SETUP}"
        )
    if queue.status_code != 200:
        raise RtUnavailableError(
            f"Request Tracker at {login.url} has no queue {QUEUE!r} that "
            f"deskroute may see (HTTP {queue.status_code}); {SETUP} again"
        )


class QueueLock:
    """One chaos run at a time on the Chaos queue: two would route and empty each other's
    tickets. An exclusive ``flock`` on a file beside RT's state, held for the run."""

    def __init__(self, path: Path = STATE_DIR / "chaos.lock") -> None:
        self.path = path
        self._handle: Any = None

    def acquire(self, wait: float = LOCK_WAIT) -> None:
        """Take the lock, waiting up to ``wait`` seconds; ``RtUnavailableError`` if busy."""
        handle = self.path.open("a")
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._handle = handle
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise RtUnavailableError(
                        f"another chaos run holds the {QUEUE} queue ({self.path}); "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.5)

    def release(self) -> None:
        """Let the next run in."""
        if self._handle is not None:
            self._handle.close()  # closing the file drops the flock
            self._handle = None


def _env_lines(text: str) -> Mapping[str, str]:
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            found[key.strip()] = value.strip().strip('"')
    return found
