"""The morning digest: when the team comes on duty, one message tells what happened while it was away.

The night is counted once, when the digest is made, and kept on its row: a redraw shows the same night, and
the row is also the "last digest" record the policy needs. Its unique `opening` is how two processes agree
that only one of them makes it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.cards.blocks import archive_link
from bot.cards.dispute import CLOSED_STATUSES
from bot.oncall.waiting import waiting_for
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.hours import BusinessHours
from bot.policies.oncall_digest import digest_due, night_window
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.tone import Tone
from bot.storage.models.actions import ActionRecord, ActionStatus
from bot.storage.models.customers import Customer
from bot.storage.models.oncall import Alert, MorningDigest
from bot.storage.models.sales import Dispute, Payment, Refund
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus

# Disputes whose evidence is due within this long are listed with their deadline.
DEADLINES_AHEAD = timedelta(hours=72)
LISTED = 8  # items per list; the rest are counted


async def make_digest_if_due(
    session: AsyncSession,
    hours: BusinessHours,
    channel: str,
    targets: ResponseTargets,
    now: datetime,
    *,
    chart_file_id: str | None = None,
) -> MorningDigest | None:
    """Make and queue the digest if the team has just come on duty and nobody made it yet; None otherwise.
    The week's first digest shows the 30-day chart, `chart_file_id` (Slack's copy, uploaded once)."""
    last = await session.scalar(select(func.max(MorningDigest.until)))
    opening = await _due_opening(session, hours, now)
    if opening is None:
        return None
    since, until = night_window(hours, now)
    figures = await night_figures(session, since, until, targets)
    if chart_file_id is not None and await _first_of_week(session, hours, opening):
        figures["chart_file_id"] = chart_file_id
    digest = MorningDigest(opening=opening, since=since, until=until, channel=channel, figures=figures)
    try:
        async with session.begin_nested():
            session.add(digest)
    except IntegrityError:
        return None  # another process made this morning's digest a moment ago
    if last is not None or not is_quiet(digest.figures):
        # The first digest ever (a new installation, an upgrade) speaks only if the night had news.
        queue.post_card(session, Subject.MORNING, digest.id, channel, now)
    return digest


async def weekly_digest_due(session: AsyncSession, hours: BusinessHours, now: datetime) -> bool:
    """Whether the digest due now is the week's first (Monday's, or the first after a Monday off): the one that
    shows the 30-day chart, so the chart is drawn just before it, not on every tick."""
    opening = await _due_opening(session, hours, now)
    return opening is not None and await _first_of_week(session, hours, opening)


async def _due_opening(session: AsyncSession, hours: BusinessHours, now: datetime) -> datetime | None:
    last = await session.scalar(select(func.max(MorningDigest.until)))
    opening = digest_due(hours, last, now)
    if opening is None:
        return None
    if await session.scalar(select(MorningDigest.id).where(MorningDigest.opening == opening)) is not None:
        return None
    return opening


async def _first_of_week(session: AsyncSession, hours: BusinessHours, opening: datetime) -> bool:
    local = opening.astimezone(hours.zone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = await session.scalar(
        select(MorningDigest.id).where(MorningDigest.opening >= monday, MorningDigest.opening < opening).limit(1)
    )
    return earlier is None


def is_quiet(figures: dict[str, Any]) -> bool:
    """Nothing happened in the night (customers still waiting from before are not news from it)."""
    return not (
        figures["sales"]["count"]
        or figures["refunds"]["count"]
        or figures["tickets"]["opened"]
        or figures["disputes"]["opened_count"]
        or figures["abuse"]["messages"]
        or figures["actions"]["done"]
        or figures["actions"]["failed"]
        or figures["alerts"]
    )


async def night_figures(
    session: AsyncSession, since: datetime, until: datetime, targets: ResponseTargets
) -> dict[str, Any]:
    """Everything the digest shows, as plain JSON."""
    return {
        "sales": await sales_between(session, since, until),
        "refunds": await refunds_between(session, since, until),
        "tickets": await _tickets(session, since, until, targets),
        "disputes": await _disputes(session, since, until),
        "abuse": await _abuse(session, since, until),
        "actions": await _actions(session, since, until),
        "alerts": await _alerts(session, since, until),
    }


async def sales_between(session: AsyncSession, since: datetime, until: datetime) -> dict[str, Any]:
    return await _per_currency(session, Payment.currency, Payment.amount_minor, Payment.paid_at, since, until)


async def refunds_between(session: AsyncSession, since: datetime, until: datetime) -> dict[str, Any]:
    return await _per_currency(session, Refund.currency, Refund.amount_minor, Refund.refunded_at, since, until)


async def _per_currency(
    session: AsyncSession,
    currency: InstrumentedAttribute[str | None],
    amount: InstrumentedAttribute[int | None],
    at: InstrumentedAttribute[datetime],
    since: datetime,
    until: datetime,
) -> dict[str, Any]:
    """How many, and their total in each currency (totals across currencies would mean nothing)."""
    rows = await session.execute(
        select(currency, func.count(), func.sum(amount)).where(at >= since, at < until).group_by(currency)
    )
    count, totals = 0, {}
    for code, number, total in rows:
        count += number
        if code and total:
            totals[code] = int(total)
    return {"count": count, "totals": totals}


async def _tickets(session: AsyncSession, since: datetime, until: datetime, targets: ResponseTargets) -> dict[str, Any]:
    opened = await session.scalar(select(func.count()).where(Ticket.opened_at >= since, Ticket.opened_at < until))
    waiting = await waiting_customers(session, targets, until)
    return {"opened": opened or 0, "waiting_count": len(waiting), "waiting": waiting[:LISTED]}


async def waiting_customers(session: AsyncSession, targets: ResponseTargets, now: datetime) -> list[dict[str, Any]]:
    """Open tickets whose customer wrote last, the urgent first, then the longest waiting: who to answer first."""
    # The open tickets, then their messages by the ticket's index: grouping every message ever written read the
    # whole table, twice, on every Home tab drawn.
    from_customer = TicketMessage.sender == "customer"
    last_customer = func.max(case((from_customer, TicketMessage.sent_at)))
    last_staff = func.max(case((~from_customer, TicketMessage.sent_at)))
    unanswered = list(
        await session.scalars(
            select(Ticket)
            .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
            .where(Ticket.status == TicketStatus.OPEN)
            .group_by(Ticket.id)
            .having(last_customer.is_not(None), last_staff.is_(None) | (last_staff < last_customer))
            .order_by(Ticket.opened_at)
        )
    )
    # Two queries for all of them, not two per ticket: the Home tab draws this list on every change.
    ids = [ticket.id for ticket in unanswered]
    messages: dict[int, list[Any]] = defaultdict(list)
    for row in await session.execute(
        select(TicketMessage.ticket_id, TicketMessage.sender, TicketMessage.sent_at)
        .where(TicketMessage.ticket_id.in_(ids))
        .order_by(TicketMessage.sent_at, TicketMessage.id)
    ):
        messages[row.ticket_id].append(row)
    customer_ids = {ticket.customer_id for ticket in unanswered if ticket.customer_id}
    customers = {
        row.id: row.email or row.name
        for row in await session.execute(
            select(Customer.id, Customer.email, Customer.name).where(Customer.id.in_(customer_ids))
        )
    }
    waiting = []
    for ticket in unanswered:
        state = waiting_for(ticket, messages[ticket.id], targets, now)
        if state.since is None:
            continue
        waiting.append(
            {
                "ticket": ticket.external_id,
                "subject": ticket.subject,
                "customer": customers.get(ticket.customer_id) if ticket.customer_id else None,
                "assignee": ticket.assignee_id,
                "since": state.since.isoformat(),
                "due": (state.since + state.target).isoformat(),
                "describe": state.describe(),
                "urgent": state.urgent,
                "link": archive_link(ticket.slack_channel, ticket.slack_ts),
            }
        )
    waiting.sort(key=lambda item: (not item["urgent"], item["since"]))
    return waiting


async def _disputes(session: AsyncSession, since: datetime, until: datetime) -> dict[str, Any]:
    opened = list(
        await session.scalars(
            select(Dispute).where(Dispute.opened_at >= since, Dispute.opened_at < until).order_by(Dispute.opened_at)
        )
    )
    due_soon = list(
        await session.scalars(
            select(Dispute)
            .where(
                Dispute.evidence_due_at > until,
                Dispute.evidence_due_at <= until + DEADLINES_AHEAD,
                func.lower(func.coalesce(Dispute.status, "")).not_in(CLOSED_STATUSES),
            )
            .order_by(Dispute.evidence_due_at)
        )
    )
    return {
        "opened": [_dispute(d) for d in opened[:LISTED]],
        "opened_count": len(opened),
        "due_soon": [_dispute(d) for d in due_soon[:LISTED]],
    }


def _dispute(dispute: Dispute) -> dict[str, Any]:
    return {
        "amount_minor": dispute.amount_minor,
        "currency": dispute.currency,
        "reason": dispute.reason,
        "status": dispute.status,
        "due": dispute.evidence_due_at.isoformat() if dispute.evidence_due_at else None,
        "link": archive_link(dispute.slack_channel, dispute.slack_ts),
    }


async def _abuse(session: AsyncSession, since: datetime, until: datetime) -> dict[str, Any]:
    rows = await session.execute(
        select(Ticket.external_id, Ticket.slack_channel, Ticket.slack_ts, func.count())
        .select_from(TicketMessage)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(TicketMessage.sent_at >= since, TicketMessage.sent_at < until, TicketMessage.tone == Tone.ABUSIVE)
        .group_by(Ticket.external_id, Ticket.slack_channel, Ticket.slack_ts)
        .order_by(Ticket.external_id)
    )
    tickets = [{"ticket": key, "messages": count, "link": archive_link(ch, ts)} for key, ch, ts, count in rows]
    return {"messages": sum(t["messages"] for t in tickets), "tickets": tickets[:LISTED]}


async def _actions(session: AsyncSession, since: datetime, until: datetime) -> dict[str, Any]:
    rows = await session.execute(
        select(ActionRecord.kind, ActionRecord.status, ActionRecord.actor_id)
        .where(ActionRecord.finished_at >= since, ActionRecord.finished_at < until, ActionRecord.parent_id.is_(None))
        .order_by(ActionRecord.id)
    )
    done: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    people: dict[str, set[str]] = defaultdict(set)
    for kind, status, actor in rows:
        (done if status == ActionStatus.SUCCEEDED else failed)[kind] += 1
        people[kind].add(actor)
    return {"done": dict(done), "failed": dict(failed), "by": {kind: sorted(who) for kind, who in people.items()}}


async def _alerts(session: AsyncSession, since: datetime, until: datetime) -> list[dict[str, Any]]:
    alerts = await session.scalars(
        select(Alert).where(Alert.raised_at >= since, Alert.raised_at < until).order_by(Alert.raised_at)
    )
    return [
        {
            "kind": alert.kind,
            "raised_at": alert.raised_at.isoformat(),
            "status": alert.status,
            "acknowledged_by": alert.acknowledged_by,
            "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
            "resolution": alert.resolution,
            "escalations": alert.step,
            "link": archive_link(alert.slack_channel, alert.slack_ts),
        }
        for alert in alerts
    ]
