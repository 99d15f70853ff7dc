"""The Policy page in a real browser against a running sidecar on the sandbox: a lead pastes
a new policy, checks it (diff and what-if by name), fixes a typo the check names, applies
it, and the next ticket is decided under it. With ``DESKROUTE_SCREENSHOTS`` set the run
saves ``console-policy.png``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.console.conftest import RunningConsole, log_in, routed, screenshot
from tests.sidecar.test_service import wait_for

pytestmark = pytest.mark.slow
ROUND_ROBIN = "policy:\n  name: round_robin\n"
TYPO = (
    ROUND_ROBIN + "rules:\n  - name: vip\n    when: [{field: priority, equals: urgent}]\n"
    "    then: {escalate_to: [tier-9]}\n"
)


@pytest.fixture(scope="module")
def console(running_console: RunningConsole) -> RunningConsole:
    """Eight tickets routed under the default policy."""
    sidecar = running_console.sidecar
    assert wait_for(lambda: len(sidecar.pipeline.agents) == 4, seconds=20)
    routed(running_console, 8)
    return running_console


def test_a_lead_checks_fixes_and_applies_a_policy_without_a_restart(
    page: Page, console: RunningConsole
) -> None:
    log_in(page, console, "/console/policy")
    page.fill("textarea[name=text]", TYPO)
    page.get_by_role("button", name="Apply").click()
    assert "no agent has the group or agent 'tier-9'" in page.locator("#errors").inner_text()
    page.fill("textarea[name=text]", ROUND_ROBIN)
    page.get_by_role("button", name="Check").click()
    check = page.locator("#check").inner_text()
    assert "Valid against the live roster." in check
    assert "+  name: round_robin" in check
    assert "of 8 tickets would go elsewhere" in check
    assert "Ada 01" in check  # picks per agent, by name
    screenshot(page, "policy")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/console/policy?applied=*")
    assert "is active" in page.locator("#applied").inner_text()
    version = page.url.rsplit("=", 1)[1]
    assert wait_for(lambda: console.sidecar.pipeline.router.version == version, seconds=10)
    routed(console, 1)
    latest = console.sidecar.store.decisions.recent(1)[0]
    history = console.sidecar.store.decisions.history(str(latest["ticket"]))
    assert history[-1]["policy_version"] == version
