"""The one place deskroute reaches into pydantic's internals, for speed on hot paths.

Two shortcuts, both for frozen models whose values were validated once:

- ``fields_of(model)``: the model's field values by name (its instance ``__dict__``),
  read without an attribute lookup per field (the simulator and the queue key read
  several fields of every ticket);
- ``copy_of(model, fields, fields_set)``: a new instance of the model's class holding
  ``fields``, built through the four slot descriptors every pydantic model has
  (``__dict__``, ``__pydantic_extra__``, ``__pydantic_fields_set__``,
  ``__pydantic_private__``): ``model_copy(update=...)`` without its generic machinery.

Both depend on how pydantic stores a model, which is not public. They were written for
the versions in ``PYDANTIC_VERSIONS`` (pinned in pyproject.toml); on any other version
``copy_of`` falls back to the public ``model_construct`` and ``fields_of`` to reading each
field, and ``tests/router/test_pydantic_fast.py`` fails, naming the version, until
someone checks the layout and adds it here.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

import pydantic
from pydantic import BaseModel

PYDANTIC_VERSIONS = ("2.14.4",)
"""The pydantic releases these shortcuts were written and checked for."""

KNOWN = pydantic.VERSION in PYDANTIC_VERSIONS
"""True when the installed pydantic is one of ``PYDANTIC_VERSIONS``."""

Model = TypeVar("Model", bound=BaseModel)


def check_version(version: str = pydantic.VERSION) -> None:
    """Raise a RuntimeError naming ``version`` when the shortcuts were not written for it."""
    if version not in PYDANTIC_VERSIONS:
        raise RuntimeError(
            f"router/pydantic_fast.py was written for pydantic {', '.join(PYDANTIC_VERSIONS)}, "
            f"not {version}: check that models still keep their fields in __dict__ and the "
            "four slots it sets, then add the version to PYDANTIC_VERSIONS"
        )


def _fields_by_name(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}


fields_of: Callable[[BaseModel], dict[str, Any]] = (
    attrgetter("__dict__") if KNOWN else _fields_by_name  # a C-level getter: no Python call
)
"""``fields_of(model)``: the model's field values by name (read-only: never change it)."""


if KNOWN:
    _new = object.__new__
    _SLOTS = BaseModel.__dict__
    _set_fields = _SLOTS["__dict__"].__set__
    _set_extra = _SLOTS["__pydantic_extra__"].__set__
    _set_fields_set = _SLOTS["__pydantic_fields_set__"].__set__
    _set_private = _SLOTS["__pydantic_private__"].__set__


def copy_of(model_type: type[Model], fields: dict[str, Any], fields_set: set[str]) -> Model:
    """An instance of ``model_type`` holding ``fields`` (every field, already valid), which
    it keeps (pass a fresh dict), with ``fields_set`` as the fields given (shared by copies:
    a frozen model never changes it, and ``model_copy`` copies it first)."""
    if not KNOWN:
        return model_type.model_construct(fields_set, **fields)
    model: Model = _new(model_type)
    _set_fields(model, fields)
    _set_extra(model, None)
    _set_fields_set(model, fields_set)
    _set_private(model, None)
    return model
