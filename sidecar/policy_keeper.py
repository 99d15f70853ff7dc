"""Which policy the leader routes by, and changing it live (SIGHUP, the admin API, the
console) without a restart.

The store keeps every applied policy (``deskroute_policies``); the newest is active on
every replica: the leader compares its version on each roster read and takes a newer one.
At start the configured file wins when it changed since it was last recorded; otherwise a
policy applied live stays active (a restart does not undo the console). A file that does
not parse, or names skills, groups or agents nobody on the roster has, never replaces the
active policy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from config.policy_file import PolicyFileError
from sidecar.pipeline import Pipeline
from sidecar.policy_change import PolicyDraft, WhatIf, draft_policy, policy_diff, what_if
from sidecar.store import Store, StoredPolicy

log = logging.getLogger("deskroute.sidecar")
DEFAULT_TEXT = "# the default policy: no DESKROUTE_POLICY_FILE is set\n"
WHAT_IF_TICKETS = 2000
"""Most recent tickets a what-if re-decides (the newest ones)."""


class PolicyRefusedError(ValueError):
    """The policy cannot be applied; ``problems`` says why, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    """What applying a policy file would do."""

    draft: PolicyDraft
    diff: str
    whatif: WhatIf
    days: float


class PolicyKeeper:
    """Keeps the pipeline's router on the active policy; applies new ones."""

    def __init__(
        self,
        *,
        store: Store,
        pipeline: Pipeline,
        path: Path | None,
        clock: Callable[[], datetime],
        work: threading.Lock,
    ) -> None:
        self.store, self.pipeline, self.path, self.clock = store, pipeline, path, clock
        self._work = work
        self._synced = False
        self._warned: set[str] = set()

    # --- following the store --------------------------------------------------------

    def follow(self) -> None:
        """On the leader, at each roster read: record the file on first use, take a policy
        another replica applied, warn once per version about names nobody has."""
        if not self._synced:
            self._sync_with_file()
            self._synced = True
        active = self.store.policies.active_version()
        if active is not None and active != self.pipeline.router.version:
            stored = self.store.policies.active()
            if stored is not None:
                draft = self._draft(stored.text, f"policy {stored.version}")
                self._swap(draft, stored)
        self._warn_unknown_names()

    def _sync_with_file(self) -> None:
        text = self._file_text()
        file_version = draft_policy(text, self._source(), ()).version
        stored = self.store.policies.active()
        if stored is None or stored.file_version != file_version:
            self._record(text, file_version, "file", file_version)
            return
        if stored.version != self.pipeline.router.version:
            log.warning(
                "routing by policy %s applied live (%s at %s), not by the unchanged file; "
                "SIGHUP or the console replaces it", stored.version, stored.source,
                stored.applied_at.isoformat(timespec="seconds"),
            )  # fmt: skip

    def _warn_unknown_names(self) -> None:
        version = self.pipeline.router.version
        if version in self._warned or not self.pipeline.agents:
            return
        self._warned.add(version)
        stored = self.store.policies.active()
        if stored is None:
            return
        for problem in self._draft(stored.text, "the active policy").problems:
            log.warning("active policy %s: %s; its tickets wait", version, problem.message())

    # --- changing it ----------------------------------------------------------------

    def check(self, text: str, days: float = 7.0) -> PolicyCheck:
        """Validate ``text`` against the live roster, diff it with the active policy and
        re-decide the last ``days`` of decided tickets under both (raises
        ``PolicyFileError`` when it does not parse)."""
        draft = self._draft(text, "the new policy")
        active = self.store.policies.active()
        since = self.clock() - timedelta(days=days)
        recent = self.store.decisions.decided_since(since, WHAT_IF_TICKETS)
        router = self.pipeline.router
        result = what_if(router, draft.router(router), recent, self.pipeline.agents)
        return PolicyCheck(draft, policy_diff(active.text if active else "", text), result, days)

    def apply(self, text: str, source: str) -> StoredPolicy:
        """Make ``text`` the active policy on every replica; raises ``PolicyRefusedError``
        (nothing changes) when it does not parse or names what nobody has."""
        try:
            draft = self._draft(text, "the new policy")
        except PolicyFileError as error:
            raise PolicyRefusedError(str(error).splitlines()) from None
        if draft.problems:
            raise PolicyRefusedError([problem.message() for problem in draft.problems])
        file_version = draft_policy(self._file_text(), self._source(), ()).version
        stored = self._record(text, draft.version, source, file_version)
        with self._work:
            self._swap(draft, stored)
        return stored

    def reload_file(self) -> StoredPolicy | None:
        """SIGHUP: apply the configured file again; a bad one is logged and changes nothing."""
        if self.path is None:
            log.warning("SIGHUP: no DESKROUTE_POLICY_FILE is set; the policy stays as it is")
            return None
        try:
            stored = self.apply(self._file_text(), "file")
        except (PolicyRefusedError, PolicyFileError) as error:
            log.error("SIGHUP: %s was not applied, the active policy stays: %s", self.path, error)
            return None
        log.info("SIGHUP: routing by %s, policy %s", self.path, stored.version)
        return stored

    # --- helpers ----------------------------------------------------------------------

    def _draft(self, text: str, source: str) -> PolicyDraft:
        return draft_policy(text, source, self.pipeline.agents)

    def _record(self, text: str, version: str, source: str, file_version: str) -> StoredPolicy:
        return self.store.policies.record(
            text=text, version=version, source=source, file_version=file_version,
            now=self.clock(),
        )  # fmt: skip

    def _swap(self, draft: PolicyDraft, stored: StoredPolicy) -> None:
        """Route by ``draft`` from the next pass (the caller holds the work lock: no
        routing pass is half done under the old policy)."""
        if self.pipeline.router.version == draft.version:
            return
        self.pipeline.router = draft.router(self.pipeline.router)
        log.info(
            "policy %s is active (%s, %s)", stored.version, stored.source,
            stored.applied_at.isoformat(timespec="seconds"),
        )  # fmt: skip

    def _file_text(self) -> str:
        if self.path is None:
            return DEFAULT_TEXT
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError as error:
            raise PolicyFileError(f"{self.path}: cannot read: {error.strerror}") from None

    def _source(self) -> str:
        return str(self.path) if self.path else "the default policy"
