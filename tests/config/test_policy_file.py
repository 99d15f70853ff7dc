"""The policy file: the shipped example loads; bad files name file, rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.policy_file import PolicyFileError, load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "policy.example.yaml"


def test_the_shipped_example_is_valid() -> None:
    policy = load_policy(EXAMPLE)
    assert policy.policy.name == "skills"
    assert [rule.name for rule in policy.rules][:2] == ["vip-escalation", "refunds-to-billing"]
    assert policy.router().policy.name == "skills"
    assert policy.router().language.detect  # the example reads the language from the text


def test_the_language_section_is_checked_and_reaches_the_router(tmp_path: Path) -> None:
    good = load_policy(write(tmp_path, "language: {detect: true, languages: [de, en]}\n"))
    assert good.router().language.languages == ("de", "en")
    with pytest.raises(PolicyFileError, match=r"language\.languages: .*unknown language code"):
        load_policy(write(tmp_path, "language: {detect: true, languages: [de, german]}\n"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "rules:\n  - name: ok\n    then: {set_group: a}\n"
            "  - name: refunds\n    when: {field: body, regex: '('}\n    then: {set_group: b}\n",
            "policy.yaml: rule 'refunds' (#2): when[0].regex: invalid regular expression '('",
            id="bad-regex-names-rule-and-field",
        ),
        pytest.param(
            "rules:\n  - name: vip\n    then: {set_priority: asap}\n",
            "rule 'vip' (#1): then.set_priority: unknown priority 'asap'",
            id="bad-action-value",
        ),
        pytest.param(
            "rules:\n  - name: x\n    then: {set_colour: red}\n",
            "rule 'x' (#1): then.set_colour: Extra inputs are not permitted",
            id="unknown-action",
        ),
        pytest.param(
            "rules:\n  - then: {set_group: a}\n",
            "rule #1: name: Field required",
            id="unnamed-rule-by-position",
        ),
        pytest.param(
            "policy: {name: fifo}\n",
            "policy: unknown policy 'fifo'",
            id="unknown-policy",
        ),
        pytest.param(
            "queue: {order: [priority, colour]}\n",
            "queue.order[1]: Input should be 'priority', 'sla' or 'age'",
            id="bad-queue-order",
        ),
        pytest.param("rules: [\n", "not valid YAML (line", id="broken-yaml"),
        pytest.param("- just\n- a list\n", "top level must be a mapping", id="wrong-shape"),
    ],
)
def test_invalid_files_are_rejected_with_a_precise_message(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")
