"""What a person can ask the bot to do, the permission each needs, and the idempotency key of each request.

A key names the thing done, not the click: two clicks, two people or a Slack retry asking for the same thing
make the same key, so the second finds the first instead of doing it again. Where doing it again later is a
legitimate new wish (a second partial refund, taking a ticket back), the key includes the state it was asked
in, so that only a repeat of the same wish in the same state collapses into one.
"""

from __future__ import annotations

import hashlib

from bot.core.action_kinds import Kind
from bot.policies.permissions import Action

PERMISSION = {
    Kind.REFUND: Action.REFUND,
    Kind.REVOKE_LICENCE: Action.REVOKE_LICENCE,
    Kind.UNSUBSCRIBE: Action.UNSUBSCRIBE,
    Kind.TAKE_OVER: Action.TAKE_OVER,
    Kind.REPLY: Action.REPLY,
    Kind.NOTE: Action.REPLY,
    Kind.CLOSE_TICKET: Action.PART_WAYS,
    Kind.PART_WAYS: Action.PART_WAYS,
    Kind.DISPUTE_EVIDENCE: Action.ANSWER_DISPUTE,
    Kind.DISPUTE_SUBMIT: Action.ANSWER_DISPUTE,
    Kind.DISPUTE_ACCEPT: Action.ANSWER_DISPUTE,
}


def refund_key(payment_id: int, amount_minor: int | None, refunded_before_minor: int) -> str:
    return f"refund:{payment_id}:{amount_minor if amount_minor is not None else 'rest'}:{refunded_before_minor}"


def revoke_key(licence: str) -> str:
    return f"revoke:{_short(licence)}"


def revoke_all_key(email: str) -> str:
    return f"revoke-all:{_hidden(email.lower())}"


def unsubscribe_key(list_name: str, email: str) -> str:
    return f"unsubscribe:{_short(list_name)}:{_hidden(email.lower())}"


def take_over_key(ticket_id: int, turn: int, previous_assignee: str | None, new_assignee: str) -> str:
    # `turn` (how many take-overs the ticket had before) tells apart taking a ticket back a second time from a
    # repeat of the first; who had it before does not, when two people pass a ticket back and forth.
    return f"take-over:{ticket_id}:{turn}:{previous_assignee or '-'}:{new_assignee}"


def reply_key(ticket_id: int, draft_id: str) -> str:
    return f"reply:{ticket_id}:{_short(draft_id)}"


def note_key(ticket_id: int, draft_id: str) -> str:
    return f"note:{ticket_id}:{_short(draft_id)}"


def close_key(ticket_id: int) -> str:
    return f"close:{ticket_id}"


def part_ways_key(customer_id: int, confirmation_id: str) -> str:
    # Parting ways is asked per confirmation; its steps carry their own keys, so a step done before is not
    # done again, whichever part-ways asks for it.
    return f"part-ways:{customer_id}:{_short(confirmation_id)}"


def dispute_evidence_key(dispute_id: int, confirmation_id: str) -> str:
    # Evidence may be staged again, edited, before it is submitted: each confirmed form is its own request.
    return f"dispute-evidence:{dispute_id}:{_short(confirmation_id)}"


def dispute_submit_key(provider_dispute_id: str) -> str:
    # A dispute is submitted once, whoever asks and however often: the key names the dispute alone.
    return f"dispute-submit:{_short(provider_dispute_id)}"


def dispute_accept_key(provider_dispute_id: str) -> str:
    return f"dispute-accept:{_short(provider_dispute_id)}"


def _short(value: str) -> str:
    # Keys fit their column; a long provider id keeps a readable head and a digest of the whole.
    return value if len(value) <= 80 else f"{value[:40]}~{_hidden(value)}"


def _hidden(value: str) -> str:
    # Emails stay out of keys: a key is copied to providers and the audit trail's hashed part.
    return hashlib.sha256(value.encode()).hexdigest()[:24]
