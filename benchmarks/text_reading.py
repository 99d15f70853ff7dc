"""Reading the ticket text: language detection accuracy and speed, signal precision, and
what both cost the router's decision.

1. Language: accuracy per language on the shipped ``django-translations`` (human-translated
   sentences, 8 languages), over all 97 languages the model knows and over the 8 listed as
   candidates, and tickets per second through ``LanguageDetection.apply`` (uncached: every
   text new).
2. Signals: precision and recall of ``cancel_order`` against the Bitext test split's
   ``cancel_order`` intent, and how often ``angry`` fires on its ``complaint`` intent and
   on everything else.
3. Router cost: ``Router.decide`` on tickets with no language, with detection and a signal
   rule, against the same router without them deciding the same tickets with their
   language given (baseline, same process, so the policy's own work is the same): first
   pass (every text new) and second pass (the same tickets re-decided, as a waiting queue
   is).

    .venv/bin/python benchmarks/text_reading.py [--data-dir DIR]

The datasets are read from the classifier's data directory (``DESKROUTE_CLASSIFIER__DATA_DIR``,
default: the shipped copies).
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from random import Random

from config.datasets import DATASETS, data_dir_or_default
from config.settings import load_settings
from router.engine import Router
from router.language import LanguageDetection
from router.model import Agent, Ticket
from router.policies import make_policy
from router.roster import Roster
from router.rules import RuleSet
from router.signals import text_signals

SENTENCES = Path("django-translations", "sentences.tsv")
BITEXT = DATASETS["bitext"]
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl")


def sentences(data_dir: Path) -> list[tuple[str, str]]:
    """(language, text) rows of the shipped multilingual sample."""
    with (data_dir / SENTENCES).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["language"], row["text"]) for row in rows]


def tickets_of(rows: list[tuple[str, str]], prefix: str) -> list[Ticket]:
    """One ticket per text, without a language, created at ``NOW``."""
    return [
        Ticket(id=f"{prefix}{n}", body=text, created_at=NOW) for n, (_, text) in enumerate(rows)
    ]


def language_accuracy(rows: list[tuple[str, str]], detection: LanguageDetection) -> float:
    """Print accuracy per language and tickets/s; return the overall accuracy."""
    tickets = tickets_of(rows, "lang")
    started = time.perf_counter()
    found = [detection.apply(ticket).language for ticket in tickets]
    rate = len(tickets) / (time.perf_counter() - started)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for (language, _), detected in zip(rows, found, strict=True):
        total[language] += 1
        right[language] += detected == language
    per_language = "  ".join(f"{lang} {right[lang] / total[lang]:.1%}" for lang in LANGUAGES)
    overall = sum(right.values()) / len(rows)
    unset = sum(language is None for language in found)
    kept = sum(right.values()) / max(len(rows) - unset, 1)
    candidates = "all 97" if detection.languages is None else f"{len(detection.languages)}"
    print(f"  candidates {candidates}: {per_language}")
    print(
        f"    overall {overall:.2%}; below {detection.min_confidence} (left unset): {unset}, ",
        end="",
    )
    print(f"right when set {kept:.2%}; ", end="")
    print(f"{rate:,.0f} tickets/s")
    return overall


def signal_precision(data_dir: Path) -> tuple[float, float]:
    """Print the cancel_order and angry figures on the Bitext test split; return
    cancel_order's (precision, recall)."""
    test_split = data_dir / BITEXT.directory / BITEXT.files["test"]
    with test_split.open(encoding="utf-8", newline="") as handle:
        rows = [(row["intent"], row["utterance"]) for row in csv.DictReader(handle)]
    fired = [(intent, text_signals(text)) for intent, text in rows]
    cancel_true = sum(intent == "cancel_order" for intent, _ in fired)
    cancel_fired = [intent for intent, found in fired if "cancel_order" in found]
    precision = cancel_fired.count("cancel_order") / max(len(cancel_fired), 1)
    recall = cancel_fired.count("cancel_order") / cancel_true
    complaints = [found for intent, found in fired if intent == "complaint"]
    others = [found for intent, found in fired if intent != "complaint"]
    angry_on = sum("angry" in found for found in complaints) / len(complaints)
    angry_off = sum("angry" in found for found in others) / len(others)
    print(
        f"  cancel_order: precision {precision:.1%} ({len(cancel_fired)} fired), "
        f"recall {recall:.1%} of {cancel_true}"
    )
    print(
        f"  angry: on {angry_on:.1%} of {len(complaints)} complaints, "
        f"{angry_off:.1%} of {len(others)} other texts"
    )
    return precision, recall


