"""Answering a dispute from Slack: what the bot knows, gathered as evidence, and where the answer stands."""

from __future__ import annotations

from enum import StrEnum


class EvidenceState(StrEnum):
    STAGED = "staged"  # Stripe holds the evidence as a draft; nothing has gone to the bank yet
    SUBMITTED = "submitted"  # final: the bank (or PayPal) is deciding
    ACCEPTED = "accepted"  # the shop conceded; the customer keeps the money


def evidence_words(state: str | None) -> str:
    """How a card or a reminder names where the answer stands."""
    match state:
        case EvidenceState.STAGED:
            return "staged, not yet submitted to the bank"
        case EvidenceState.SUBMITTED:
            return "submitted"
        case EvidenceState.ACCEPTED:
            return "accepted (conceded)"
    return "none yet"
