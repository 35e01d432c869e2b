"""Tone of a customer message: neutral, frustrated or abusive, with the flags an owner wants to hear about.

Two layers. Rules (tone_rules, built from tone_lexicon, tone_tokens, tone_insults, tone_phrases and
tone_features) find insults, profanity, threats and accusations aimed at the staff or the company, and the
chargeback, legal and public flags; a small logistic-regression model (tone_model.json, built by
scripts/train_tone.py from data/tone/train.jsonl) weighs words and the rules' findings to tell neutral from
frustrated. Abuse needs either a rule that fired or a very confident model, so a customer who is merely angry
is not reported as abusive. Standard library only, no I/O except reading the shipped model once.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.policies.tone_lexicon import COMPANY, ENGLISH_STOPWORDS, STAFF
from bot.policies.tone_rules import Analysis, analyse

if TYPE_CHECKING:
    from bot.policies.tone_head import ToneHead

MODEL_PATH = Path(__file__).with_name("tone_model.json")

# Without a rule that fired, the model alone must be this sure before it may call a message abusive.
MODEL_ONLY_ABUSE = 0.9
# How sure a fired rule makes us, as a floor under the model's probability.
RULE_CONFIDENCE = {
    "threat": 0.95,
    "insult": 0.9,
    "profanity": 0.9,
    "scam": 0.85,
    "ruin": 0.85,
    "theft": 0.85,
    "lying": 0.8,
}
_CUES_SHOWN = 3
# Words too common to explain anything to a human reading the verdict; and the words for whom a message is
# about ("staff", "team", "company"): the model learnt that abuse names them, but naming the staff is not
# abusive wording, and showing "abusive wording: staff" as a reason reads as nonsense.
_UNINFORMATIVE = (
    ENGLISH_STOPWORDS | {"<num>", "quote", "a", "in", "as", "so", "if", "or", "no", "all", "are"} | STAFF | COMPANY
)


class Tone(StrEnum):
    NEUTRAL = "neutral"
    FRUSTRATED = "frustrated"
    ABUSIVE = "abusive"


class Flag(StrEnum):
    CHARGEBACK = "chargeback"
    LEGAL = "legal"
    PUBLIC = "public"
    THREAT = "threat"


@dataclass(frozen=True)
class ToneVerdict:
    tone: Tone
    score: float
    reasons: tuple[str, ...]
    flags: frozenset[Flag]


@dataclass(frozen=True)
class WindowScores:
    """The language model's probabilities for one window of a message's own text."""

    tone: tuple[float, float, float]  # neutral, frustrated, abusive
    flags: dict[str, float]  # chargeback, legal, public, threat
    excerpt: str


@dataclass(frozen=True)
class ModelScores:
    version: str
    windows: tuple[WindowScores, ...]


def classify_tone(
    text: str, model: ToneModel | None = None, scores: ModelScores | None = None, head: ToneHead | None = None
) -> ToneVerdict:
    """The tone of one customer message.

    With `scores` (the language model's, from bot.tone) the model decides and the rules can only raise its
    verdict; without, the rules and the small word model (`model`, default the shipped one) decide. `head`, the
    team's own head fitted on their corrections (bot.policies.tone_head), adjusts the language model's scores.
    """
    analysis = analyse(text)
    if scores is not None:
        word_model = model or load_model()
        words = word_model.probabilities(word_model.contributions(model_features(analysis)))
        verdict = judge(analysis, scores, words)
        if head is None:
            return verdict
        learnt = judge(analysis, head.adjust(analysis, scores), words)
        if learnt.tone is verdict.tone:
            return learnt
        # Say so when the team's corrections changed the call: the person reading the warning (or its absence)
        # should know it is their own team's judgement and not the shipped model's.
        why = f"learnt from the team's corrections ({head.label}): {verdict.tone} without them"
        return ToneVerdict(learnt.tone, learnt.score, (*learnt.reasons, why), learnt.flags)
    model = model or load_model()
    contributions = model.contributions(model_features(analysis))
    probabilities = model.probabilities(contributions)
    tone, score = _decide(analysis, probabilities)
    flags = frozenset(Flag(hit.kind) for hit in analysis.flags)
    if any(hit.kind == "threat" for hit in analysis.abuse):
        flags |= {Flag.THREAT}
    return ToneVerdict(tone, round(score, 4), _reasons(analysis, tone, contributions, model), flags)


# The language model's probability at or above which it calls a window abusive, or raises a flag. The
# threat flag pages on-call at night: it is raised at a lower probability than the others.
MODEL_ABUSE = 0.5
# The model alone may not call a message of fewer words than this abusive: "hi" or "Hello?" gives it nothing to go
# on, and it read such greetings as abusive. Short abuse ("morons", "f*** off") is the rules' to find.
MODEL_ABUSE_MIN_WORDS = 4
# When the rules found abuse-like words and read every one as not aimed at the staff (negated, reported, said of
# a thing, a third party or the customer), the model, which reads the words but not whom they are aimed at,
# must be as sure before calling the message abusive as the word model must be with no rule at all: the word
# it reacts to most has been read, and not counted. ("I'm not saying anyone there is incompetent", "what a
# pathetic way to run a shop" were called abusive at 0.69 and 0.85.)
MODEL_ABUSE_DISCOUNTED = MODEL_ONLY_ABUSE
MODEL_FLAG = 0.5
MODEL_THREAT = 0.35
# Neutral against frustrated is the language model's weakest call (a curt "Fix it today." read as calm); the
# word model, trained on the same label guide, is averaged in with this weight for that call only.
WORD_MODEL_WEIGHT = 0.5
_EXCERPT_CHARS = 80
_SEVERITY = {Tone.NEUTRAL: 0, Tone.FRUSTRATED: 1, Tone.ABUSIVE: 2}


def judge(analysis: Analysis, scores: ModelScores, words: dict[Tone, float] | None = None) -> ToneVerdict:
    """The language model decides; a rule that fired can raise the verdict or add a flag, never lower it.

    A long message is judged window by window, and its worst window counts: abuse or a threat buried in
    the middle of a long email is not averaged away by the polite paragraphs around it.
    """
    windows = scores.windows or (WindowScores((1.0, 0.0, 0.0), {}, ""),)
    if words:
        w = WORD_MODEL_WEIGHT
        windows = tuple(
            WindowScores(
                (
                    (1 - w) * window.tone[0] + w * words[Tone.NEUTRAL],
                    (1 - w) * window.tone[1] + w * words[Tone.FRUSTRATED],
                    window.tone[2],
                ),
                window.flags,
                window.excerpt,
            )
            for window in windows
        )
    english = not analysis.non_english
    words_enough = sum(any(c.isalnum() for c in token) for token in analysis.tokens) >= MODEL_ABUSE_MIN_WORDS
    discounted = bool(analysis.ignored) and not analysis.abuse
    bar = MODEL_ABUSE_DISCOUNTED if discounted else MODEL_ABUSE
    tone, score, worst = _model_tone(windows, english and words_enough, bar)
    reasons = [_describe(hit.kind, hit.phrase) for hit in analysis.abuse]
    reasons += [_describe(hit.kind, hit.phrase) for hit in analysis.flags]
    reasons += [f'not counted ({hit.why}): "{hit.phrase}"' for hit in analysis.ignored]
    below = max(window.tone[2] for window in windows)
    if english and words_enough and tone is not Tone.ABUSIVE and MODEL_ABUSE <= below < bar:
        reasons.append(
            f"model: abusive ({below:.2f}) not enough: the words that sound abusive are not aimed at the staff"
        )
    flags = {Flag(hit.kind) for hit in analysis.flags}
    if any(hit.kind == "threat" for hit in analysis.abuse):
        flags.add(Flag.THREAT)
    for flag in Flag:
        threshold = MODEL_THREAT if flag is Flag.THREAT else MODEL_FLAG
        window = max(windows, key=partial(_flag_score, flag.value))
        probability = window.flags.get(flag.value, 0.0)
        if probability >= threshold:
            declined = next((hit for hit in analysis.declined if hit.kind == flag.value), None)
            if flag not in flags and declined is not None:
                # The model reads "post" and "review" but not "won't" or "five stars": the rules' reading of the
                # very mention it reacts to wins, and says why.
                reasons.append(f'not counted ({declined.why}): "{declined.phrase}"; model: {flag} ({probability:.2f})')
                continue
            if flag not in flags:
                reasons.append(f"model: {_DESCRIPTIONS[flag.value]} ({probability:.2f}){_where(window, windows)}")
            flags.add(flag)
    if english and (analysis.abuse or Flag.THREAT in flags) and tone is not Tone.ABUSIVE:
        floor = max((RULE_CONFIDENCE.get(hit.kind, 0.8) for hit in analysis.abuse), default=RULE_CONFIDENCE["threat"])
        tone, score = Tone.ABUSIVE, floor
        reasons.append("raised to abusive by the rules" if analysis.abuse else "raised to abusive: a threat of harm")
    else:
        reasons.append(f"model: {tone} ({score:.2f}){_where(worst, windows)}")
    if analysis.quoted_lines:
        reasons.append(f"quoted text ignored ({analysis.quoted_lines} lines)")
    if len(windows) > 1:
        reasons.append(f"long message: judged in {len(windows)} overlapping parts, the worst counts")
    if analysis.non_english:
        reasons.append("not English: never called abusive, flags still raised")
    return ToneVerdict(tone, round(score, 4), tuple(reasons), frozenset(flags))


def _model_tone(
    windows: tuple[WindowScores, ...], may_be_abusive: bool, bar: float = MODEL_ABUSE
) -> tuple[Tone, float, WindowScores]:
    verdicts = []
    for window in windows:
        neutral, frustrated, abusive = window.tone
        if may_be_abusive and abusive >= bar:
            verdicts.append((Tone.ABUSIVE, abusive, window))
        elif frustrated >= neutral:
            verdicts.append((Tone.FRUSTRATED, frustrated / (neutral + frustrated or 1.0), window))
        else:
            verdicts.append((Tone.NEUTRAL, neutral / (neutral + frustrated or 1.0), window))
    return max(verdicts, key=lambda v: (_SEVERITY[v[0]], v[1]))


def _flag_score(flag: str, window: WindowScores) -> float:
    return window.flags.get(flag, 0.0)


def _where(window: WindowScores, windows: tuple[WindowScores, ...]) -> str:
    if len(windows) == 1 or not window.excerpt:
        return ""
    excerpt = " ".join(window.excerpt.split())
    if len(excerpt) > _EXCERPT_CHARS:
        excerpt = excerpt[: _EXCERPT_CHARS - 1] + "…"
    return f' in "{excerpt}"'


def model_features(analysis: Analysis) -> list[str]:
    """Binary features: words, word pairs, and what the rules found."""
    words = analysis.tokens
    features = [f"w:{w}" for w in words]
    features += [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    features += list(analysis.features)
    return sorted(set(features))


def _decide(analysis: Analysis, probabilities: dict[Tone, float]) -> tuple[Tone, float]:
    if analysis.abuse and not analysis.non_english:
        floor = max(RULE_CONFIDENCE.get(hit.kind, 0.8) for hit in analysis.abuse)
        return Tone.ABUSIVE, max(probabilities[Tone.ABUSIVE], floor)
    best = max(probabilities, key=lambda tone: probabilities[tone])
    if best is Tone.ABUSIVE and probabilities[best] >= MODEL_ONLY_ABUSE and not analysis.non_english:
        return best, probabilities[best]
    # Abuse is off the table: renormalise over the two remaining tones.
    rest = probabilities[Tone.NEUTRAL] + probabilities[Tone.FRUSTRATED]
    tone = Tone.NEUTRAL if probabilities[Tone.NEUTRAL] >= probabilities[Tone.FRUSTRATED] else Tone.FRUSTRATED
    return tone, probabilities[tone] / rest if rest else 0.5


def _reasons(
    analysis: Analysis, tone: Tone, contributions: dict[str, list[float]], model: ToneModel
) -> tuple[str, ...]:
    reasons = [_describe(hit.kind, hit.phrase) for hit in analysis.abuse]
    reasons += [_describe(hit.kind, hit.phrase) for hit in analysis.flags]
    # A mention declined as one flag because it counts as another (a bank claim: chargeback, not legal) only
    # matters where it holds back the language model's flag; here the counted flag already says it.
    counted = {hit.phrase for hit in analysis.flags}
    not_counted = [*analysis.ignored, *(hit for hit in analysis.declined if hit.phrase not in counted)]
    reasons += [f'not counted ({hit.why}): "{hit.phrase}"' for hit in not_counted]
    if analysis.quoted_lines:
        reasons.append(f"quoted text ignored ({analysis.quoted_lines} lines)")
    if analysis.non_english and analysis.abuse:
        reasons.append("not English: abuse rules not applied")
    cues = _cues(tone, contributions, model)
    if cues:
        reasons.append(f"{tone} wording: " + ", ".join(f'"{cue}"' for cue in cues))
    if tone is Tone.ABUSIVE and not analysis.abuse:
        reasons.append("model only: no rule fired")
    return tuple(reasons)


_DESCRIPTIONS = {
    "insult": "insult aimed at staff",
    "profanity": "profanity aimed at staff",
    "threat": "threat of harm",
    "scam": "calls the company a scam",
    "ruin": "wishes the business ruin",
    "theft": "accuses staff of theft",
    "lying": "accuses staff of lying",
    "chargeback": "chargeback threat",
    "legal": "legal threat",
    "public": "threat to go public",
}


def _describe(kind: str, phrase: str) -> str:
    return f'{_DESCRIPTIONS[kind]}: "{phrase}"'


def _cues(tone: Tone, contributions: dict[str, list[float]], model: ToneModel) -> list[str]:
    """The words that pushed hardest towards the chosen tone, for a human reading the verdict."""
    index = model.classes.index(tone)
    margins = []
    for feature, weights in contributions.items():
        if not feature.startswith(("w:", "b:")) or set(feature[2:].split()) <= _UNINFORMATIVE:
            continue
        margin = weights[index] - max(w for k, w in enumerate(weights) if k != index)
        if margin > 0.5:
            margins.append((margin, feature[2:]))
    margins.sort(key=lambda item: (-item[0], item[1]))
    return [word for _, word in margins[:_CUES_SHOWN]]


@dataclass(frozen=True)
class ToneModel:
    classes: tuple[Tone, ...]
    bias: tuple[float, ...]
    weights: dict[str, list[float]]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ToneModel:
        return cls(
            classes=tuple(Tone(c) for c in data["classes"]),
            bias=tuple(data["bias"]),
            weights=data["weights"],
        )

    def contributions(self, features: list[str]) -> dict[str, list[float]]:
        return {f: self.weights[f] for f in features if f in self.weights}

    def probabilities(self, contributions: dict[str, list[float]]) -> dict[Tone, float]:
        logits = list(self.bias)
        for weights in contributions.values():
            for k, w in enumerate(weights):
                logits[k] += w
        return dict(zip(self.classes, softmax(logits), strict=True))


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


@cache
def load_model(path: Path = MODEL_PATH) -> ToneModel:
    return ToneModel.from_json(json.loads(path.read_text(encoding="utf-8")))
