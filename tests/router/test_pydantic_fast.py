"""The pydantic adapter: the one module that reaches into pydantic's internals."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pydantic
import pytest

from router.model import Priority, Ticket
from router.pydantic_fast import PYDANTIC_VERSIONS, check_version, copy_of, fields_of
from tests.router.builders import NOW, ticket


def test_the_installed_pydantic_is_one_the_adapter_was_written_for() -> None:
    """Fails on an upgrade until someone checks router/pydantic_fast.py against it."""
    check_version(pydantic.VERSION)


def test_an_unknown_pydantic_version_is_named_with_what_to_check() -> None:
    with pytest.raises(RuntimeError, match=r"written for pydantic .* not 2\.99\.0: check"):
        check_version("2.99.0")


def test_pyproject_pins_pydantic_to_the_versions_the_adapter_knows() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("pydantic==")]
    assert pins == [f"pydantic=={version}" for version in PYDANTIC_VERSIONS]


def test_fields_of_reads_every_field_of_a_model() -> None:
    template = ticket("t1", group="billing", required_skills={"refunds": 3})
    fields = fields_of(template)
    assert fields == {name: getattr(template, name) for name in Ticket.model_fields}


def _copied() -> tuple[Ticket, Ticket]:
    template = ticket("template", group="billing", required_skills={"refunds": 3})
    fields = dict(fields_of(template))
    fields.update(id="t7", priority=Priority.URGENT, created_at=NOW)
    given = template.model_fields_set | {"id", "priority", "created_at"}
    return template, copy_of(Ticket, fields, given)


def test_a_copy_holds_its_own_values_and_the_templates_others() -> None:
    template, copy = _copied()
    assert (copy.id, copy.priority, copy.created_at) == ("t7", Priority.URGENT, NOW)
    assert copy.group == "billing" and copy.required_skills == {"refunds": 3}
    assert template.id == "template"
    assert copy == Ticket.model_validate(copy.model_dump())


def test_model_copy_and_evolve_work_on_a_copy() -> None:
    _, copy = _copied()
    later = NOW + timedelta(minutes=5)
    moved = copy.model_copy(update={"sla_due_at": later})
    assert moved.sla_due_at == later and copy.sla_due_at is None
    assert "sla_due_at" in moved.model_fields_set and "sla_due_at" not in copy.model_fields_set
    evolved = copy.evolve(pool=frozenset({"tier2"}), priority="high")
    assert evolved.pool == {"tier2"} and evolved.priority is Priority.HIGH
    assert evolved.id == "t7" and copy.pool == frozenset()
