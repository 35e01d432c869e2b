"""What an outbox item carries, typed: shared by the queue that stores it and the drawer (bot.cards.render) that
draws it. A thread reply carries a `ReplyPayload` (what it is about, one frozen record per kind, or else its words
fixed when queued); a redraw of a reply or alert carries a `RedrawPayload` (which one).

Each travels in the item's JSON `payload` in the shape items have always been stored in (`{"text": …, "record":
{"type": "waiting", "id": …}}`, `{"of": …}`): an item queued by an older version still delivers after an
upgrade. Both directions of that shape are written here, and nowhere else (the erasure of a customer's data,
bot.privacy.forget, scrubs the stored JSON as it is, whatever its shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.policies.tone import Flag


@dataclass(frozen=True)
class TicketMessageReply:
    """A customer's or the team's message, shown in its ticket's thread."""

    message_id: int

    def to_json(self) -> dict[str, Any]:
        return {"type": "ticket_message", "id": self.message_id}


@dataclass(frozen=True)
class RefundReply:
    """A refund, told in its sale's thread."""

    refund_id: int

    def to_json(self) -> dict[str, Any]:
        return {"type": "refund", "id": self.refund_id}


@dataclass(frozen=True)
class WaitingReply:
    """A customer waiting too long, told in the ticket's thread by day (at night on-call is paged instead)."""

    ticket_id: int
    since: datetime  # when the wait began: the note is drawn from the ticket as it is when sent
    marker: str = ""  # in front of the note, "" for none

    def to_json(self) -> dict[str, Any]:
        return {"type": "waiting", "id": self.ticket_id, "since": self.since.isoformat(), "marker": self.marker}


@dataclass(frozen=True)
class RefundRequestReply:
    """A customer's message asking for a big refund, told in the ticket's thread by day."""

    message_id: int
    refundable: int  # minor units of `currency` at stake
    currency: str
    marker: str = ""

    def to_json(self) -> dict[str, Any]:
        # "message_id" repeats "id": the stored shape had both (the alert's details merged into the record).
        return {
            "type": "refund_request",
            "id": self.message_id,
            "marker": self.marker,
            "message_id": self.message_id,
            "refundable": self.refundable,
            "currency": self.currency,
        }


@dataclass(frozen=True)
class ToneWarningReply:
    """The warning in a ticket's thread when the customer's messages turn abusive."""

    message_id: int
    oncall: str | None = None  # the on-call channel told as well, if it was
    marker: str = ""

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"type": "tone_warning", "id": self.message_id, "oncall": self.oncall}
        return shown | ({"marker": self.marker} if self.marker else {})


@dataclass(frozen=True)
class ToneFlagsReply:
    """A threat (or the like) in a later message of a ticket, told in its thread."""

    message_id: int
    flags: frozenset[Flag]

    def to_json(self) -> dict[str, Any]:
        return {"type": "tone_flags", "id": self.message_id, "flags": sorted(flag.value for flag in self.flags)}


ReplyRecord = TicketMessageReply | RefundReply | WaitingReply | RefundRequestReply | ToneWarningReply | ToneFlagsReply


def parse_reply_record(stored: Mapping[str, Any]) -> ReplyRecord | None:
    """The record a stored `payload["record"]` stands for; None for a type this version does not know (the reply
    is then drawn from its fixed text). A known type missing a field raises, as the item cannot be drawn."""
    match stored.get("type"):
        case "ticket_message":
            return TicketMessageReply(stored["id"])
        case "refund":
            return RefundReply(stored["id"])
        case "waiting":
            return WaitingReply(stored["id"], datetime.fromisoformat(stored["since"]), stored.get("marker") or "")
        case "refund_request":
            return RefundRequestReply(
                stored["id"], stored["refundable"], stored["currency"], stored.get("marker") or ""
            )
        case "tone_warning":
            return ToneWarningReply(stored["id"], stored.get("oncall"), stored.get("marker") or "")
        case "tone_flags":
            return ToneFlagsReply(stored["id"], frozenset(Flag(flag) for flag in stored["flags"]))
        case _:
            return None


@dataclass(frozen=True)
class ReplyPayload:
    """A thread reply: drawn from `record` when it is sent, or else shown with the words fixed when it was queued
    (outcomes, reminders, escalations; every outside part already escaped): `text`, and `blocks` if drawn."""

    text: str = ""
    record: ReplyRecord | None = None
    blocks: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        stored = {"record": self.record.to_json()} if self.record else {}
        return {"text": self.text} | stored | ({"blocks": self.blocks} if self.blocks else {})


@dataclass(frozen=True)
class RedrawPayload:
    """A redraw, from the records as they are when sent, of the reply or alert queued under `reply_key`."""

    reply_key: str

    def to_json(self) -> dict[str, Any]:
        return {"of": self.reply_key}


def parse_reply_payload(stored: Mapping[str, Any]) -> ReplyPayload:
    """A stored reply's payload; its record as `parse_reply_record` reads it (None when unknown or absent)."""
    record = stored.get("record")
    return ReplyPayload(stored.get("text") or "", parse_reply_record(record) if record else None, stored.get("blocks"))


def parse_redraw_payload(stored: Mapping[str, Any]) -> RedrawPayload:
    return RedrawPayload(stored["of"])
