"""Big refunds wait for a second owner: asking holds the refund, the approval card decides it, time closes it.

The refund is an ordinary action whose status is `awaiting` while it waits, which the worker never claims.
Approving makes it `pending`, and the worker carries it out with its own idempotency key like any refund.
Declining and expiry hand it to the worker too, which finds the approval closed and records the refund as not
carried out: the usual thread message, audit record and part-ways summary, nothing written twice here.

Each decision is one conditional update from `waiting`, so a double click, two owners at once or two replicas
decide once; whoever comes second is told what happened instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.actions.record import Actor, Ask, Asked, ask, public_params
from bot.cards.text import Mrkdwn, md, mention
from bot.core.errors import UsageError
from bot.core.money import format_money
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.approvals import OFF, ApprovalRule, may_approve, may_decline, needs_approval
from bot.policies.refunds import remaining_minor
from bot.storage.models.actions import ActionRecord, ActionStatus, ApprovalStatus, RefundApproval
from bot.storage.models.sales import Payment

BOT_ACTOR = Actor("supportbot", "supportbot")


class Verdict(StrEnum):
    APPROVE = "approve-refund"
    DECLINE = "decline-refund"


@dataclass(frozen=True)
class ApprovalDesk:
    """The installation's rule, and where approval cards go (the sales channel, where refunds are told)."""

    rule: ApprovalRule = OFF
    channel: str | None = None


# No approvals configured: every refund goes ahead (the default where no desk is handed in).
NO_DESK = ApprovalDesk()


async def ask_refund(
    session: AsyncSession,
    request: Ask,
    payment: Payment,
    actor: Actor,
    now: datetime,
    desk: ApprovalDesk,
    *,
    parent_id: int | None = None,
) -> Asked:
    """Record a refund; one the rule holds back waits, with an approval card, instead of going to the worker."""
    amount = request.params.get("amount_minor")
    if amount is None:
        amount = remaining_minor(payment.amount_minor, payment.amount_refunded_minor)
    # An amount the provider never told cannot be shown to be small: it waits too.
    if amount is not None and not needs_approval(desk.rule, amount, payment.currency):
        return await ask(session, request, actor, now, parent_id=parent_id)
    asked = await ask(session, request, actor, now, parent_id=parent_id, status=ActionStatus.AWAITING)
    if asked.fresh:
        await _open(session, asked.action, actor, amount, payment.currency, now, desk)
    return asked


async def _open(
    session: AsyncSession,
    action: ActionRecord,
    actor: Actor,
    amount: int | None,
    currency: str | None,
    now: datetime,
    desk: ApprovalDesk,
) -> RefundApproval:
    earlier = await session.scalar(select(func.max(RefundApproval.round)).where(RefundApproval.action_id == action.id))
    approval = RefundApproval(
        action_id=action.id,
        round=(earlier or 0) + 1,
        status=ApprovalStatus.WAITING,
        requested_by=actor.id,
        requested_by_name=actor.name,
        amount_minor=amount,
        currency=currency,
        requested_at=now,
        expires_at=now + desk.rule.lasts,
        slack_channel=desk.channel,  # where its card goes; `slack_ts` says once it is there
    )
    session.add(approval)
    await session.flush()
    action.params = action.params | {"approval_id": approval.id}
    if desk.channel is not None:
        queue.post_card(session, Subject.APPROVAL, approval.id, desk.channel, now)
    return approval


def waiting_text(approval_amount: int | None, currency: str | None, hours: float) -> Mrkdwn:
    """What the requester is told on asking."""
    return md(
        "The refund of {} waits for a second owner's approval: its card is in the sales channel and on the "
        "owners' Home tab. If nobody approves it within {} h, it is closed and nothing is refunded.",
        format_money(approval_amount, currency),
        f"{hours:g}",
    )


async def decide(
    session: AsyncSession, approval_id: int, verdict: Verdict, actor: Actor, owners: tuple[str, ...], now: datetime
) -> Mrkdwn:
    """Approve or decline; returns what the person who pressed is told (privately)."""
    approval = await session.get(RefundApproval, approval_id)
    if approval is None:
        raise UsageError("That refund approval is no longer on record.")
    action = await session.get_one(ActionRecord, approval.action_id)
    if verdict is Verdict.APPROVE:
        permission = may_approve(actor.id, approval.requested_by, owners)
    else:
        permission = may_decline(actor.id, owners)
    if not permission.allowed:
        await _audit(session, verdict, actor, action, approval, Outcome.REFUSED, now, note=permission.reason)
        return Mrkdwn(permission.reason)
    if approval.status == ApprovalStatus.WAITING and approval.expires_at <= now:
        await expire(session, approval.id, now)  # the timer has not got to it yet: it is closed all the same
        await session.refresh(approval)
    status = ApprovalStatus.APPROVED if verdict is Verdict.APPROVE else ApprovalStatus.DECLINED
    if not await _claim(session, approval, status, actor, now):
        await session.refresh(approval)
        await _audit(session, verdict, actor, action, approval, Outcome.ALREADY_DONE, now, note=approval.status)
        return already_decided(approval)
    await _release(session, approval, action, now, approved_by=actor.id if status == ApprovalStatus.APPROVED else None)
    await _audit(session, verdict, actor, action, approval, Outcome.SUCCEEDED, now)
    _tell(session, approval, _told_requester(approval), now)
    if status == ApprovalStatus.APPROVED:
        return md(
            "Approved: the refund of {} is being carried out.", format_money(approval.amount_minor, approval.currency)
        )
    if actor.id == approval.requested_by:
        return Mrkdwn("Withdrawn: nothing will be refunded.")
    return Mrkdwn("Declined: nothing will be refunded, and the requester is told.")