def decide_rate(router: Router, tickets: list[Ticket], roster: Roster) -> float:
    """Decisions per second over ``tickets`` (each on the same roster)."""
    rng = Random(0)
    started = time.perf_counter()
    for ticket in tickets:
        router.decide(ticket, roster, NOW, rng)
    return len(tickets) / (time.perf_counter() - started)


def router_cost(rows: list[tuple[str, str]]) -> tuple[float, float]:
    """Print decisions/s with and without text reading; return (first, second) ratios."""
    policy = make_policy("skills_least_loaded", require_language=True)
    team = [
        Agent(id=f"agent{n:02d}", languages=frozenset({LANGUAGES[n % 8], "en"})) for n in range(40)
    ]
    roster = Roster(team)
    rules = RuleSet.model_validate(
        {"rules": [{"name": "angry", "when": {"signal": "angry"}, "then": {"set_priority": 3}}]}
    )
    reading = Router(
        policy=policy,
        rules=rules,
        language=LanguageDetection(detect=True, languages=LANGUAGES),
    )
    baseline = Router(policy=policy)
    tickets = tickets_of(rows, "route")
    told = [  # the baseline's tickets carry their language, so the policy's work is the same
        ticket.model_copy(update={"language": language})
        for ticket, (language, _) in zip(tickets, rows, strict=True)
    ]
    base = decide_rate(baseline, told, roster)
    first = decide_rate(reading, tickets, roster)
    second = decide_rate(reading, tickets, roster)
    print(f"  baseline (language given, no signal rule): {base:,.0f} decisions/s")
    print(
        f"  with both, first pass (every text new):  {first:,.0f} decisions/s ({first / base:.2f}x)"
    )
    print(
        f"  with both, same tickets again (cache): {second:,.0f} decisions/s ({second / base:.2f}x)"
    )
    return first / base, second / base


def main() -> None:
    """Run the three measurements and print the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    data_dir = data_dir_or_default(
        parser.parse_args().data_dir or load_settings().classifier.data_dir
    )
    rows = sentences(data_dir)
    print(f"language detection on {len(rows)} sentences ({data_dir / SENTENCES.parent}):")
    LanguageDetection(detect=True).apply(tickets_of(rows[:1], "warm")[0])  # model load
    LanguageDetection(detect=True, languages=LANGUAGES).apply(tickets_of(rows[:1], "warm")[0])
    language_accuracy(rows, LanguageDetection(detect=True, min_confidence=0.0))
    listed = language_accuracy(
        rows, LanguageDetection(detect=True, languages=LANGUAGES, min_confidence=0.0)
    )
    language_accuracy(rows, LanguageDetection(detect=True, languages=LANGUAGES))
    print("signals on the Bitext test split:")
    precision, recall = signal_precision(data_dir)
    print("Router.decide, 40 agents, skills_least_loaded with require_language:")
    first, second = router_cost(rows)
    print(
        f"RESULT language_acc={listed:.4f} cancel_precision={precision:.3f} "
        f"cancel_recall={recall:.3f} decide_first_vs_base={first:.2f} "
        f"decide_cached_vs_base={second:.2f}"
    )


if __name__ == "__main__":
    main()
