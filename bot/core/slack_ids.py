"""Slack identifiers the code and `manifest.yaml` share; a test keeps them in agreement."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    SUPPORT = "/support"
    TAKEOVER = "/takeover"
    REFUND = "/refund"
    REVOKE = "/revoke"
    UNSUBSCRIBE = "/unsubscribe"
    PARTWAYS = "/partways"
    CUSTOMER = "/customer"
    AUDIT = "/audit"


class Event(StrEnum):
    APP_MENTION = "app_mention"
    APP_HOME_OPENED = "app_home_opened"


class ActionId(StrEnum):
    """Buttons on cards and messages; each value is "<subject>:<id>" (or an action id for a retry)."""

    TAKE_OVER = "take-over"
    REPLY = "reply-open"
    NOTE = "note-open"  # an internal note in the ticket's help desk
    REFUND = "refund-open"
    REVOKE = "revoke-open"
    UNSUBSCRIBE = "unsubscribe-open"
    PART_WAYS = "part-ways-open"
    RETRY_STEPS = "retry-failed-steps"
    RETRY_REPLY = "retry-reply"  # value: the failed reply's action id
    # On warnings and hidden messages; each value is a ticket message's id.
    SHOW_MESSAGE = "tone-show-message"
    NOT_ABUSIVE = "tone-not-abusive"
    IS_ABUSIVE = "tone-is-abusive"
    ACKNOWLEDGE = "alert-acknowledge"  # value: the alert's id
    # On approval cards and the owners' Home tab; each value is a refund approval's id.
    APPROVE_REFUND = "refund-approve"
    DECLINE_REFUND = "refund-decline"
    DISPUTE_EVIDENCE = "dispute-evidence-open"  # value: "dispute:<id>", as the other card buttons
    DISPUTE_SUBMIT = "dispute-submit-open"
    DISPUTE_ACCEPT = "dispute-accept-open"


class ViewId(StrEnum):
    """Modals: each confirms one kind of action."""

    REFUND = "refund-confirm"
    REVOKE = "revoke-confirm"
    UNSUBSCRIBE = "unsubscribe-confirm"
    PART_WAYS = "part-ways-confirm"
    REPLY = "reply-send"
    NOTE = "note-add"
    REPLY_HELD = "reply-held"  # pushed over the reply modal when the draft reads as abusive or sarcastic
    DISPUTE_EVIDENCE = "dispute-evidence-confirm"
    DISPUTE_SUBMIT = "dispute-submit-confirm"
    DISPUTE_ACCEPT = "dispute-accept-confirm"


class Shortcut(StrEnum):
    """Message shortcuts (the "…" menu on a message)."""

    MARK_ABUSIVE = "mark-abusive"
