"""Tone of a customer message: neutral, frustrated or abusive, with the flags an owner wants to hear about.

Two layers. Rules (tone_rules) find insults, profanity, threats and accusations aimed at the staff or the
company, and the chargeback, legal and public flags; a small logistic-regression model (tone_model.json, built
by scripts/train_tone.py from data/tone/train.jsonl) weighs words and the rules' findings to tell neutral from
frustrated. Abuse needs either a rule that fired or a very confident model, so a customer who is merely angry
is not reported as abusive. Standard library only, no I/O except reading the shipped model once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.policies.tone_rules import COMPANY, ENGLISH_STOPWORDS, STAFF, Analysis, analyse

MODEL_PATH = Path(__file__).with_name("tone_model.json")

# Without a rule that fired, the model alone must be this sure before it may call a message abusive.
MODEL_ONLY_ABUSE = 0.9
# How sure a fired rule makes us, as a floor under the model's probability.
RULE_CONFIDENCE = {"threat": 0.95, "insult": 0.9, "profanity": 0.9, "scam": 0.85, "theft": 0.85, "lying": 0.8}
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


def classify_tone(text: str, model: ToneModel | None = None) -> ToneVerdict:
    """The tone of one customer message; `model` defaults to the shipped one (training passes its own)."""
    analysis = analyse(text)
    model = model or load_model()
    contributions = model.contributions(model_features(analysis))
    probabilities = model.probabilities(contributions)
    tone, score = _decide(analysis, probabilities)
    flags = frozenset(Flag(hit.kind) for hit in analysis.flags)
    if any(hit.kind == "threat" for hit in analysis.abuse):
        flags |= {Flag.THREAT}
    return ToneVerdict(tone, round(score, 4), _reasons(analysis, tone, contributions, model), flags)


def model_features(analysis: Analysis) -> list[str]:
    """Binary features: words, word pairs, and what the rules found."""
    words = analysis.tokens
    features = [f"w:{w}" for w in words]
    features += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
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
    reasons += [f'not counted ({hit.why}): "{hit.phrase}"' for hit in analysis.ignored]
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
    def from_json(cls, data: dict) -> ToneModel:
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
