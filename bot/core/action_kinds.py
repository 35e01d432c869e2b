"""What a person can ask the bot to do: the words actions record, cards show and handlers route by.

The same strings are stored in ActionRecord.kind; a leaf, so that drawing an action's outcome needs nothing of
how it is carried out.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    REFUND = "refund"
    REVOKE_LICENCE = "revoke-licence"
    UNSUBSCRIBE = "unsubscribe"
    TAKE_OVER = "take-over"
    REPLY = "reply"
    NOTE = "note"
    CLOSE_TICKET = "close-ticket"
    PART_WAYS = "part-ways"
    DISPUTE_EVIDENCE = "dispute-evidence"
    DISPUTE_SUBMIT = "dispute-submit"
    DISPUTE_ACCEPT = "dispute-accept"
