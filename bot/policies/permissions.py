"""Who may do what: owners everything, agents the day-to-day work, anyone else nothing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    AGENT = "agent"
    OUTSIDER = "outsider"


class Action(StrEnum):
    TAKE_OVER = "take-over"
    REPLY = "reply"
    LOOK_UP = "look-up"
    VIEW_AUDIT = "view-audit"
    VIEW_STATUS = "view-status"
    REFUND = "refund"
    REVOKE_LICENCE = "revoke-licence"
    UNSUBSCRIBE = "unsubscribe"
    PART_WAYS = "part-ways"
    REVIEW_TONE = "review-tone"
    ACKNOWLEDGE = "acknowledge"
    DECIDE_REFUND = "decide-refund"  # approve or decline a big refund (who may approve: policies/approvals.py)
    CHOOSE_PREFERENCES = "choose-preferences"
    ANSWER_DISPUTE = "answer-dispute"


# What each action is called in a refusal a person reads.
_DESCRIBED = {
    Action.TAKE_OVER: "taking over tickets",
    Action.REPLY: "replying to customers",
    Action.LOOK_UP: "looking up customers",
    Action.VIEW_AUDIT: "reading the audit trail",
    Action.VIEW_STATUS: "the bot's delivery status",
    Action.REFUND: "refunds",
    Action.REVOKE_LICENCE: "revoking licences",
    Action.UNSUBSCRIBE: "unsubscribing customers",
    Action.PART_WAYS: "parting ways with a customer",
    Action.REVIEW_TONE: "correcting the bot's tone warnings",
    Action.ACKNOWLEDGE: "acknowledging on-call alerts",
    Action.DECIDE_REFUND: "approving or declining refunds",
    Action.CHOOSE_PREFERENCES: "changing how the bot behaves",
    Action.ANSWER_DISPUTE: "answering disputes",
}
AGENT_ACTIONS = frozenset(
    {
        Action.TAKE_OVER,
        Action.REPLY,
        Action.LOOK_UP,
        Action.VIEW_AUDIT,
        Action.VIEW_STATUS,
        Action.REVIEW_TONE,
        Action.ACKNOWLEDGE,
    }
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def role_of(user_id: str, owners: Collection[str], agents: Collection[str]) -> Role:
    if user_id in owners:
        return Role.OWNER
    return Role.AGENT if user_id in agents else Role.OUTSIDER


def may(user_id: str, action: Action, owners: Collection[str], agents: Collection[str]) -> Decision:
    """Whether `user_id` may do `action`; the reason is written to be shown to them as it is."""
    role = role_of(user_id, owners, agents)
    if role is Role.OWNER:
        return Decision(True, "owners may do everything")
    if role is Role.AGENT and action in AGENT_ACTIONS:
        return Decision(True, "agents may do this")
    what = _DESCRIBED[action]
    if role is Role.AGENT:
        return Decision(False, f"Sorry, {what} is for the shop's owners. Ask one of them to do it, or to make you one.")
    return Decision(
        False,
        f"Sorry, {what} is for the support team. If you should be on it, ask an owner to add you to the bot's "
        "agents or owners.",
    )
