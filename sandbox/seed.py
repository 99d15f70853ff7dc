"""Initial contents of the sandbox desk: groups, agents with skills, optional tickets."""

from __future__ import annotations

import random

from sandbox.store import AgentRecord, Desk
from sandbox.texts import CATEGORY_GROUPS, Utterance, pick

FIRST_NAMES = (
    "Ada",
    "Bram",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jun",
    "Kofi",
    "Lena",
    "Mateo",
    "Noor",
    "Oskar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tove",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zeno",
)
LANGUAGES = ("en", "de", "en", "es", "en", "fr")
"""The agents' languages in turn (agent n speaks ``LANGUAGES[n % 6]``): six agents or more
cover every language the sandbox's tickets are written in (``sandbox.texts``)."""
PRIORITIES = (("low", 0.2), ("normal", 0.55), ("high", 0.2), ("urgent", 0.05))
CHANNELS = (("email", 0.6), ("web", 0.25), ("chat", 0.1), ("phone", 0.05))
GROUP_BASE = 360_000_000
AGENT_BASE = 1_100_000_000
REQUESTER_BASE = 9_000_000


def group_names() -> list[str]:
    """The sandbox's groups, one per queue the Bitext categories map to."""
    return sorted(set(CATEGORY_GROUPS.values()))


def seed_desk(desk: Desk, *, agents: int, rng: random.Random) -> None:
    """Create the groups and ``agents`` agents, each in one or two groups with skills."""
    names = group_names()
    for index, name in enumerate(names, start=1):
        desk.add_group(GROUP_BASE + index, name)
    ids = sorted(desk.groups)
    for number in range(agents):
        home = ids[number % len(ids)]
        groups = {home} | ({rng.choice(ids)} if rng.random() < 0.4 else set())
        skills = {desk.groups[g].lower(): rng.randint(3, 9) for g in groups}
        rng.choice(LANGUAGES)  # the draw that chose it once: seeded desks keep their groups
        language = LANGUAGES[number % len(LANGUAGES)]
        if language != "en":
            skills[f"lang_{language}"] = 8
        name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {number + 1:02d}"
        desk.add_agent(
            AgentRecord(
                id=AGENT_BASE + number + 1,
                name=name,
                email=f"agent{number + 1:02d}@sandbox.invalid",
                group_ids=groups,
                skills=skills,
                language=language,
            )
        )


def _weighted(options: tuple[tuple[str, float], ...], rng: random.Random) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def new_ticket(desk: Desk, texts: list[Utterance], rng: random.Random, actor: str) -> int:
    """Create one unassigned ticket from a random utterance; returns its id."""
    utterance = pick(texts, rng)
    subject = utterance.text if len(utterance.text) <= 80 else utterance.text[:77] + "..."
    ticket = desk.create_ticket(
        actor,
        subject=subject,
        description=utterance.text,
        priority=_weighted(PRIORITIES, rng),
        channel=_weighted(CHANNELS, rng),
        type="question" if rng.random() < 0.7 else "problem",
        tags=[tag for tag in (utterance.category.lower(), utterance.intent) if tag],
        requester_id=REQUESTER_BASE + rng.randrange(100_000),
    )
    return ticket.id
