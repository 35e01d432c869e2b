"""The team's tone head, pure: a head of zeros is the shipped model, its pull is bounded, and it runs nightly."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.policies.tone import ModelScores, WindowScores
from bot.policies.tone_head import FEATURES, ToneHead, head_label, is_retrain_due, last_mark
from bot.policies.tone_rules import analyse

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = WindowScores((0.5, 0.3, 0.2), {"chargeback": 0.0, "legal": 0.9, "public": 0.0, "threat": 0.0}, "")
SCORES = ModelScores("shipped", (WINDOW,))
N = len(FEATURES)


def head(weights: tuple[float, ...], bias: float = 0.0, scales: float = 1.0) -> ToneHead:
    return ToneHead(1, "shipped", (0.0,) * N, (scales,) * N, weights, bias)


def test_a_head_of_zeros_is_the_shipped_model():
    adjusted = head((0.0,) * N).adjust(analyse("Where is my order?"), SCORES)
    assert adjusted.windows[0].tone == pytest.approx(WINDOW.tone)
    assert adjusted.windows[0].flags == WINDOW.flags and adjusted.version == "shipped+head.1"


def test_moving_abuse_keeps_neutral_and_frustrated_in_proportion():
    neutral, frustrated, abusive = head((0.0,) * N, bias=10.0).adjust(analyse("x"), SCORES).windows[0].tone
    assert abusive > 0.99 and neutral / frustrated == pytest.approx(0.5 / 0.3)
    assert neutral + frustrated + abusive == pytest.approx(1.0)


def test_a_feature_far_outside_what_the_team_corrected_moves_the_verdict_a_bounded_amount():
    # The legal flag weighs 1 per spread, and its spread was tiny: unbounded, 0.9 would move the logit by 9,000.
    weights = tuple(1.0 if name == "model legal" else 0.0 for name in FEATURES)
    moved = head(weights, scales=1e-4).shift(tuple(0.9 if name == "model legal" else 0.0 for name in FEATURES))
    assert moved == pytest.approx(4.0)


def test_a_head_fitted_on_other_features_is_refused():
    with pytest.raises(ValueError, match="other features"):
        ToneHead.from_json(1, "shipped", {"features": ["old"], "means": [], "scales": [], "weights": [], "bias": 0})


def test_the_version_shown_names_the_head_in_use():
    assert head_label("tone-minilm-abc", None) == "tone-minilm-abc"
    assert head_label("tone-minilm-abc", 7) == "tone-minilm-abc+head.7"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "mark"),
    [
        ("2026-11-25T02:00", "2026-11-25T02:00"),  # 03:00 in Berlin exactly
        ("2026-11-25T01:59", "2026-11-24T02:00"),  # a minute before: last night's
        ("2026-11-24T23:30", "2026-11-24T02:00"),  # past midnight in Berlin, before 03:00
        ("2027-03-28T01:30", "2027-03-28T01:00"),  # the spring night 02:00-03:00 is skipped: 03:00 CEST is 01:00 UTC
        ("2027-10-31T02:30", "2027-10-31T02:00"),  # the autumn night: 03:00 CET is 02:00 UTC
    ],
)
def test_the_nightly_hour_is_in_the_teams_time_zone_through_daylight_saving(now, mark):
    assert last_mark(at(now), BERLIN, 3) == at(mark)


MARK = at("2026-11-25T02:00")


@pytest.mark.parametrize(
    ("last_fit_at", "learnt_through", "newest", "due"),
    [
        (None, None, None, False),  # nobody corrected anything
        (None, None, "2026-11-24T15:00", True),  # never retrained: tonight
        ("2026-11-24T02:05", "2026-11-23T10:00", "2026-11-24T15:00", True),  # a correction since last night
        ("2026-11-24T02:05", "2026-11-24T15:00", "2026-11-24T15:00", False),  # nothing new
        ("2026-11-25T02:01", "2026-11-23T10:00", "2026-11-24T15:00", False),  # done tonight already
        ("2026-11-25T02:00", "2026-11-23T10:00", "2026-11-24T15:00", False),  # done at the hour itself
    ],
)
def test_retraining_is_due_once_a_night_with_new_corrections(last_fit_at, learnt_through, newest, due):
    def when(text: str | None) -> datetime | None:
        return at(text) if text else None

    assert (
        is_retrain_due(
            MARK,
            last_fit_at=when(last_fit_at),
            learnt_through=when(learnt_through),
            newest_correction_by_mark=when(newest),
        )
        is due
    )
