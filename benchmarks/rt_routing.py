"""RT routing cost: HTTP requests, writes and wall time per ticket routed in a real RT 5.

Creates tickets in the Billing queue of the server ``scripts/rt-server up`` set up, routes
them with the sidecar's pipeline and writer (SQLite store), and reads the connector's
``Transport.stats``. The baseline is the least an RT write can do — no first-message read,
no comment: read, set owner, read back — run in the same process on the same number of
tickets. Ends with one RESULT line for the default configuration.

    sudo scripts/rt-server up && .venv/bin/python benchmarks/rt_routing.py [--tickets 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from random import Random

import requests
from pydantic import SecretStr

from config.policy_file import PolicyFile
from config.settings import RtSettings, Settings
from connectors.rt import from_settings
from sidecar.metrics import Metrics
from sidecar.pipeline import Pipeline
from sidecar.store import Store
from sidecar.writer import Writer

STATE = Path("/var/tmp/deskroute-rt")


def now() -> datetime:
    """The sidecar's clock: real time, as RT's timestamps are."""
    return datetime.now(UTC)


def server() -> dict[str, str]:
    """URL, token and root password written by scripts/rt-server."""
    env = dict(line.split("=", 1) for line in (STATE / "rt.env").read_text().splitlines())
    env["TOKEN"] = Path(env["RT_TOKEN_FILE"]).read_text().strip()
    return env


def last_ticket_id(rt: dict[str, str]) -> str:
    """The newest ticket's id: polling starts after it, so older leftovers stay out."""
    reply = requests.get(
        f"{rt['RT_URL']}/REST/2.0/tickets",
        auth=("root", rt["RT_ROOT_PASSWORD"]),
        params={"query": "id > 0", "orderby": "id", "order": "DESC", "per_page": "1"},
        timeout=30,
    ).json()
    return str(reply["items"][0]["id"]) if reply["items"] else "0"


def create_tickets(rt: dict[str, str], count: int) -> list[str]:
    """Open ``count`` tickets in Billing as a customer would (through root)."""
    api = f"{rt['RT_URL']}/REST/2.0/ticket"
    auth = ("root", rt["RT_ROOT_PASSWORD"])
    body = {"Queue": "Billing", "Requestor": "bench@example.com", "ContentType": "text/plain"}
    return [
        str(
            requests.post(
                api,
                json={**body, "Subject": f"bench {n}", "Content": "refund?"},
                auth=auth,
                timeout=30,
            ).json()["id"]
        )
        for n in range(count)
    ]


def resolve(rt: dict[str, str], ids: list[str]) -> None:
    """Take the benchmark's tickets out of everyone's load again."""
    auth = ("root", rt["RT_ROOT_PASSWORD"])
    for ticket_id in ids:
        requests.put(
            f"{rt['RT_URL']}/REST/2.0/ticket/{ticket_id}",
            json={"Status": "resolved"},
            auth=auth,
            timeout=30,
        )


def route(rt: dict[str, str], count: int, **options: object) -> dict[str, float]:
    """Create ``count`` tickets and route them in one sidecar round; returns the costs."""
    cursor = last_ticket_id(rt)
    ids = create_tickets(rt, count)
    config = RtSettings.model_validate(
        {
            "base_url": rt["RT_URL"],
            "token": SecretStr(rt["TOKEN"]),
            "queues": ("Billing",),
            "owner_groups": ("Billing Agents",),
            "max_load": 1000,
            **options,
        }
    )
    settings = Settings(helpdesk="rt", rt=config)
    connector = from_settings(config)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{folder}/bench.sqlite3", "bench", now())
        metrics = Metrics()
        store.tickets.save_cursor(connector.name, cursor, now())
        pipeline = Pipeline(
            connector=connector,
            store=store,
            router=PolicyFile().router(),
            settings=settings,
            clock=now,
            rng=Random(1),
            metrics=metrics,
        )
        writer = Writer(
            connector=connector, store=store, settings=settings.writer, clock=now, metrics=metrics
        )
        started = time.perf_counter()
        pipeline.refresh_roster()
        pipeline.poll()
        pipeline.route()
        while writer.flush().sent:
            pass
        seconds = time.perf_counter() - started
        routed = store.tickets.counts().get("assigned", 0)
        store.close()
    resolve(rt, ids)
    stats = connector.transport.stats
    return {
        "routed": routed,
        "seconds": seconds,
        "requests": stats.requests / count,
        "writes": stats.writes / count,
        "per_s": routed / seconds,
    }


def main() -> None:
    """Run the minimal baseline and the default configuration; print both and a RESULT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=40)
    count = parser.parse_args().tickets
    rt = server()
    baseline = route(rt, count, read_body=False, comment=False)
    default = route(rt, count)
    for name, run in (("minimal (no body, no comment)", baseline), ("default", default)):
        print(
            f"{name:30} routed {run['routed']:.0f}/{count} in {run['seconds']:.2f}s  "
            f"{run['requests']:.2f} requests/ticket  {run['writes']:.2f} writes/ticket  "
            f"{run['per_s']:.1f} tickets/s"
        )
    print(
        f"RESULT requests_per_ticket={default['requests']:.2f} "
        f"writes_per_ticket={default['writes']:.2f} tickets_per_s={default['per_s']:.1f} "
        f"vs_minimal={default['seconds'] / baseline['seconds']:.2f}"
    )


if __name__ == "__main__":
    main()
