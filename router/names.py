"""Names a person typed, checked against the known ones: the closest matches for a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.75
"""How alike (difflib's ratio) a typed name and a known one must be to be suggested."""


def suggestions(name: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """Known names ``name`` may have meant: the same name in another case, else close
    spellings, else the names having it as an ``_``-separated part (``gini`` ->
    ``fairness_gini``, ``count_gini``), best first."""
    folded: dict[str, str] = {}
    for choice in sorted(known):
        folded.setdefault(choice.casefold(), choice)
    typed = name.casefold()
    if typed in folded:
        return [folded[typed]]
    close = difflib.get_close_matches(typed, list(folded), n=limit, cutoff=CUTOFF)
    if close:
        return [folded[match] for match in close]
    parts = [folded[f] for f in folded if typed and typed in f.split("_")]
    return parts[:limit]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The best of ``suggestions``, if any."""
    found = suggestions(name, known, limit=1)
    return found[0] if found else None


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """``unknown policy 'skils'; did you mean skills? (known: ...)``."""
    names = list(known)
    hint = suggestions(name, names)
    meant = f"; did you mean {' or '.join(hint)}?" if hint else ""
    return f"unknown {kind} {name!r}{meant} (known: {', '.join(names)})"
