"""Two-person approval of big refunds: which refunds wait, and who may approve or decline them."""

from __future__ import annotations

import pytest

from bot.policies.approvals import OFF, ApprovalRule, may_approve, may_decline, needs_approval

RULE = ApprovalRule(50000, "USD")  # $500.00
OWNERS = ("U0ANN", "U0BOB")


@pytest.mark.parametrize(
    ("rule", "amount", "currency", "waits"),
    [
        (RULE, 49999, "USD", False),  # a cent below
        (RULE, 50000, "USD", True),  # at the threshold: "at or above"
        (RULE, 50001, "usd", True),  # currency codes in either case
        (RULE, 100, "EUR", True),  # another currency: no rates, so always asked
        (RULE, 100, None, True),  # an unknown currency likewise
        (OFF, 10**9, "USD", False),  # 0 turns it off
        (OFF, 100, "EUR", False),
        (ApprovalRule(500, "JPY"), 500, "JPY", True),  # yen have no minor unit
    ],
)
def test_which_refunds_wait_for_a_second_owner(rule, amount, currency, waits):
    assert needs_approval(rule, amount, currency) is waits


@pytest.mark.parametrize(
    ("user", "requester", "allowed", "words"),
    [
        ("U0BOB", "U0ANN", True, ""),
        ("U0ANN", "U0ANN", False, "another owner has to approve it"),
        ("U0AGENT", "U0ANN", False, "for the shop's owners"),
    ],
)
def test_who_may_approve(user, requester, allowed, words):
    decision = may_approve(user, requester, OWNERS)
    assert decision.allowed is allowed and words in decision.reason


def test_any_owner_may_decline_the_requester_too_but_nobody_else():
    assert may_decline("U0ANN", OWNERS).allowed and may_decline("U0BOB", OWNERS).allowed
    assert not may_decline("U0AGENT", OWNERS).allowed
