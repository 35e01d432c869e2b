"""What the rules tell the model: each hit, ignored hit and flag, and the general cues of frustration or calm,
as feature names.
"""

from __future__ import annotations

import re

from bot.policies.tone_lexicon import FOREIGN_NEGATIVE, NEGATIVE, NEGATIVE_PHRASES, POLITE, PROFANITY, SARCASM
from bot.policies.tone_tokens import Hit


def cue_features(norms: tuple[str, ...]) -> set[str]:
    text = " ".join(norms)
    negative = sum(1 for n in norms if n in NEGATIVE or n in PROFANITY or n in FOREIGN_NEGATIVE)
    negative += len(NEGATIVE_PHRASES.findall(text))
    polite = len(POLITE.findall(text))
    features = {f"rule:negative:{min(negative, 3)}", f"rule:polite:{min(polite, 2)}"}
    if negative and SARCASM.search(text):
        features.add("rule:sarcasm")
    if norms and len(norms) <= 12:
        features.add("rule:short")
    return features


# --- features for the model ------------------------------------------------------------------------------------


def model_features(
    own: str,
    norms: tuple[str, ...],
    abuse: list[Hit],
    ignored: list[Hit],
    flags: list[Hit],
    non_english: bool,
    quoted_lines: int,
) -> tuple[str, ...]:
    features = {f"rule:abuse:{hit.kind}" for hit in abuse}
    features |= {f"rule:ignored:{hit.why}" for hit in ignored}
    features |= {f"rule:flag:{hit.kind}" for hit in flags}
    features |= cue_features(norms)
    if any(n in PROFANITY for n in norms):
        features.add("rule:profanity")
    letters = [c for c in own if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        features.add("rule:all_caps")
    elif len(re.findall(r"\b[A-Z]{4,}\b", own)) >= 2:
        features.add("rule:caps_words")
    if "!!" in own:
        features.add("rule:exclaims")
    if "??" in own or "?!" in own or "!?" in own:
        features.add("rule:question_marks")
    if non_english:
        features.add("rule:non_english")
    if quoted_lines:
        features.add("rule:quoted")
    return tuple(sorted(features))
