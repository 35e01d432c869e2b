"""Two-person approval of big refunds: which refunds wait for a second owner, and who may give it.

The threshold is in the shop's main currency. A refund in another currency always waits when approval is on:
without exchange rates the bot cannot tell a small refund in yen from a large one in pounds, and guessing
wrong in the lenient direction is the one mistake this rule exists to prevent.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from bot.policies.permissions import Decision


@dataclass(frozen=True)
class ApprovalRule:
    threshold_minor: int  # in minor units of `currency`; 0: no refund needs approval
    currency: str
    hours: float = 24.0

    @property
    def on(self) -> bool:
        return self.threshold_minor > 0

    @property
    def lasts(self) -> timedelta:
        return timedelta(hours=self.hours)


OFF = ApprovalRule(0, "USD")


def needs_approval(rule: ApprovalRule, amount_minor: int, currency: str | None) -> bool:
    """Whether a refund of `amount_minor` in `currency` must wait for a second owner."""
    if not rule.on:
        return False
    if (currency or "").upper() != rule.currency.upper():
        return True
    return amount_minor >= rule.threshold_minor


def may_approve(user_id: str, requester_id: str, owners: Collection[str]) -> Decision:
    """Whether `user_id` may approve a refund `requester_id` asked for; the reason is shown to them as it is."""
    if user_id not in owners:
        return Decision(False, "Sorry, approving refunds is for the shop's owners.")
    if user_id == requester_id:
        return Decision(
            False,
            "You asked for this refund, so another owner has to approve it: that is the point of two-person "
            "approval. You may still decline it, to withdraw it.",
        )
    return Decision(True, "a second owner approves")


def may_decline(user_id: str, owners: Collection[str]) -> Decision:
    """Any owner may decline, the requester included (that withdraws the request)."""
    if user_id not in owners:
        return Decision(False, "Sorry, declining refunds is for the shop's owners.")
    return Decision(True, "owners may decline")
