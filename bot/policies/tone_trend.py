"""When a customer's messages turn: which message deserves a warning, and how a ticket's tone is going.

A bot that warns at every angry message gets muted, so the warning is for the turn: the first abusive message of
a ticket. Later abusive messages are still hidden and counted on the card, without a new warning each time.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from bot.policies.tone import Flag, Tone

_SEVERITY = {Tone.NEUTRAL: 0, Tone.FRUSTRATED: 1, Tone.ABUSIVE: 2}
# Flags worth waking someone for on their own; the others are called out on the card and in the thread.
URGENT_FLAGS = frozenset({Flag.THREAT})


@dataclass(frozen=True)
class Said:
    """One customer message as judged: the classifier's tone, or a person's correction of it."""

    tone: Tone
    flags: frozenset[Flag] = frozenset()


@dataclass(frozen=True)
class ToneTurn:
    """What the newest customer message changes."""

    warn: bool  # the ticket's first abusive message: a warning in the thread
    alert: bool  # on-call should hear of it now
    new_flags: frozenset[Flag]  # threats this ticket had not made before
    trend: TicketTone


@dataclass(frozen=True)
class TicketTone:
    """A ticket's tone at a glance, for its card and its warnings."""

    trajectory: tuple[Tone, ...]  # the customer's tones in order, repeats merged: (neutral, frustrated, abusive)
    abusive: int
    messages: int
    flags: frozenset[Flag]

    @property
    def worsening(self) -> bool:
        """Rising through at least two steps to the latest tone, e.g. neutral → frustrated (→ abusive)."""
        tail = self.trajectory[-3:]
        rising = all(_SEVERITY[a] < _SEVERITY[b] for a, b in itertools.pairwise(tail))
        return len(tail) >= 2 and rising

    @property
    def latest(self) -> Tone | None:
        return self.trajectory[-1] if self.trajectory else None


def ticket_tone(said: Sequence[Said]) -> TicketTone:
    trajectory: list[Tone] = []
    for message in said:
        if not trajectory or trajectory[-1] is not message.tone:
            trajectory.append(message.tone)
    return TicketTone(
        trajectory=tuple(trajectory),
        abusive=sum(1 for message in said if message.tone is Tone.ABUSIVE),
        messages=len(said),
        flags=frozenset().union(*(message.flags for message in said)),
    )


def tone_turn(earlier: Sequence[Said], latest: Said) -> ToneTurn:
    """What to do about `latest`, given the customer's earlier messages in the same ticket, oldest first."""
    before = ticket_tone(earlier)
    first_abuse = latest.tone is Tone.ABUSIVE and before.abusive == 0
    new_flags = latest.flags - before.flags
    return ToneTurn(
        warn=first_abuse,
        alert=first_abuse or bool(new_flags & URGENT_FLAGS),
        new_flags=new_flags,
        trend=ticket_tone([*earlier, latest]),
    )
