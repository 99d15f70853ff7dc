"""Agent skills written as text, e.g. ``"billing:7 refunds:5 spanish"`` (level 5 by default)."""

from __future__ import annotations

DEFAULT_LEVEL = 5


def parse_skills(text: str | None) -> dict[str, int]:
    """Parse ``name[:level]`` items separated by spaces or commas; bad levels fall back to 5."""
    skills: dict[str, int] = {}
    for item in (text or "").replace(",", " ").split():
        name, _, level = item.partition(":")
        try:
            value = int(level) if level else DEFAULT_LEVEL
        except ValueError:
            value = DEFAULT_LEVEL
        if name:
            skills[name.strip().lower()] = min(10, max(1, value))
    return skills
