from __future__ import annotations

import pytest

from bot.policies.refund_requests import BigRefundRule, asks_for_refund, is_big_refund_request
from bot.policies.tone import Flag

RULE = BigRefundRule(threshold_minor=20000, currency="USD")


@pytest.mark.parametrize(
    "text",
    [
        "Hello, I'd like a refund please, the course isn't a fit for me. Order 7781.",
        "Fine. Just cancel everything and refund me.",
        "I want my money back!",
        "Please reimburse me for the second licence.",
        "I expect to be refunded today.",
        "The refund policy is unfair, refund me now",
        "Can you reverse the payment? I was charged twice.",
    ],
)
def test_asking_for_money_back(text):
    assert asks_for_refund(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is your refund policy?",
        "No refund needed, just fix the download link.",
        "I don't want a refund, I want it to work.",
        "I was refunded already, thanks!",
        "Where is my licence key?",
        "Is there a refund window for the course?",
    ],
)
def test_not_asking_for_money_back(text):
    assert not asks_for_refund(text)


def test_a_chargeback_threat_is_a_refund_request_in_other_words():
    text = "If this isn't fixed by tomorrow I'll ask my bank to reverse it."
    assert not asks_for_refund(text) and asks_for_refund(text, [Flag.CHARGEBACK])


# From data/tone/heldout.jsonl, labelled by hand for this question.
@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Hi, I accidentally bought the course twice. Could one be refunded please?", True),
        ("Could I get a refund? The course is good but I don't have time for it right now.", True),
        ("Fine, whatever. Cancel my subscription and refund the last payment.", True),
        ("Please just give me a straight answer: can I get my money back or not?", True),
        ("I have spoken to a solicitor and they've advised me I'm entitled to a full refund. Please process it.", True),
        ("Give me my money back you crooks.", True),
        ("Hi, what is your refund policy for ebooks?", False),
        ("Thanks for the refund, received it today. Good luck with the product.", False),
        ("Great, so now the refund button doesn't work either. Fantastic.", False),
    ],
)
def test_labelled_messages(text, asks):
    assert asks_for_refund(text) is asks


@pytest.mark.parametrize(
    ("refundable", "currency", "rule", "big"),
    [
        (24900, "USD", RULE, True),
        (20000, "usd", RULE, True),  # at the threshold; currency codes in any case
        (19999, "USD", RULE, False),
        (90000, "EUR", RULE, False),  # no exchange rate here: other currencies are not compared
        (24900, None, RULE, False),
        (24900, "USD", BigRefundRule(0, "USD"), False),  # turned off
    ],
)
def test_big_refund_requests(refundable, currency, rule, big):
    assert is_big_refund_request("Refund me, please.", [], refundable, currency, rule) is big


def test_a_big_sale_without_a_request_is_not_a_big_refund_request():
    assert not is_big_refund_request("Where is my licence key?", [], 90000, "USD", RULE)
