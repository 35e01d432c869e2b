"""The pure half of the language-model classifier: own text, windows, and how scores and rules combine."""

from __future__ import annotations

import itertools

import pytest

from bot.policies.tone import MODEL_THREAT, Flag, ModelScores, Tone, ToneVerdict, WindowScores, classify_tone, judge
from bot.policies.tone_rules import analyse
from bot.policies.tone_text import own_text, windows

NO_FLAGS = {"chargeback": 0.0, "legal": 0.0, "public": 0.0, "threat": 0.0}


def scores(*tones: tuple[float, float, float], threat: float = 0.0, legal: float = 0.0) -> ModelScores:
    flags = NO_FLAGS | {"threat": threat, "legal": legal}
    return ModelScores("test", tuple(WindowScores(t, flags, f"part {i}") for i, t in enumerate(tones)))


def judged(text: str, scores: ModelScores) -> ToneVerdict:
    return judge(analyse(text), scores)


def test_the_word_model_is_averaged_in_for_neutral_against_frustrated_only() -> None:
    curt = "This is unacceptable. Fix it today."
    assert judged(curt, scores((0.6, 0.4, 0.0))).tone is Tone.NEUTRAL
    assert classify_tone(curt, scores=scores((0.6, 0.4, 0.0))).tone is Tone.FRUSTRATED
    assert classify_tone("Where is my invoice?", scores=scores((0.1, 0.2, 0.7))).tone is Tone.ABUSIVE


def test_the_model_decides_when_no_rule_fires() -> None:
    assert judged("Where is my key?", scores=scores((0.9, 0.08, 0.02))).tone is Tone.NEUTRAL
    assert judged("Where is my key?", scores=scores((0.2, 0.7, 0.1))).tone is Tone.FRUSTRATED
    verdict = judged("Talk to a goldfish.", scores=scores((0.1, 0.2, 0.7)))
    assert verdict.tone is Tone.ABUSIVE and verdict.score == 0.7
    assert any(reason.startswith("model: abusive") for reason in verdict.reasons)


def test_a_rule_can_raise_the_verdict_but_never_lower_it() -> None:
    raised = judged("You are useless idiots.", scores=scores((0.9, 0.1, 0.0)))
    assert raised.tone is Tone.ABUSIVE
    assert any(reason.startswith("insult aimed at staff") for reason in raised.reasons)
    assert "raised to abusive by the rules" in raised.reasons
    kept = judged("What a nice day for a change.", scores=scores((0.1, 0.1, 0.8)))
    assert kept.tone is Tone.ABUSIVE


def test_words_the_rules_read_and_did_not_count_need_the_model_to_be_sure() -> None:
    """Reported speech is not abuse (issue 15): the model reacts to the word, the rules know whom it is aimed at."""
    reported = judged("My boss called me an idiot.", scores=scores((0.1, 0.1, 0.8)))
    assert reported.tone is not Tone.ABUSIVE
    assert any("not aimed at the staff" in reason for reason in reported.reasons)
    sure = judged("My boss called me an idiot.", scores=scores((0.0, 0.05, 0.95)))
    assert sure.tone is Tone.ABUSIVE


def test_the_worst_window_of_a_long_message_counts_and_is_quoted() -> None:
    long_text = "A long email about my order, which the model reads in three overlapping parts."
    verdict = judged(long_text, scores=scores((0.9, 0.1, 0.0), (0.1, 0.1, 0.8), (0.9, 0.1, 0.0)))
    assert verdict.tone is Tone.ABUSIVE
    assert 'model: abusive (0.80) in "part 1"' in verdict.reasons
    assert any(reason.startswith("long message: judged in 3") for reason in verdict.reasons)


def test_threat_has_its_own_lower_threshold_and_makes_the_message_abusive() -> None:
    verdict = judged("See you soon.", scores=scores((0.8, 0.2, 0.0), threat=MODEL_THREAT))
    assert (verdict.tone, set(verdict.flags)) == (Tone.ABUSIVE, {Flag.THREAT})
    below = judged("See you soon.", scores=scores((0.8, 0.2, 0.0), threat=MODEL_THREAT - 0.01))
    assert (below.tone, set(below.flags)) == (Tone.NEUTRAL, set())


def test_other_languages_are_never_abusive_but_keep_flags() -> None:
    verdict = judged(
        "Ihr seid Betrüger, ich gehe zum Anwalt und zur Verbraucherzentrale.",
        scores=scores((0.1, 0.2, 0.7), legal=0.9),
    )
    assert verdict.tone is Tone.FRUSTRATED
    assert Flag.LEGAL in verdict.flags


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Where is my key?\n\n-- \nSam Doe\nACME Ltd", "Where is my key?"),
        ("Where is my key?\n\nSent from my iPhone", "Where is my key?"),
        ("Where is my key?\n\nKind regards,\nSam Doe\n+1 555 0100", "Where is my key?"),
        ("Still broken.\n\n> you idiots\n> fix it", "Still broken."),
        # A sign-off followed by a paragraph is not a signature.
        (
            "Thanks,\nbut one more thing: the invoice has the wrong address on it, it should say Leeds.",
            "Thanks,\nbut one more thing: the invoice has the wrong address on it, it should say Leeds.",
        ),
    ],
)
def test_own_text_drops_quotes_and_signatures(text: str, own: str) -> None:
    assert own_text(text).text == own


def test_windows_overlap_and_cover_everything() -> None:
    assert windows(10, 126, 32) == [(0, 10)]
    assert windows(126, 126, 32) == [(0, 126)]
    for length in range(127, 1300):
        spans = windows(length, 126, 32)
        assert spans[0][0] == 0 and spans[-1][1] == length
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end - start >= 32
        # one width for all, so a batch has no padding; and no more windows than full-size ones would take
        assert len({end - start for start, end in spans}) == 1 and spans[0][1] <= 126
        assert len(spans) == -(-(length - 32) // (126 - 32))


def test_windows_read_fewer_tokens_than_full_size_ones() -> None:
    # 320 tokens: four windows either way, of 126 tokens with the last flush with the end (504), or of 104 (416)
    assert windows(320, 126, 32) == [(0, 104), (72, 176), (144, 248), (216, 320)]
