"""The rule layer of the tone classifier: clean-up of customer text, and the insults, threats and flags in it.

Pure and standard-library only. The rules look for abuse *aimed at the staff or the company*. The same words
said about oneself, about a third party, under negation, in reported speech or in quoted text are kept as
"ignored" hits, so that a human can see why they did not count, and so that the trained model can learn that
such messages are not abusive.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.policies.tone_features import model_features
from bot.policies.tone_flag_context import settle_flags_in_context
from bot.policies.tone_flags import find_flags
from bot.policies.tone_insults import find_insults, sentences
from bot.policies.tone_phrases import find_phrases
from bot.policies.tone_threats import find_veiled_threats
from bot.policies.tone_tokens import (
    Hit,
    collapse_spaced_letters,
    is_non_english,
    mask_inline_quotes,
    strip_quoted,
    tokenise,
)


@dataclass(frozen=True)
class Analysis:
    tokens: tuple[str, ...]
    abuse: tuple[Hit, ...]
    ignored: tuple[Hit, ...]
    flags: tuple[Hit, ...]
    features: tuple[str, ...]
    non_english: bool
    quoted_lines: int
    # Flag mentions the customer declined, praised or reported of someone else: they raise nothing.
    declined: tuple[Hit, ...] = ()


def analyse(text: str) -> Analysis:
    own, quoted_lines = strip_quoted(text)
    own = mask_inline_quotes(own)
    tokens = tokenise(collapse_spaced_letters(own))
    norms = tuple(t.norm for t in tokens)
    non_english = is_non_english(norms)
    abuse: list[Hit] = []
    ignored: list[Hit] = []
    flags: list[Hit] = []
    declined: list[Hit] = []
    split = sentences(tokens)
    found_in: list[int] = []
    for index, sentence in enumerate(split):
        find_insults(sentence, abuse, ignored)
        find_phrases(sentence, abuse, ignored)
        find_flags(sentence, flags, declined)
        found_in += [index] * (len(flags) - len(found_in))
    find_veiled_threats(split, abuse, ignored)
    settle_flags_in_context(split, flags, declined, found_in)
    features = model_features(own, norms, abuse, ignored, flags, non_english, quoted_lines)
    return Analysis(
        tokens=norms,
        abuse=tuple(abuse),
        ignored=tuple(ignored),
        flags=tuple(flags),
        features=features,
        non_english=non_english,
        quoted_lines=quoted_lines,
        declined=tuple(declined),
    )
