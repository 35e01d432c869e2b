"""Each customer message's tone, judged as it arrives, and what the team hears when a customer's tone turns."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.observability import metrics
from bot.oncall.alerts import OnCall, raise_alert
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.outbox.records import ToneFlagsReply, ToneWarningReply
from bot.policies.oncall_escalation import AlertKind, route
from bot.policies.routing import Channels, Topic, channel_for
from bot.policies.tone import Flag, Tone
from bot.policies.tone_trend import Said, tone_turn
from bot.storage.models.oncall import ToneAlertDetails
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import ticket_messages
from bot.tone import classify_tone, model_version
from bot.tone.retrain import head_in_use


def warning_key(message_id: int) -> str:
    return f"tone-warning:{message_id}"


def said_by_customer(messages: Iterable[TicketMessage]) -> list[Said]:
    return [
        Said(Tone(m.tone), frozenset(Flag(f) for f in (m.tone_verdict or {}).get("flags", ())))
        for m in messages
        if m.sender == "customer" and m.tone
    ]


async def judge_message(
    session: AsyncSession,
    ticket: Ticket,
    message: TicketMessage,
    channels: Channels,
    now: datetime,
    oncall: OnCall | None = None,
    open_now: bool = False,
) -> None:
    """Classify a customer's message and queue the warning, threat note and on-call alert it calls for."""
    # The model takes tens of milliseconds of CPU (more for a long email, and its first use loads it): off the
    # event loop, so webhooks and Slack keep being answered meanwhile.
    head = await head_in_use(session)
    verdict = await asyncio.to_thread(classify_tone, message.body, head)
    metrics.count_tone(session, verdict.tone)
    message.tone = verdict.tone
    message.tone_verdict = {
        "tone": verdict.tone.value,
        # Which model judged: a verdict given before a retraining is told apart from one given after it.
        "model": head.label if head is not None else model_version(),
        "score": round(verdict.score, 3),
        "reasons": list(verdict.reasons),
        "flags": sorted(flag.value for flag in verdict.flags),
    }
    earlier = [m for m in await ticket_messages(session, ticket.id, until=message) if m.id != message.id]
    turn = tone_turn(said_by_customer(earlier), said_by_customer([message])[0])
    support = channel_for(Topic.TICKET, channels)
    if support is None:
        return
    routing = route(AlertKind.ABUSE if turn.warn else AlertKind.THREAT, open_now=open_now)
    alerted = turn.alert and routing.to_oncall and oncall is not None and oncall.channel is not None
    if turn.warn:
        warning = ToneWarningReply(
            message.id,
            oncall=channels.oncall if alerted else None,
            marker=routing.marker if turn.alert and not alerted else "",
        )
        queue.ticket_reply(session, warning_key(message.id), ticket.id, support, now, warning)
    elif turn.new_flags and earlier:
        # A threat in the message that opened the ticket is on its card already; a later one is told here.
        told = ToneFlagsReply(message.id, frozenset(turn.new_flags))
        queue.ticket_reply(session, f"tone-flags:{message.id}", ticket.id, support, now, told)
    if alerted:
        assert oncall is not None
        kind = AlertKind.ABUSE if turn.warn else AlertKind.THREAT
        await raise_alert(
            session,
            oncall,
            f"{kind}:message:{message.id}",
            kind,
            about=Subject.TICKET,
            about_id=ticket.id,
            details=ToneAlertDetails(message.id),
            now=now,
        )
