"""The deployment's own tone head: what the team's corrections taught, applied on top of the shipped model.

The team's buttons say one thing about a message: abusive, or not. So the head learns one thing: how far to
move the shipped model's probability that a window is abusive, from what the model said (its tone and flag
probabilities) and what the rules found. It is a logistic regression whose offset is the shipped model's own
abusive logit, so a head with every weight at zero is the shipped model, unchanged, and the fit's L2 penalty
pulls it back towards exactly that when the corrections say little. Neutral against frustrated keeps the
shipped model's proportions: nobody ever told us which of the two a message was.

The rules stay the safety net: the head changes the model's probabilities, and the rules can still raise the
verdict afterwards (a threat or an insult a rule found is abusive whatever the head says).

Pure: fitted weights in, probabilities out; bot/tone/retrain.py fits and stores them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.policies.tone import ModelScores, WindowScores
from bot.policies.tone_rules import Analysis

# What the head sees of one window of a message, in this order.
FEATURES = (
    "model abusive (logit)",
    "model frustrated against neutral (log ratio)",
    "model chargeback",
    "model legal",
    "model public",
    "model threat",
    "rules: abuse",
    "rules: chargeback",
    "rules: legal",
    "rules: public",
    "words (log)",
    "not English",
)
_CLIP = 1e-6
# A standardised feature counts for at most this many spreads: a message unlike any the team corrected moves the
# shipped model's verdict a bounded amount, never without limit.
CLIP = 4.0


@dataclass(frozen=True)
class ToneHead:
    """A fitted head: features are standardised with `means` and `scales`, then weighed."""

    version: int
    base_version: str  # the shipped model it was fitted on, and the only one it may sit on
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @property
    def label(self) -> str:
        return head_label(self.base_version, self.version)

    def shift(self, features: tuple[float, ...]) -> float:
        """How far this head moves a window's abusive logit."""
        return self.bias + sum(
            w * min(max((x - m) / s, -CLIP), CLIP)
            for w, x, m, s in zip(self.weights, features, self.means, self.scales, strict=True)
        )

    def adjust(self, analysis: Analysis, scores: ModelScores) -> ModelScores:
        """The shipped model's scores with each window's abusive probability moved by the head."""
        return ModelScores(
            version=self.label, windows=tuple(self._window(analysis, window) for window in scores.windows)
        )

    def _window(self, analysis: Analysis, window: WindowScores) -> WindowScores:
        neutral, frustrated, abusive = window.tone
        moved = sigmoid(logit(abusive) + self.shift(window_features(analysis, window)))
        rest = neutral + frustrated
        if rest > 0:
            kept = (1.0 - moved) / rest
            tone = (neutral * kept, frustrated * kept, moved)
        else:  # the model was certain of abuse: what is taken from it goes to frustrated, the milder call
            tone = (0.0, 1.0 - moved, moved)
        return WindowScores(tone, window.flags, window.excerpt)

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "means": list(self.means),
            "scales": list(self.scales),
            "weights": list(self.weights),
            "bias": self.bias,
        }

    @classmethod
    def from_json(cls, version: int, base_version: str, data: dict[str, object]) -> ToneHead:
        if data.get("features") != list(FEATURES):
            raise ValueError("the head was fitted on other features than this release computes")
        return cls(
            version=version,
            base_version=base_version,
            means=tuple(float(x) for x in data["means"]),  # type: ignore[attr-defined]
            scales=tuple(float(x) for x in data["scales"]),  # type: ignore[attr-defined]
            weights=tuple(float(x) for x in data["weights"]),  # type: ignore[attr-defined]
            bias=float(data["bias"]),  # type: ignore[arg-type]
        )


def head_label(base_version: str, head_version: int | None) -> str:
    """The model version people see: the shipped model, and the team's head on it if one is in use."""
    return base_version if head_version is None else f"{base_version}+head.{head_version}"


def window_features(analysis: Analysis, window: WindowScores) -> tuple[float, ...]:
    neutral, frustrated, abusive = window.tone
    found = {hit.kind for hit in analysis.flags}
    words = sum(any(c.isalnum() for c in token) for token in analysis.tokens)
    return (
        logit(abusive),
        math.log(max(frustrated, _CLIP)) - math.log(max(neutral, _CLIP)),
        window.flags.get("chargeback", 0.0),
        window.flags.get("legal", 0.0),
        window.flags.get("public", 0.0),
        window.flags.get("threat", 0.0),
        float(bool(analysis.abuse)),
        float("chargeback" in found),
        float("legal" in found),
        float("public" in found),
        math.log1p(words),
        float(analysis.non_english),
    )


def worst_window(scores: ModelScores) -> WindowScores:
    """The window the shipped model's verdict rests on: the one it found most abusive."""
    if not scores.windows:
        return WindowScores((1.0, 0.0, 0.0), {}, "")
    return max(scores.windows, key=lambda window: window.tone[2])


def logit(p: float) -> float:
    p = min(max(p, _CLIP), 1.0 - _CLIP)
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def is_retrain_due(
    mark: datetime,
    *,
    last_fit_at: datetime | None,
    learnt_through: datetime | None,
    newest_correction_by_mark: datetime | None,
) -> bool:
    """Whether the nightly retraining should run now, `mark` being the latest nightly hour passed (last_mark).

    Once a night, and only when a person corrected a verdict before tonight's hour that the last retraining on
    the shipped model in use did not see: corrections made during a day are learnt the night after.
    `learnt_through` is the newest correction that retraining saw (None when there was none on this model: a
    new release learns the corrections again).
    """
    if newest_correction_by_mark is None:
        return False
    if learnt_through is not None and newest_correction_by_mark <= learnt_through:
        return False
    return last_fit_at is None or last_fit_at < mark


def last_mark(now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """The latest `hour`:00 in `zone` at or before `now`; on a night the clocks skip that hour, the time it maps
    to (zoneinfo moves a missing time forward by the gap)."""
    local = now.astimezone(zone)
    for days in (0, 1):
        day = local.date() - timedelta(days=days)
        mark = datetime.combine(day, time(hour), tzinfo=zone)
        if mark <= now:
            return mark
    raise AssertionError("an hour of yesterday is always before now")  # pragma: no cover
