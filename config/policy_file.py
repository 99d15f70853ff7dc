"""The YAML routing policy file: which policy, queue order, backlog dealing, VIPs and rules.

An invalid file is rejected with a message that names the file, the rule (by name and
position) and the field, e.g.::

    policy.yaml: rule 'refunds' (#2): when[0].regex: invalid regular expression '(' ...
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from config.yaml_files import parse_yaml, read_yaml
from router.engine import Router
from router.language import LanguageDetection
from router.policies import make_policy
from router.queue import DEFAULT_ORDER, OrderKey
from router.rules import Rule, RuleSet, Vip

DEFAULT_POLICY = "skills_least_loaded"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PolicySpec(_Strict):
    """Which registered policy to use and its parameters."""

    name: str = DEFAULT_POLICY
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _buildable(self) -> PolicySpec:
        make_policy(self.name, **self.params)  # ValueError names the bad name or parameter
        return self


class QueueSpec(_Strict):
    """How waiting tickets are ordered."""

    order: tuple[OrderKey, ...] = DEFAULT_ORDER


class BacklogSpec(_Strict):
    """How a backlog is dealt across agents (``per_round: null`` turns dealing off)."""

    per_round: int | None = Field(1, ge=1)


class PolicyFile(_Strict):
    """The whole file."""

    version: Literal[1] = 1
    policy: PolicySpec = Field(default_factory=PolicySpec)
    queue: QueueSpec = Field(default_factory=QueueSpec)
    backlog: BacklogSpec = Field(default_factory=BacklogSpec)
    vip: Vip = Field(default_factory=Vip)
    language: LanguageDetection = Field(default_factory=LanguageDetection)
    rules: list[Rule] = Field(default_factory=list)

    def ruleset(self) -> RuleSet:
        """The business rules with the VIP lists they refer to."""
        return RuleSet(rules=self.rules, vip=self.vip)

    def fingerprint(self) -> str:
        """A short hash of what the file says (not how it is written: comments, order and
        spacing do not change it), recorded with every decision made under it."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def router(self) -> Router:
        """A router built from this file."""
        return Router(
            policy=make_policy(self.policy.name, **self.policy.params),
            rules=self.ruleset(),
            order=self.queue.order,
            per_round=self.backlog.per_round,
            language=self.language,
            version=self.fingerprint(),
        )


class PolicyFileError(ValueError):
    """The policy file cannot be used; the message names file, rule and field."""


def parse_policy(data: Any, source: str) -> PolicyFile:
    """Validate already-loaded YAML data; ``source`` names the file in error messages."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyFileError(
            f"{source}: the top level must be a mapping, not {type(data).__name__}"
        )
    try:
        return PolicyFile.model_validate(data)
    except ValidationError as error:
        lines = [_describe(item, data, source) for item in error.errors()]
        raise PolicyFileError("\n".join(lines)) from None


def load_policy(path: Path) -> PolicyFile:
    """Read and validate a policy file."""
    return parse_policy(read_yaml(path, PolicyFileError), str(path))


def parse_policy_text(text: str, source: str) -> PolicyFile:
    """Validate a policy file's text (an upload, an edit); ``source`` names it in errors."""
    return parse_policy(parse_yaml(text, source, PolicyFileError), source)


def _describe(item: Any, data: dict[str, Any], source: str) -> str:
    location = [part for part in item["loc"] if part not in ("function-after", "function-before")]
    message = str(item["msg"]).removeprefix("Value error, ")
    prefix = source
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        index = location[1]
        raw = data.get("rules")
        name = None
        if isinstance(raw, list) and index < len(raw) and isinstance(raw[index], dict):
            name = raw[index].get("name")
        prefix += f": rule {name!r} (#{index + 1})" if name else f": rule #{index + 1}"
        location = location[2:]
    field = _path(location)
    return f"{prefix}: {field}: {message}" if field else f"{prefix}: {message}"


def _path(location: list[Any]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part).rstrip("_")
    return text
