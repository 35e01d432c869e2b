"""Where each kind of news goes in Slack, and when a rush of sales becomes one digest message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Topic(StrEnum):
    SALE = "sale"
    TICKET = "ticket"
    DISPUTE = "dispute"
    MORNING = "morning"  # the morning digest


@dataclass(frozen=True)
class Channels:
    sales: str | None
    support: str | None
    disputes: str | None
    oncall: str | None = None


def channel_for(topic: Topic, channels: Channels) -> str | None:
    """The channel for a topic; disputes fall back to sales, where the disputed sale was announced. The morning
    digest goes where the night's alerts went, so it sits under them; without on-call, to support."""
    if topic is Topic.SALE:
        return channels.sales
    if topic is Topic.TICKET:
        return channels.support
    if topic is Topic.MORNING:
        return channels.oncall or channels.support or channels.sales
    return channels.disputes or channels.sales


class SaleDelivery(StrEnum):
    CARD = "card"
    DIGEST = "digest"


@dataclass(frozen=True)
class DigestRules:
    # More sales waiting than the channel can show in about this many posts means a rush.
    rush_backlog: int = 3
    # A digest keeps taking sales while they keep coming...
    quiet_gap: timedelta = timedelta(seconds=30)
    # ...but not forever, so one launch day still reads as a few messages, not one unbounded one.
    max_age: timedelta = timedelta(minutes=15)


def is_digest_open(opened_at: datetime, last_folded_at: datetime, now: datetime, rules: DigestRules) -> bool:
    return now - last_folded_at < rules.quiet_gap and now - opened_at < rules.max_age


def classify_sale_delivery(backlog: int, digest_open: bool, rules: DigestRules) -> SaleDelivery:
    """A sale gets its own card unless sales are arriving faster than Slack lets us post them."""
    if digest_open or backlog >= rules.rush_backlog:
        return SaleDelivery.DIGEST
    return SaleDelivery.CARD
