"""A sandbox on a loopback port shared by this package's API tests, and request helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox import SandboxHandle, start_sandbox


@pytest.fixture(scope="package")
def desk() -> Iterator[SandboxHandle]:
    # no search or export lag and a bulk update that honours safe updates: these tests
    # are about wire shapes; the realistic defaults have tests of their own (test_realism)
    with start_sandbox(
        tickets=30,
        agents=6,
        job_delay=0.01,
        rate_limits=False,
        page_wall=3,
        search_lag=0,
        export_lag=0,
        bulk_safe_update=True,
    ) as handle:
        yield handle


@pytest.fixture
def zd(desk: SandboxHandle) -> requests.Session:
    session = requests.Session()
    session.auth = (f"{desk.email}/token", desk.api_token)
    return session


@pytest.fixture
def fd(desk: SandboxHandle) -> requests.Session:
    session = requests.Session()
    session.auth = (desk.api_key, "X")
    return session
