"""Whether a customer's message asks for their money back, and whether that is big enough to page at night.

A refund request is cheap to answer by day and expensive to leave overnight: a customer who asked for a big
refund and heard nothing by morning opens a dispute instead. A chargeback threat counts as asking: the money
leaves either way, only slower and with a fee.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.policies.tone import Flag

_ASKS = re.compile(
    r"\b(?:refund(?:s|ing)?|(?:be|get|getting) refunded|money back|reimburse(?:d|ment)?|"
    r"reverse (?:the|my) (?:payment|charge)|"
    r"cancel (?:my|the) (?:order|purchase|subscription) and (?:give|send|pay))\b",
    re.IGNORECASE,
)
# "No refund needed", "I don't want a refund", "not asking for my money back": a customer saying the opposite.
_DECLINES = re.compile(
    r"\b(?:no|not|don'?t|do not|never|without)\b(?:\W+\w+){0,3}?\W+"
    r"(?:refund|money back|reimburse)|\brefund (?:is )?not (?:needed|necessary|required)\b",
    re.IGNORECASE,
)
# Asking how refunds work, or thanking for one, is not a request: "what is your refund policy?"
_ASKS_ABOUT = re.compile(
    r"\brefund (?:policy|policies|terms|window|period|button|link|form|page)\b|"
    r"\b(?:thanks?|thank you) (?:\w+ )?for the refund\b|\b(?:got|received) (?:my|the) refund\b",
    re.IGNORECASE,
)


def asks_for_refund(text: str, flags: Iterable[Flag] = ()) -> bool:
    """Whether the message asks for money back, or threatens to take it back through the bank."""
    if Flag.CHARGEBACK in set(flags):
        return True
    if not _ASKS.search(text) or _DECLINES.search(text):
        return False
    return not (_ASKS_ABOUT.search(text) and not re.search(r"\brefund (?:me|it|my|the|this)\b", text, re.I))


@dataclass(frozen=True)
class BigRefundRule:
    """A request for at least `threshold_minor` of `currency` pages out of hours; 0 turns it off. Sales in other
    currencies are not compared: there is no exchange rate here, and a wrong guess would page someone."""

    threshold_minor: int
    currency: str


def is_big_refund_request(
    text: str, flags: Iterable[Flag], refundable_minor: int, currency: str | None, rule: BigRefundRule
) -> bool:
    """`refundable_minor` is what the customer could get back in `currency`: what they paid, less refunds."""
    if rule.threshold_minor <= 0 or currency is None or currency.upper() != rule.currency.upper():
        return False
    return refundable_minor >= rule.threshold_minor and asks_for_refund(text, flags)
