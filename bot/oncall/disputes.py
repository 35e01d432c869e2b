"""Disputes on call: a new dispute or a new evidence deadline pages out of hours, and reminders go out before
the evidence is due (72 h, 24 h, 6 h), louder as it nears."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.blocks import duration, slack_date
from bot.cards.dispute import CLOSED_STATUSES, EVIDENCE_IN_STATUSES
from bot.core.wording import humanise
from bot.evidence import EvidenceState
from bot.oncall.alerts import OnCall, raise_alert, resolve_alerts
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.oncall_deadlines import ReminderLevel, deadline_reminders, reminder_due
from bot.policies.oncall_escalation import AlertKind, Urgency, route
from bot.storage.models.oncall import DisputeAlertDetails
from bot.storage.models.sales import Dispute

_LOUDNESS = {ReminderLevel.HEADS_UP: "⏳", ReminderLevel.SOON: "⏰", ReminderLevel.FINAL: "🚨"}


async def page_dispute_news(
    session: AsyncSession,
    dispute: Dispute,
    *,
    opened: bool,
    new_deadline: bool,
    oncall: OnCall,
    open_now: bool,
    now: datetime,
) -> None:
    """Out of hours, a dispute that just opened, or whose evidence deadline just changed, pages on-call."""
    if _closed(dispute) or not (opened or new_deadline):
        return
    kind = AlertKind.DISPUTE_OPENED if opened else AlertKind.DISPUTE_DEADLINE
    if not route(kind, open_now=open_now).to_oncall:
        return
    due = dispute.evidence_due_at.isoformat() if dispute.evidence_due_at else "none"
    key = f"{kind}:{dispute.id}" if opened else f"{kind}:{dispute.id}:{due}"
    details = DisputeAlertDetails(dispute.id)
    await raise_alert(session, oncall, key, kind, about=Subject.DISPUTE, about_id=dispute.id, details=details, now=now)


async def disputes_to_remind(session: AsyncSession, now: datetime) -> list[int]:
    """Open disputes whose evidence is still to come; the policy decides which reminder, if any, is due."""
    return list(
        await session.scalars(
            select(Dispute.id)
            .where(Dispute.evidence_due_at > now, Dispute.status.not_in(CLOSED_STATUSES))
            .order_by(Dispute.evidence_due_at)
        )
    )


async def remind(
    session: AsyncSession, dispute_id: int, now: datetime, oncall: OnCall, open_now: bool, channel: str | None
) -> bool:
    """Send the dispute's due reminder, once: the claim is a conditional update of `reminded_at`."""
    dispute = await session.get(Dispute, dispute_id, populate_existing=True)
    if dispute is None or dispute.evidence_due_at is None or _closed(dispute):
        return False
    if dispute.evidence_state in (EvidenceState.SUBMITTED, EvidenceState.ACCEPTED):
        return False  # answered from Slack: the deadline no longer needs anyone
    reminder = reminder_due(deadline_reminders(dispute.evidence_due_at, dispute.opened_at), dispute.reminded_at, now)
    if reminder is None:
        return False
    unchanged = (
        Dispute.reminded_at.is_(None) if dispute.reminded_at is None else Dispute.reminded_at == dispute.reminded_at
    )
    claimed = await session.execute(update(Dispute).where(Dispute.id == dispute.id, unchanged).values(reminded_at=now))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another process sent it
    left = dispute.evidence_due_at - now
    text = (
        f"{_LOUDNESS[reminder.level]} *Evidence due in {duration(left)}* ({slack_date(dispute.evidence_due_at)}): "
        + _what_is_left(dispute, reminder.level)
    )
    if channel is not None and dispute.slack_ts is not None:
        queue.reply(
            session,
            f"dispute-reminder:{dispute.id}:{reminder.level}",
            parent=Subject.DISPUTE,
            parent_id=dispute.id,
            channel=channel,
            text=text,
            now=now,
        )
    if reminder.urgency is Urgency.URGENT and route(AlertKind.DISPUTE_DEADLINE, open_now=open_now).to_oncall:
        await raise_alert(
            session,
            oncall,
            f"dispute-reminder:{dispute.id}:{reminder.level}",
            AlertKind.DISPUTE_DEADLINE,
            about=Subject.DISPUTE,
            about_id=dispute.id,
            details=DisputeAlertDetails(dispute.id, reminder.level),
            now=now,
        )
    return True


async def settle_dispute_alerts(session: AsyncSession, dispute: Dispute, now: datetime) -> None:
    """A dispute's status moved on: once it is closed nobody needs paging about it, and once the evidence is
    in (under review) the deadline alerts are over."""
    status = (dispute.status or "").lower()
    if _closed(dispute):
        await resolve_alerts(session, Subject.DISPUTE, dispute.id, f"the dispute is {humanise(status)}", now)
    elif status in EVIDENCE_IN_STATUSES:
        kinds = (AlertKind.DISPUTE_OPENED, AlertKind.DISPUTE_DEADLINE)
        await resolve_alerts(session, Subject.DISPUTE, dispute.id, "the evidence is in", now, kinds=kinds)


def _what_is_left(dispute: Dispute, level: ReminderLevel) -> str:
    if dispute.evidence_state == EvidenceState.STAGED:
        return (
            "the evidence is *staged but not submitted*: the bank sees nothing until someone presses "
            "*Submit to the bank* on the dispute."
        )
    if level is ReminderLevel.FINAL:
        return "no evidence yet: prepare and submit it now, or accept the dispute."
    return "no evidence yet: prepare it with *Prepare evidence…* on the dispute, and submit it in time."


def _closed(dispute: Dispute) -> bool:
    return (dispute.status or "").lower() in CLOSED_STATUSES
