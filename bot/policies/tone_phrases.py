"""Phrases in a sentence: dismissals, threats and accusations aimed at the staff, each unless negated (the
flags are bot.policies.tone_flags'), and the helpers that map a match back to the customer's words.
"""

from __future__ import annotations

import re

from bot.policies.tone_insults import in_reported_speech
from bot.policies.tone_lexicon import (
    DISMISSALS,
    HEDGES,
    LYING,
    NEGATORS,
    NOT_NEGATING,
    RUIN_WISHES,
    SCAM,
    THEFT,
    THREATS,
)
from bot.policies.tone_tokens import Hit, Token

# --- phrases: dismissals, threats, accusations ---------------------------------------------------------------


def find_phrases(sentence: list[Token], abuse: list[Hit], ignored: list[Hit]) -> None:
    text, starts = joined(sentence)
    for kind, pattern in (("profanity", DISMISSALS), ("threat", THREATS), ("ruin", RUIN_WISHES)):
        for match in pattern.finditer(text):
            at = token_at(starts, match.start())
            phrase = original(sentence, starts, match)
            if _phrase_negated(sentence, at):
                ignored.append(Hit(kind, phrase, "negated"))
            else:
                abuse.append(Hit(kind, phrase))
    for kind, pattern in (("scam", SCAM), ("theft", THEFT), ("lying", LYING)):
        for match in pattern.finditer(text):
            at = token_at(starts, match.start())
            phrase = original(sentence, starts, match)
            why = _accusation_ignored(sentence, at)
            if why:
                ignored.append(Hit(kind, phrase, why))
            else:
                abuse.append(Hit(kind, phrase))


def joined(sentence: list[Token]) -> tuple[str, list[int]]:
    starts: list[int] = []
    position = 0
    for token in sentence:
        starts.append(position)
        position += len(token.norm) + 1
    return " ".join(t.norm for t in sentence), starts


def token_at(starts: list[int], offset: int) -> int:
    index = 0
    for i, start in enumerate(starts):
        if start <= offset:
            index = i
    return index


def original(sentence: list[Token], starts: list[int], match: re.Match[str]) -> str:
    first = token_at(starts, match.start())
    last = token_at(starts, max(match.start(), match.end() - 1))
    return " ".join(t.orig for t in sentence[first : last + 1])


def _phrase_negated(sentence: list[Token], at: int) -> bool:
    # Only a negation right before the phrase counts: "I won't tell you to f*** off", not "hope I never find".
    window = [t.norm for t in sentence[max(0, at - 2) : at] if t.clause == sentence[at].clause]
    return any(w in NEGATORS or w.endswith("n't") for w in window)


def _accusation_ignored(sentence: list[Token], at: int) -> str:
    words = {t.norm for t in sentence}
    if words & HEDGES or "?" in sentence[-1].trail:
        return "hedged"
    if _negated_before(sentence, at):
        return "negated"
    if in_reported_speech(sentence, at):
        return "reported speech"
    return ""


def _negated_before(sentence: list[Token], at: int) -> bool:
    window = [t.norm for t in sentence[max(0, at - 5) : at]]
    for j, word in enumerate(window):
        if (word in NEGATORS or word.endswith("n't")) and (word, (window[j + 1 : j + 2] or [""])[0]) not in (
            NOT_NEGATING
        ):
            return True
    return False
