"""Fitting the team's tone head (bot.policies.tone_head) on their corrections, and checking it earns its place.

The head is used only when it beats the shipped model on the corrections themselves, judged by k-fold
cross-validation: each correction is judged by a head that never saw it, through the whole verdict (model,
head, then the rules), and compared with what the shipped model and the rules alone said. It must get more
of them right and miss no more abusive ones. Everything is deterministic: the folds come from a seeded
permutation, and the fit is Newton's method from zero, with no randomness at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from bot.policies.tone import ModelScores, Tone, WindowScores, judge
from bot.policies.tone_head import CLIP, FEATURES, ToneHead, logit, window_features, worst_window
from bot.policies.tone_rules import Analysis

# Fewer corrections than this, or fewer than MIN_EACH of either answer, teach nothing a held-out fold can check.
MIN_CORRECTIONS = 10
MIN_EACH = 3
FOLDS = 5
SEED = 15
# The pull back towards the shipped model (a head of zeros), against the corrections' log-likelihood summed.
L2 = 1.0
_NEWTON_STEPS = 50
# A feature that barely varied among the corrections (a flag no corrected message raised) must not be blown up by
# its tiny spread into a huge value on the first message that raises it: no feature's scale is below this.
_SCALE_FLOOR = 0.5


@dataclass(frozen=True)
class Example:
    """One message a person judged, with what the shipped model and the rules made of it."""

    analysis: Analysis
    scores: ModelScores
    words: dict[Tone, float]  # the word model's probabilities, which the verdict also weighs
    abusive: bool  # what the person said


@dataclass(frozen=True)
class Evaluation:
    corrections: int
    abusive: int
    folds: int
    shipped_right: int = 0
    head_right: int = 0
    shipped_missed_abusive: int = 0
    head_missed_abusive: int = 0
    used: bool = False
    reason: str = ""
    # Corrections to "not abusive" that no head can follow: a rule or the threat flag calls them abusive, and
    # those stay the safety net (a threat pages on-call at night; a few clicks must not silence it).
    held_by_rules: int = 0

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def evaluate(examples: list[Example], seed: int = SEED, folds: int = FOLDS) -> Evaluation:
    """Cross-validate a head against the shipped model on the corrections, and say whether to use it."""
    abusive = sum(e.abusive for e in examples)
    fewest = min(abusive, len(examples) - abusive)
    if len(examples) < MIN_CORRECTIONS or fewest < MIN_EACH:
        return Evaluation(
            len(examples),
            abusive,
            0,
            reason=(
                f"too few corrections to learn from: {len(examples)} ({abusive} abusive, "
                f"{len(examples) - abusive} not); it takes {MIN_CORRECTIONS}, with {MIN_EACH} of each"
            ),
        )
    held = sum(not e.abusive and _held_by_rules(e) for e in examples)
    k = min(folds, fewest)
    fold_of = _stratified_folds([e.abusive for e in examples], k, seed)
    shipped = [_judged_abusive(e, None) for e in examples]
    with_head = list(shipped)
    for fold in range(k):
        training = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        head = fit(training, version=0, base_version="")
        for i, e in enumerate(examples):
            if fold_of[i] == fold:
                with_head[i] = _judged_abusive(e, head)
    truth = [e.abusive for e in examples]
    shipped_right = sum(s == t for s, t in zip(shipped, truth, strict=True))
    head_right = sum(h == t for h, t in zip(with_head, truth, strict=True))
    shipped_missed = sum(t and not s for s, t in zip(shipped, truth, strict=True))
    head_missed = sum(t and not h for h, t in zip(with_head, truth, strict=True))
    used = head_right > shipped_right and head_missed <= shipped_missed
    if used:
        reason = f"the head judged {head_right - shipped_right} more correction(s) as the team did"
    elif head_right <= shipped_right:
        reason = "the head did no better than the shipped model on corrections it had not seen"
    else:
        reason = "the head missed more messages the team called abusive than the shipped model did"
    return Evaluation(
        len(examples), abusive, k, shipped_right, head_right, shipped_missed, head_missed, used, reason, held
    )


def fit(examples: list[Example], version: int, base_version: str, l2: float = L2) -> ToneHead:
    """Penalised logistic regression with the shipped model's abusive logit as offset, by Newton's method."""
    windows = [worst_window(e.scores) for e in examples]
    x = np.array([window_features(e.analysis, w) for e, w in zip(examples, windows, strict=True)], dtype=np.float64)
    x = x.reshape(len(examples), len(FEATURES))
    offset = np.array([logit(w.tone[2]) for w in windows], dtype=np.float64)
    y = np.array([e.abusive for e in examples], dtype=np.float64)
    means = x.mean(axis=0)
    scales = np.maximum(x.std(axis=0), _SCALE_FLOOR)
    design = np.hstack([np.ones((len(examples), 1)), np.clip((x - means) / scales, -CLIP, CLIP)])
    theta = np.zeros(design.shape[1])
    penalty = l2 * np.eye(design.shape[1])
    for _ in range(_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(offset + design @ theta)))
        gradient = design.T @ (p - y) + l2 * theta
        hessian = design.T @ (design * (p * (1.0 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return ToneHead(
        version=version,
        base_version=base_version,
        means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales),
        weights=tuple(float(v) for v in theta[1:]),
        bias=float(theta[0]),
    )


def _judged_abusive(example: Example, head: ToneHead | None) -> bool:
    scores = head.adjust(example.analysis, example.scores) if head is not None else example.scores
    return judge(example.analysis, scores, example.words).tone is Tone.ABUSIVE


def _held_by_rules(example: Example) -> bool:
    calm = tuple(
        WindowScores((neutral + abusive, frustrated, 0.0), window.flags, window.excerpt)
        for window in example.scores.windows
        for neutral, frustrated, abusive in [window.tone]
    )
    scores = ModelScores(example.scores.version, calm)
    return judge(example.analysis, scores, example.words).tone is Tone.ABUSIVE


def _stratified_folds(labels: list[bool], k: int, seed: int) -> list[int]:
    """Each example's fold: both answers spread evenly over the folds, in an order fixed by the seed."""
    order = np.random.default_rng(seed).permutation(len(labels))
    fold_of = [0] * len(labels)
    counts = {True: 0, False: 0}
    for i in order:
        label = labels[int(i)]
        fold_of[int(i)] = counts[label] % k
        counts[label] += 1
    return fold_of
