"""Urgency and sentiment signals read from a ticket's text, for rules (``signal: angry``).

A signal is a short list of phrases in English, German, French and Spanish (the lexicon
below, written for this project; sources in docs/rules.md), matched as whole words,
case-insensitively. The words that matched are the signal's evidence, kept on the ticket
(``Ticket.signals``) and shown in the decision trace. ``repeat_contact`` is not read from
the text: it holds when the requester has other recent tickets (``Ticket.recent_contacts``,
counted by the sidecar from its store; unknown, and so false, in the router-only paths).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache

from router.model import Ticket

_CANCEL_VERBS = ("cancel", "canceling", "cancelling", "cancellation of")
_CANCEL_OBJECTS = tuple(
    f"{owner}{thing}"
    for owner in ("", "my ", "the ", "this ", "an ", "a ")
    for thing in ("order", "purchase")
)

LEXICON: Mapping[str, tuple[str, ...]] = {
    "angry": (
        # en
        "unacceptable", "ridiculous", "disgusting", "outrageous", "furious", "angry",
        "fed up", "sick of", "worst", "terrible service", "awful", "scam", "rip-off",
        "rip off", "never again", "shame on you", "disappointed", "complaint",
        "file a claim", "lodge a claim", "useless",
        # de
        "unverschämt", "unverschämtheit", "frechheit", "inakzeptabel", "unmöglich",
        "enttäuscht", "wütend", "sauer", "katastrophe", "betrug", "abzocke", "beschwerde",
        # fr
        "inadmissible", "inacceptable", "scandaleux", "honteux", "furieux", "déçu", "déçue",
        "arnaque", "plainte", "réclamation",
        # es
        "inaceptable", "vergüenza", "indignante", "furioso", "harto", "harta",
        "decepcionado", "decepcionada", "estafa", "queja", "reclamación",
    ),
    "urgent": (
        "urgent", "urgently", "asap", "as soon as possible", "immediately", "right now",
        "emergency", "dringend", "sofort", "eilig", "notfall", "umgehend",
        "urgence", "immédiatement", "tout de suite", "urgente", "inmediatamente", "cuanto antes",
    ),
    "chargeback": (
        # card networks' dispute vocabulary (Visa, Mastercard dispute guides)
        "chargeback", "charge back", "dispute the charge", "disputing the charge",
        "dispute the payment", "reverse the charge", "reverse the payment",
        "contacted my bank", "called my bank",
        "credit card company", "paypal dispute", "paypal claim", "rückbuchung",
        "rücklastschrift", "zahlung zurückbuchen", "lastschrift zurück",
        "rétrofacturation", "contester le paiement", "faire opposition",
        "contracargo", "disputar el cargo",
    ),
    "cancel_order": (
        *(f"{verb} {what}" for verb in _CANCEL_VERBS for what in _CANCEL_OBJECTS),
        "no longer afford", "no longer pay for", "don't want my order", "dont want order",
        "bestellung stornieren", "stornieren sie", "storno", "stornierung",
        "annuler ma commande", "annuler la commande", "annulation de ma commande",
        "cancelar mi pedido", "cancelar el pedido", "anular mi pedido",
    ),
}  # fmt: skip
"""Each text signal's phrases (lower case; matched as whole words)."""

REPEAT_CONTACT = "repeat_contact"
SIGNALS = (*LEXICON, REPEAT_CONTACT)
"""Every signal a rule may test."""


@cache
def _pattern(signal: str) -> re.Pattern[str]:
    phrases = sorted(LEXICON[signal], key=len, reverse=True)  # longest first: the evidence
    alternatives = "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def text_signals(text: str) -> dict[str, tuple[str, ...]]:
    """The text signals ``text`` shows, each with its distinct matched words (as written)."""
    return dict(_read(text))


@lru_cache(maxsize=4096)  # once per ticket text: a waiting ticket is re-decided often
def _read(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    found = []
    for signal in LEXICON:
        words = dict.fromkeys(match.group(0) for match in _pattern(signal).finditer(text))
        if words:
            found.append((signal, tuple(words)))
    return tuple(found)


def read_signals(ticket: Ticket) -> Ticket:
    """``ticket`` with ``signals`` filled from its subject and body and its recent contacts."""
    found = text_signals(f"{ticket.subject}\n{ticket.body}")
    if ticket.recent_contacts:
        found[REPEAT_CONTACT] = (f"{ticket.recent_contacts} other recent ticket(s)",)
    if not found:
        return ticket
    return ticket.model_copy(update={"signals": {**ticket.signals, **found}})  # valid already
