"""Sample human-translated sentences per language from Django's message catalogues.

Run from a directory holding an unpacked Django wheel (``django/...``):
``python make_sample.py sentences.tsv``. Reads the compiled catalogues through the
standard library's ``gettext`` (its ``_catalog`` holds the messages; this one-off script
is not part of deskroute and never runs at run time).
"""

from __future__ import annotations

import gettext
import random
import re
import sys
from pathlib import Path

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "pl"]
PER_LANGUAGE = 300
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdifr]|%[sdifr]|\{[^}]*\}|<[^>]+>|&[a-z]+;")


def clean(text: str) -> str:
    """The text without placeholders, markup and line breaks."""
    text = PLACEHOLDER.sub("", text).replace("\n", " ")
    return re.sub(r"\s+", " ", text).strip()


def usable(text: str) -> bool:
    """At least four words and no tab (the output is tab-separated)."""
    return len(text.split()) >= 4 and "\t" not in text


def catalogue(language: str) -> dict[str, str]:
    """Every message of ``language``: source string -> translation."""
    messages: dict[str, str] = {}
    for path in sorted(Path("django").glob(f"**/locale/{language}/LC_MESSAGES/django.mo")):
        with path.open("rb") as handle:
            for key, value in gettext.GNUTranslations(handle)._catalog.items():  # type: ignore[attr-defined]
                msgid = key[0] if isinstance(key, tuple) else key
                if msgid:
                    messages[msgid] = value
    return messages


def main(out: Path) -> None:
    """Write ``language<TAB>text`` rows, at most PER_LANGUAGE per language."""
    rng = random.Random(19)
    catalogues = {language: catalogue(language) for language in LANGUAGES[1:]}
    english = {clean(msgid) for messages in catalogues.values() for msgid in messages}
    rows = []
    for language in LANGUAGES:
        if language == "en":
            texts = sorted(text for text in english if usable(text))
        else:
            translated = {clean(text) for text in catalogues[language].values()} - english
            texts = sorted(text for text in translated if usable(text))
        chosen = rng.sample(texts, min(PER_LANGUAGE, len(texts)))
        rows += [(language, text) for text in sorted(chosen)]
    lines = ["language\ttext"] + [f"{language}\t{text}" for language, text in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
