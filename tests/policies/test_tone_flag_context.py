"""Flags the rest of the message undoes: a bank's block lifted, someone else's fraud reported to the bank, advice
to the shop, a review taken back in a later sentence, and a chargeback the model reads as legal.

Every sentence here was written for this test; none comes from a data set.
"""

from __future__ import annotations

import pytest

from bot.policies.tone import Flag, ModelScores, WindowScores, classify_tone, judge
from bot.policies.tone_rules import analyse


def flags_of(text: str) -> set[str]:
    return {hit.kind for hit in analyse(text).flags}


def declined_of(text: str) -> set[tuple[str, str]]:
    return {(hit.kind, hit.why) for hit in analyse(text).declined}


def model_says(**flags: float) -> ModelScores:
    scores = {"chargeback": 0.0, "legal": 0.0, "public": 0.0, "threat": 0.0} | flags
    return ModelScores("test", (WindowScores((0.7, 0.3, 0.0), scores, ""),))


@pytest.mark.parametrize(
    ("text", "declined"),
    [
        (
            "The bank flagged it and blocked the payment. I've approved it in my app now, shall I try again?",
            ("chargeback", "lifted since"),
        ),
        (
            "Someone set up a fake shop with your logo and took my card details. I've reported it to my bank.",
            ("chargeback", "someone else's fraud"),
        ),
        (
            "There's a phishing text going round in your name. I told my bank, maybe you could warn other customers.",
            ("public", "advice to the shop"),
        ),
        (
            "I posted a one-star review on Trustpilot last week. I've updated it to five stars since you fixed it.",
            ("public", "taken back"),
        ),
        (
            "Wrote a scathing Reddit post about the delay on Monday. Took it down this morning, all sorted.",
            ("public", "taken back"),
        ),
    ],
)
def test_what_the_rest_of_the_message_undoes_raises_nothing(text: str, declined: tuple[str, str]) -> None:
    assert declined[0] not in flags_of(text)
    assert declined in declined_of(text)


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        # the block is the customer's own doing and stays
        ("I've asked my bank to block the payment until you answer.", {"chargeback"}),
        # someone else's fraud beside a dispute of our own charge: the dispute stands
        (
            "Someone is spoofing your emails. Separately, I've disputed your charge because the course never unlocked.",
            {"chargeback"},
        ),
        # the customer as the one who warns
        ("I might warn other buyers on Trustpilot if this drags on.", {"public"}),
        # a review taken back, then a new one threatened in a later sentence
        ("I deleted my old review. Now I'm posting a new one-star review on Google.", {"public"}),
    ],
)
def test_the_flag_stands_when_nothing_undoes_it(text: str, flags: set[str]) -> None:
    assert flags_of(text) == flags


@pytest.mark.parametrize(
    ("text", "model", "held_back"),
    [
        # A chargeback asked of a bank, in any language, is no legal threat however the model reads it.
        ("Chiederò alla mia banca di stornare il pagamento.", model_says(chargeback=0.4, legal=0.7), Flag.LEGAL),
        ("I'll ask my card company to reverse the payment.", model_says(chargeback=0.9, legal=0.6), Flag.LEGAL),
        (
            "Someone is sending fake invoices in your name. I've reported it to my bank.",
            model_says(chargeback=0.8),
            Flag.CHARGEBACK,
        ),
        (
            "My card company blocked your charge as suspicious. I've unblocked it, trying again now.",
            model_says(chargeback=0.7),
            Flag.CHARGEBACK,
        ),
        (
            "It would be worth warning your other customers about the fake site.",
            model_says(public=0.8),
            Flag.PUBLIC,
        ),
    ],
)
def test_the_models_flag_on_an_undone_mention_is_held_back(text: str, model: ModelScores, held_back: Flag) -> None:
    verdict = judge(analyse(text), model)
    assert held_back not in verdict.flags, verdict
    assert any(reason.startswith("not counted") for reason in verdict.reasons)


def test_a_legal_threat_beside_a_chargeback_is_still_the_models_to_raise() -> None:
    # An authority or a legal word in the message leaves the model's legal flag alone.
    text = "I've asked my bank to reverse the payment and the Kantonrechter will get the rest."
    verdict = judge(analyse(text), model_says(chargeback=0.9, legal=0.7))
    assert {Flag.CHARGEBACK, Flag.LEGAL} <= verdict.flags


def test_a_chargeback_judged_by_the_rules_alone_gives_one_reason_not_two() -> None:
    # The legal mention declined on the same words only holds back a model's flag; without a model, the
    # chargeback reason says it all.
    verdict = classify_tone("Refund me by Friday or I'm asking my bank to reverse the payment.")
    assert verdict.flags == {Flag.CHARGEBACK}
    assert not [reason for reason in verdict.reasons if reason.startswith("not counted")], verdict.reasons
