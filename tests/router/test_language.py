"""Language detection: fills a ticket's language from its text and drives language matching."""

from __future__ import annotations

from random import Random

import pytest
from pydantic import ValidationError

from router.decision import Assignment
from router.engine import Router
from router.language import LanguageDetection
from router.policies import make_policy
from router.roster import Roster
from tests.router.builders import NOW, agent, ticket

GERMAN = "Hallo, meine Bestellung ist noch nicht angekommen. Wo ist mein Paket?"
FRENCH = "Bonjour, ma commande n'est toujours pas arrivée. Où est mon colis ?"
ENGLISH = "Hello, my order still has not arrived. Where is my parcel?"

DETECT = LanguageDetection(detect=True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(GERMAN, "de", id="german"),
        pytest.param(FRENCH, "fr", id="french"),
        pytest.param(ENGLISH, "en", id="english"),
    ],
)
def test_a_ticket_without_a_language_gets_the_detected_one(body: str, expected: str) -> None:
    enriched = DETECT.apply(ticket(body=body))
    assert enriched.language == expected
    assert enriched.predictions["language"].label == expected
    assert enriched.predictions["language"].confidence >= 0.8
    assert enriched.context[0].startswith(f"language: {expected} (")
    assert enriched.context[0].endswith(", detected")


def test_the_help_desks_language_is_kept_unless_override_is_set() -> None:
    said_english = ticket(body=GERMAN, language="en")
    kept = DETECT.apply(said_english)
    assert kept.language == "en" and "language" not in kept.predictions
    assert kept.context == ("language: en, from the help desk",)
    replaced = LanguageDetection(detect=True, override=True).apply(said_english)
    assert replaced.language == "de"
    assert replaced.context[0].endswith("detected (the help desk said en)")


def test_an_unsure_detection_leaves_the_language_unset_and_says_so() -> None:
    unsure = LanguageDetection(detect=True, min_confidence=0.99).apply(ticket(body="ok thanks"))
    assert unsure.language is None
    assert "language" in unsure.predictions
    assert unsure.context[0].startswith("language: not detected (")


def test_a_ticket_without_text_is_not_detected() -> None:
    assert DETECT.apply(ticket()).context == ("language: not detected (no text)",)


def test_detection_is_off_unless_asked() -> None:
    plain = ticket(body=GERMAN)
    assert LanguageDetection().apply(plain) is plain


def test_candidate_languages_restrict_the_choice() -> None:
    spanish = ticket(body="Hola, gracias por todo, el pedido llegó bien")
    assert LanguageDetection(detect=True).apply(spanish).language == "es"
    among = LanguageDetection(detect=True, languages=["en", "de"], min_confidence=0.0)
    assert among.apply(spanish).language in {"en", "de"}


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        pytest.param(["en", "xx"], "unknown language code(s) xx", id="unknown-code"),
        pytest.param(["de"], "at least two languages", id="only-one"),
    ],
)
def test_bad_candidate_languages_are_rejected_by_name(languages: list[str], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LanguageDetection(detect=True, languages=languages)


def test_a_german_ticket_without_a_language_goes_to_the_german_speaking_agent() -> None:
    policy = make_policy("least_loaded", require_language=True)
    roster = Roster(
        [
            agent("anna", languages=["en"]),
            agent("bernd", languages=["de", "en"]),
        ],
        loads={"bernd": 3},  # busier: without the language, least-loaded would pick anna
    )
    router = Router(policy=policy, language=DETECT)
    decision = router.decide(ticket(body=GERMAN), roster, NOW, Random(0))
    assert isinstance(decision, Assignment) and decision.agent_id == "bernd"
    assert decision.trace.predictions["language"].label == "de"
    assert decision.trace.context[0].startswith("language: de (")
    assert decision.trace.to_dict()["context"] == list(decision.trace.context)
    undetected = Router(policy=policy).decide(ticket(body=GERMAN), roster, NOW, Random(0))
    assert isinstance(undetected, Assignment) and undetected.agent_id == "anna"


def test_detection_runs_once_per_ticket_text() -> None:
    detector = LanguageDetection(detect=True, languages=["de", "fr"])
    for _ in range(3):
        detector.apply(ticket(body=GERMAN))
    detect = detector._detect  # the cached detector this section uses
    assert detect.cache_info().misses == 1 and detect.cache_info().hits == 2  # type: ignore[attr-defined]
