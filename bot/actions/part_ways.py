"""Parting ways with a customer: one confirmed modal asks for several steps (refunds, licences, list, reply) under
a parent action that gathers their outcomes; failed steps can be asked again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import kinds
from bot.actions.answers import Answer, answer_for, report_of, waiting_for_approval
from bot.actions.approvals import NO_DESK, ApprovalDesk, ask_refund
from bot.actions.record import Actor, Ask, Asked, ask
from bot.actions.submission import Submission
from bot.cards.outcomes import already_text, masked
from bot.cards.text import Mrkdwn
from bot.core.action_kinds import Kind
from bot.core.errors import UsageError
from bot.storage.models.actions import ActionRecord, ActionStatus
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket


async def confirm_part_ways(
    session: AsyncSession,
    submission: Submission,
    actor: Actor,
    now: datetime,
    list_name: str | None,
    desk: ApprovalDesk = NO_DESK,
) -> Answer:
    context = submission.context
    customer = await session.get(Customer, context.customer_id or 0)
    if customer is None:
        raise UsageError("That customer is no longer on record.")
    ticket = await session.get(Ticket, context.ticket_id) if context.ticket_id else None
    report = report_of(context)
    steps = await _part_ways_steps(session, submission, customer, ticket, list_name, report)
    if not steps:
        return Answer(errors={"message": "Nothing is chosen: tick at least one step."})
    parent_request = Ask(
        Kind.PART_WAYS,
        kinds.part_ways_key(customer.id, submission.draft_id(now)),
        context.label or f"customer {customer.id}",
        {"steps": len(steps)},
        customer_id=customer.id,
        ticket_id=ticket.id if ticket else None,
        report=report,
    )
    # The parent only gathers its steps' outcomes: it runs while they do, and is never claimed itself.
    asked_parent = await ask(session, parent_request, actor, now, status=ActionStatus.RUNNING)
    if not asked_parent.fresh:
        return answer_for(asked_parent)
    parent = asked_parent.action
    await session.flush()
    earlier: list[str] = []
    fresh: list[Asked] = []
    for step in steps:
        asked = await _ask_step(session, step, actor, now, desk, parent.id)
        if asked.fresh:
            asked.action.parent_id = parent.id
            fresh.append(asked)
        else:
            earlier.append(already_text(asked.action))
    parent.params = parent.params | {"earlier": earlier}
    if not fresh:
        parent.status, parent.finished_at = ActionStatus.SUCCEEDED, now
        parent.result = {"summary": "every step was already done"}
        return Answer(notice=Mrkdwn("\n".join(earlier)), notice_title="Already done")
    if (waiting := await waiting_for_approval(session, fresh, desk)) is not None:
        others = "The other steps are under way. " if len(fresh) > 1 else ""
        return Answer(notice=Mrkdwn(others + waiting), notice_title="Waiting for approval", recorded=True)
    return Answer(recorded=True)


async def _ask_step(
    session: AsyncSession, step: Ask, actor: Actor, now: datetime, desk: ApprovalDesk, parent_id: int
) -> Asked:
    """A step of a part-ways; its refund waits for a second owner like any other big refund."""
    payment = await session.get(Payment, step.payment_id) if step.kind == Kind.REFUND and step.payment_id else None
    if payment is not None:
        return await ask_refund(session, step, payment, actor, now, desk, parent_id=parent_id)
    return await ask(session, step, actor, now, parent_id=parent_id)


async def _part_ways_steps(
    session: AsyncSession,
    submission: Submission,
    customer: Customer,
    ticket: Ticket | None,
    list_name: str | None,
    report: dict[str, Any],
) -> list[Ask]:
    steps: list[Ask] = []
    refunded_before = submission.context.refunded
    for chosen in submission.choices("refunds") or ():
        payment_id = int(chosen) if chosen.isdigit() else None
        # Only the payments the modal offered, with the "refunded already" figure it showed them with.
        if payment_id is None or payment_id not in refunded_before:
            continue
        payment = await session.get(Payment, payment_id)
        if payment is not None:
            steps.append(
                Ask(
                    Kind.REFUND,
                    kinds.refund_key(payment.id, None, refunded_before[payment_id]),
                    f"payment {payment.provider_payment_id}",
                    {"amount_minor": None, "currency": payment.currency, "reason": "requested_by_customer"},
                    customer_id=customer.id,
                    payment_id=payment.id,
                    report=report,
                )
            )
    for key in submission.choices("licences") or ():
        steps.append(
            Ask(
                Kind.REVOKE_LICENCE,
                kinds.revoke_key(key),
                f"licence {masked(key)}",
                {"licence": key},
                customer_id=customer.id,
                report=report,
            )
        )
    if submission.choices("revoke_all") and customer.email:
        steps.append(
            Ask(
                Kind.REVOKE_LICENCE,
                kinds.revoke_all_key(customer.email),
                f"every active licence of {customer.email}",
                {"email": customer.email},
                customer_id=customer.id,
                report=report,
            )
        )
    if submission.choices("unsubscribe") and customer.email and list_name:
        steps.append(
            Ask(
                Kind.UNSUBSCRIBE,
                kinds.unsubscribe_key(list_name, customer.email),
                f"{customer.email} on {list_name}",
                {"email": customer.email, "list": list_name},
                customer_id=customer.id,
                report=report,
            )
        )
    message = (submission.text("message") or "").strip()
    close = ticket is not None and bool(submission.choices("close"))
    if message and ticket is not None:
        steps.append(
            Ask(
                Kind.REPLY,
                kinds.reply_key(ticket.id, f"part-ways:{submission.view_id}"),
                f"ticket {ticket.external_id}",
                {"body": message, "close": close},
                customer_id=customer.id,
                ticket_id=ticket.id,
                report=report,
            )
        )
    elif close and ticket is not None:
        steps.append(
            Ask(
                Kind.CLOSE_TICKET,
                kinds.close_key(ticket.id),
                f"ticket {ticket.external_id}",
                {},
                customer_id=customer.id,
                ticket_id=ticket.id,
                report=report,
            )
        )
    return steps


async def retry_failed_steps(
    session: AsyncSession, parent_id: int, actor: Actor, now: datetime, desk: ApprovalDesk = NO_DESK
) -> int:
    """Ask again for each step of a part-ways that failed; the steps that worked stay done."""
    parent = await session.get(ActionRecord, parent_id, with_for_update=True)
    if parent is None or parent.kind != Kind.PART_WAYS:
        raise UsageError("That part-ways is no longer on record.")
    failed = list(
        await session.scalars(
            select(ActionRecord).where(ActionRecord.parent_id == parent_id, ActionRecord.status == ActionStatus.FAILED)
        )
    )
    for step in failed:
        request = Ask(
            Kind(step.kind),
            step.key,
            step.report.get("subject_label") or step.kind,
            {k: v for k, v in step.params.items() if k not in _NOT_ASKED_AGAIN},
            customer_id=step.customer_id,
            ticket_id=step.ticket_id,
            payment_id=step.payment_id,
            report=step.report,
        )
        # A refund retried is asked anew: if it was big, it waits for a second owner again.
        await _ask_step(session, request, actor, now, desk, parent_id)
    if failed:
        parent.status = ActionStatus.RUNNING
        parent.finished_at = None
    return len(failed)


# What an action learnt on its way, not what the person asked: a retry starts without it.
_NOT_ASKED_AGAIN = frozenset({"retry_of_error", "approval_id", "approved_by"})
