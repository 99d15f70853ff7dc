"""Traffic: Bitext texts, agents with skills, availability changes and humans reassigning."""

from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path

import pytest

from config.datasets import default_data_dir
from sandbox.core import SandboxOptions
from sandbox.seed import new_ticket, seed_desk
from sandbox.store import Desk
from sandbox.texts import SAMPLE, foreign_texts, load_texts, mixed
from sandbox.traffic import Humans, TrafficGenerator, TrafficRates


@pytest.fixture
def humans() -> Humans:
    desk = Desk()
    seed_desk(desk, agents=8, rng=random.Random(1))
    return Humans(desk, load_texts(), random.Random(2))


def test_bundled_sample_travels_with_its_licence() -> None:
    assert (SAMPLE.parent / "LICENSE").read_text().startswith("Community Data License")
    assert "CDLA-Sharing-1.0" in (SAMPLE.parent / "SOURCE.md").read_text()
    assert len(load_texts()) == 324


def test_texts_from_a_directory_of_bitext_csvs(tmp_path: Path) -> None:
    (tmp_path / "Bitext_x.csv").write_text(
        "utterance,intent,entity_type,entity_value,start_offset,end_offset,category,tags\n"
        "where is my parcel,track_order,,,,,ORDER,B\n"
    )
    (text,) = load_texts(tmp_path)
    assert (text.text, text.group) == ("where is my parcel", "Orders")
    with pytest.raises(FileNotFoundError):
        load_texts(tmp_path / "nothing-here")


def test_agents_have_groups_and_skills_named_after_them(humans: Humans) -> None:
    for agent in humans.desk.agents.values():
        assert agent.group_ids
        names = {humans.desk.groups[g].lower() for g in agent.group_ids}
        assert names <= set(agent.skills)


def test_new_tickets_carry_bitext_category_and_intent(humans: Humans) -> None:
    ticket = humans.desk.ticket(humans.new_ticket())
    assert ticket.assignee_id is None and ticket.status == "new"
    assert len(ticket.tags) == 2 and ticket.description


def test_humans_reassign_to_a_colleague_in_the_group(humans: Humans) -> None:
    desk = humans.desk
    ticket = desk.ticket(humans.new_ticket())
    agent = next(iter(desk.agents.values()))
    group = min(agent.group_ids)
    desk.update_ticket(ticket.id, {"assignee_id": agent.id, "group_id": group}, "api:bot")
    assert humans.reassign(ticket.id) == ticket.id
    assert ticket.assignee_id != agent.id
    assert group in desk.agents[ticket.assignee_id].group_ids
    assert desk.audit[-1]["actor"].startswith("human:")


def test_unassigned_tickets_are_not_reassigned(humans: Humans) -> None:
    assert humans.reassign(humans.new_ticket()) is None
    assert humans.reassign() is None  # nothing assigned anywhere yet


def test_humans_take_an_unassigned_ticket_within_its_group(humans: Humans) -> None:
    desk = humans.desk
    ticket = desk.ticket(humans.new_ticket())
    assert humans.take(ticket.id) == ticket.id
    assert ticket.assignee_id is not None and ticket.status == "open"
    if ticket.group_id is not None:
        assert ticket.group_id in desk.agents[ticket.assignee_id].group_ids
    assert desk.audit[-1]["actor"].startswith("human:")
    assert humans.take(ticket.id) is None  # already taken
    assert humans.take() is None  # nothing unassigned is left


def test_availability_toggles(humans: Humans) -> None:
    agent_id = humans.toggle_availability()
    assert agent_id is not None and humans.desk.agents[agent_id].available is False
    assert humans.desk.audit[-1]["event"] == "agent.availability_changed"


def test_steps_follow_the_rates(humans: Humans) -> None:
    generator = TrafficGenerator(humans, random.Random(3))
    generator.rates = TrafficRates(tickets_per_minute=60)
    for _ in range(25):
        generator.step()
    assert len(humans.desk.tickets) == 25


def test_generator_thread_runs_until_stopped(humans: Humans) -> None:
    ticks = threading.Semaphore(0)

    def wait(event: threading.Event, seconds: float) -> bool:
        ticks.release()
        return event.wait(0.001)

    generator = TrafficGenerator(humans, random.Random(4), wait=wait)
    generator.start(TrafficRates(tickets_per_minute=600))
    for _ in range(5):
        assert ticks.acquire(timeout=5)
    generator.stop()
    assert not generator.running and generator.events >= 4


def test_a_reply_answers_an_assigned_ticket_publicly(humans: Humans) -> None:
    assert humans.reply() is None  # nothing assigned yet
    ticket_id = humans.new_ticket()
    agent = next(iter(humans.desk.agents))
    group = min(humans.desk.agents[agent].group_ids)
    humans.desk.update_ticket(ticket_id, {"assignee_id": agent, "group_id": group}, "human:x")
    assert humans.reply() == ticket_id
    ticket = humans.desk.ticket(ticket_id)
    assert ticket.first_reply_at is not None and ticket.notes[-1].private is False


def test_a_share_of_the_texts_is_german_spanish_or_french_from_a_licensed_sample() -> None:
    foreign = foreign_texts()
    assert [u.language for u in foreign[:6]] == ["de", "es", "fr"] * 2  # taking turns
    assert all(len(u.text.split()) >= 6 and u.group == "General" for u in foreign)
    source = default_data_dir() / "django-translations"
    assert "BSD" in (source / "SOURCE.md").read_text() and (source / "LICENSE").exists()
    texts = mixed(load_texts(), foreign, 0.2)
    shares = Counter(u.language for u in texts)
    assert shares["en"] == 324 and sum(shares.values()) - 324 == 81  # 81 / 405 = 20%
    assert {shares["de"], shares["es"], shares["fr"]} == {27}
    assert mixed(load_texts(), foreign, 0.0) == load_texts()


def test_sandbox_tickets_never_say_their_language() -> None:
    desk = Desk()
    rng = random.Random(5)
    ticket = desk.ticket(new_ticket(desk, foreign_texts(), rng, "customer"))
    assert not hasattr(ticket, "language") and ticket.tags == ["contact"]


def test_six_agents_speak_every_language_the_tickets_are_written_in() -> None:
    desk = Desk()
    seed_desk(desk, agents=6, rng=random.Random(1))
    assert {a.language for a in desk.agents.values()} == {"en", "de", "es", "fr"}


@pytest.mark.parametrize("share", [pytest.param(-0.1, id="negative"), pytest.param(1.0, id="all")])
def test_a_foreign_share_must_leave_some_english(share: float) -> None:
    with pytest.raises(ValueError, match="foreign_share"):
        SandboxOptions(foreign_share=share)