async def approvals_to_expire(session: AsyncSession, now: datetime) -> list[int]:
    query = select(RefundApproval.id).where(
        RefundApproval.status == ApprovalStatus.WAITING, RefundApproval.expires_at <= now
    )
    return list(await session.scalars(query.order_by(RefundApproval.id)))


async def expire(session: AsyncSession, approval_id: int, now: datetime) -> int:
    """Close an approval nobody gave in time; 1 if this process closed it, 0 if someone decided first."""
    approval = await session.get_one(RefundApproval, approval_id)
    if not await _claim(session, approval, ApprovalStatus.EXPIRED, None, now):
        return 0
    action = await session.get_one(ActionRecord, approval.action_id)
    await _release(session, approval, action, now)
    await _audit(session, None, BOT_ACTOR, action, approval, Outcome.SUCCEEDED, now)
    _tell(session, approval, _told_requester(approval), now)
    return 1


def not_approved_reason(approval: RefundApproval | None) -> str | None:
    """Why a refund that waited may not be carried out; None once a second owner approved it."""
    if approval is None:
        return "its approval is no longer on record"
    if approval.status == ApprovalStatus.APPROVED:
        return None
    by = approval.decided_by_name or approval.decided_by or "an owner"
    if approval.status == ApprovalStatus.DECLINED:
        return f"withdrawn by {by}" if approval.decided_by == approval.requested_by else f"declined by {by}"
    if approval.status == ApprovalStatus.EXPIRED:
        hours = (approval.expires_at - approval.requested_at).total_seconds() / 3600
        return f"no second owner approved it within {hours:g} h"
    return "it still waits for a second owner's approval"


def already_decided(approval: RefundApproval) -> Mrkdwn:
    by = mention(approval.decided_by) if approval.decided_by else "nobody"
    match approval.status:
        case ApprovalStatus.APPROVED:
            return md("Already approved by {}.", by)
        case ApprovalStatus.DECLINED:
            return md("Already declined by {}: nothing was refunded.", by)
        case ApprovalStatus.EXPIRED:
            return Mrkdwn("Too late: nobody approved it in time, so it was closed and nothing was refunded.")
    return Mrkdwn("It still waits for a decision.")


async def _claim(
    session: AsyncSession, approval: RefundApproval, status: ApprovalStatus, actor: Actor | None, now: datetime
) -> bool:
    """The decision, taken once: only a row still waiting (and, but for expiry, still in time) changes."""
    still_open = [RefundApproval.id == approval.id, RefundApproval.status == ApprovalStatus.WAITING]
    still_open.append(
        RefundApproval.expires_at <= now if status == ApprovalStatus.EXPIRED else RefundApproval.expires_at > now
    )
    result = await session.execute(
        update(RefundApproval)
        .where(*still_open)
        .values(
            status=status,
            decided_by=actor.id if actor else None,
            decided_by_name=actor.name if actor else None,
            decided_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        return False
    await session.refresh(approval)
    return True


async def _release(
    session: AsyncSession, approval: RefundApproval, action: ActionRecord, now: datetime, approved_by: str | None = None
) -> None:
    """Hand the refund to the worker: to be carried out, or to be recorded as not carried out, and why."""
    await session.refresh(action, with_for_update=True)
    if action.status == ActionStatus.AWAITING and action.params.get("approval_id") == approval.id:
        action.status, action.not_before = ActionStatus.PENDING, now
        if approved_by is not None:
            action.params = action.params | {"approved_by": approved_by}
    if approval.slack_channel is not None:
        await queue.update_card(session, Subject.APPROVAL, approval.id, approval.slack_channel, now)


def _told_requester(approval: RefundApproval) -> Mrkdwn:
    amount = format_money(approval.amount_minor, approval.currency)
    who = mention(approval.requested_by)
    by = mention(approval.decided_by) if approval.decided_by else ""
    if approval.status == ApprovalStatus.APPROVED:
        return md("✅ {}: {} approved your refund of {}; it is being carried out.", who, by, amount)
    if approval.status == ApprovalStatus.DECLINED and approval.decided_by == approval.requested_by:
        return md("↩️ {} withdrew the refund of {}; nothing was refunded.", who, amount)
    if approval.status == ApprovalStatus.DECLINED:
        return md("🚫 {}: {} declined your refund of {}; nothing was refunded.", who, by, amount)
    return md("⌛ {}: nobody approved your refund of {} in time, so it was closed; nothing was refunded.", who, amount)


def _tell(session: AsyncSession, approval: RefundApproval, text: Mrkdwn, now: datetime) -> None:
    """In the approval card's thread, mentioning the requester: Slack notifies them, hours after they asked.
    A card still on its way is no matter: the outbox holds a thread reply until its parent is posted."""
    if approval.slack_channel is None:
        return  # no sales channel: the requester reads the outcome on the card's own thread and in the audit
    queue.reply(
        session,
        f"approval:{approval.id}:{approval.status}",
        parent=Subject.APPROVAL,
        parent_id=approval.id,
        channel=approval.slack_channel,
        text=text,
        now=now,
    )


async def _audit(
    session: AsyncSession,
    verdict: Verdict | None,
    actor: Actor,
    action: ActionRecord,
    approval: RefundApproval,
    outcome: Outcome,
    now: datetime,
    note: str | None = None,
) -> None:
    entry = audit.Entry(
        actor_id=actor.id,
        actor_name=actor.name,
        action=verdict or "expire-refund",
        outcome=outcome,
        subject=action.report.get("what"),
        note=note,
        customer_id=action.customer_id,
        ticket_id=action.ticket_id,
        payment_id=action.payment_id,
        parameters=public_params(
            {"approval_id": approval.id, "amount_minor": approval.amount_minor, "currency": approval.currency}
        ),
        idempotency_key=action.key,
    )
    await audit.append(session, entry, now)
