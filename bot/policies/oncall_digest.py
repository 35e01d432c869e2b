"""The morning digest: when it is due (the team back on duty after a break) and which night it covers."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.policies.hours import BusinessHours, last_closing, opened_at

# ---------------------------------------------------------------------------------------------- morning digest


def digest_due(hours: BusinessHours, last_digest_at: datetime | None, now: datetime) -> datetime | None:
    """The start of the current open period, when the team is on duty and no digest went out since it last
    went off duty; None otherwise. Every opening after a break counts, a lunch break included."""
    opening = opened_at(hours, now)
    closing = last_closing(hours, now)
    if opening is None or closing is None:
        return None
    if last_digest_at is not None and last_digest_at >= closing:
        return None
    return opening


def night_window(hours: BusinessHours, now: datetime) -> tuple[datetime, datetime]:
    """What the digest covers: from when the team last went off duty to `now` (empty if it never did)."""
    now = now.astimezone(UTC)
    return (last_closing(hours, now) or now, now)
