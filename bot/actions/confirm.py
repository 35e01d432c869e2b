"""A confirmed modal becomes recorded actions: validated, permission-checked again, idempotent, audited.

Each function returns what the modal should do next: None to close it, field errors to show, or a notice
view (the same thing was already done, and how it went).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import kinds
from bot.actions.answers import Answer, answer_for, report_of, waiting_for_approval
from bot.actions.approvals import NO_DESK, ApprovalDesk, ask_refund
from bot.actions.modal_state import ModalContext
from bot.actions.record import Actor, Ask, ask
from bot.actions.submission import Submission
from bot.cards import modals
from bot.cards.outcomes import masked
from bot.cards.text import md
from bot.core.action_kinds import Kind
from bot.core.errors import UsageError
from bot.core.money import exponent
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.refunds import STRIPE_REASONS, decide_refund_amount, remaining_minor
from bot.policies.reply_guard import check_draft
from bot.storage.models.actions import ActionRecord
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket


async def confirm_refund(
    session: AsyncSession, submission: Submission, actor: Actor, now: datetime, desk: ApprovalDesk = NO_DESK
) -> Answer:
    context = submission.context
    refunded_before = context.refunded
    chosen = _payment_id(submission.text("payment"))
    if chosen is None and len(refunded_before) == 1:
        chosen = next(iter(refunded_before))
    if chosen is None or chosen not in refunded_before:
        return Answer(errors={"payment": "Choose the payment to refund."})
    # Not locked: a finishing refund holds its action and then the payment, and the request below takes the
    # action; locking the payment first here could deadlock with it. The key carries the state the modal showed.
    payment = await session.get(Payment, chosen)
    if payment is None:
        raise UsageError("That payment is no longer on record.")
    remaining = remaining_minor(payment.amount_minor, payment.amount_refunded_minor)
    decimals = exponent(payment.currency) if payment.currency else 2
    decision = decide_refund_amount(submission.text("amount"), remaining, payment.currency, decimals)
    if decision.error:
        return Answer(errors={"amount": decision.error})
    reason = submission.text("reason")
    params: dict[str, Any] = {
        "amount_minor": decision.amount_minor,
        "currency": payment.currency,
        "reason": reason if reason in STRIPE_REASONS else "requested_by_customer",
    }
    if note := submission.text("note"):
        params["note"] = note
    request = Ask(
        kind=Kind.REFUND,
        key=kinds.refund_key(payment.id, decision.amount_minor, refunded_before[chosen]),
        subject=f"payment {payment.provider_payment_id}",
        params=params,
        customer_id=payment.customer_id,
        payment_id=payment.id,
        report=report_of(context if context.card else replace(context, card=(Subject.SALE, payment.id))),
    )
    asked = await ask_refund(session, request, payment, actor, now, desk)
    if (waiting := await waiting_for_approval(session, [asked], desk)) is not None:
        return Answer(notice=waiting, notice_title="Waiting for approval")
    return answer_for(asked)


async def confirm_revoke(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    context = submission.context
    chosen = submission.choices("licences")
    if chosen is None and context.licences:
        chosen = context.licences  # a single key named in the command
    requests: list[Ask] = []
    if chosen:
        requests = [
            Ask(
                Kind.REVOKE_LICENCE,
                kinds.revoke_key(key),
                f"licence {masked(key)}",
                {"licence": key},
                customer_id=context.customer_id,
                report=report_of(context),
            )
            for key in chosen
        ]
    elif context.email:
        # The licence server could not list them: revoke whatever is active when the step runs.
        requests = [
            Ask(
                Kind.REVOKE_LICENCE,
                kinds.revoke_all_key(context.email),
                f"every active licence of {context.email}",
                {"email": context.email},
                customer_id=context.customer_id,
                report=report_of(context),
            )
        ]
    if not requests:
        return Answer(errors={"licences": "Choose at least one licence."})
    answers = [answer_for(await ask(session, request, actor, now)) for request in requests]
    return next((a for a in answers if a.recorded), answers[0])


async def confirm_unsubscribe(
    session: AsyncSession, submission: Submission, actor: Actor, now: datetime, list_name: str
) -> Answer:
    context = submission.context
    email = context.email
    if email is None:
        raise UsageError("This form does not say whom to unsubscribe; open it again.")
    request = Ask(
        Kind.UNSUBSCRIBE,
        kinds.unsubscribe_key(list_name, email),
        f"{email} on {list_name}",
        {"email": email, "list": list_name},
        customer_id=context.customer_id,
        report=report_of(context),
    )
    return answer_for(await ask(session, request, actor, now))


async def confirm_reply(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    body = (submission.text("body") or "").strip()
    if not body:
        return Answer(errors={"body": "Write the reply first."})
    close = submission.is_ticked("close")
    draft_id = submission.draft_id(now)
    check = check_draft(body)
    if check.hold:
        concerns = tuple(c.value for c in check.concerns)
        held = replace(submission.context, close=close, draft_id=draft_id, concerns=concerns)
        return Answer(push=modals.held_reply_modal(check.warning(), body, held.as_metadata()))
    return await _ask_reply(session, submission.context, body, close, draft_id, actor, now)


async def confirm_held_reply(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    """The sender read the warning and sent the reply anyway (perhaps edited): it goes as it stands."""
    body = (submission.text("body") or "").strip()
    if not body:
        return Answer(errors={"body": "Write the reply first."})
    context = submission.context
    answer = await _ask_reply(
        session, context, body, context.close, str(context.draft_id), actor, now, list(context.concerns)
    )
    return replace(answer, close_all=True)


async def _ask_reply(
    session: AsyncSession,
    context: ModalContext,
    body: str,
    close: bool,
    draft_id: str,
    actor: Actor,
    now: datetime,
    sent_despite: list[str] | None = None,
) -> Answer:
    ticket = await session.get(Ticket, context.ticket_id or 0)
    if ticket is None:
        raise UsageError("That ticket is no longer on record.")
    params: dict[str, Any] = {"body": body, "close": close}
    if sent_despite:
        params["sent_despite"] = sent_despite
    request = Ask(
        Kind.REPLY,
        kinds.reply_key(ticket.id, draft_id),
        f"ticket {ticket.external_id}",
        params,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        report=report_of(context),
    )
    return answer_for(await ask(session, request, actor, now))


async def retry_reply(session: AsyncSession, action_id: int, actor: Actor, now: datetime) -> Answer:
    """Ask again for a reply that failed, with the same text and key (so it cannot go out twice)."""
    failed = await session.get(ActionRecord, action_id)
    if failed is None or failed.kind != Kind.REPLY or failed.parent_id is not None:
        raise UsageError("That reply is no longer on record.")
    request = Ask(
        Kind.REPLY,
        failed.key,
        failed.report.get("subject_label") or "the ticket",
        {k: v for k, v in failed.params.items() if k != "retry_of_error"},
        customer_id=failed.customer_id,
        ticket_id=failed.ticket_id,
        report=failed.report,
    )
    return answer_for(await ask(session, request, actor, now))


def _payment_id(chosen: str | None) -> int | None:
    return int(chosen) if chosen is not None and chosen.isdigit() else None


async def take_over(
    session: AsyncSession,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    report: dict[str, Any],
    channel: str | None = None,
) -> Answer:
    """Assign the ticket now (the card in `channel` is redrawn at once); telling the help desk runs after, and is
    retried."""
    # Locked first, before the audit chain, as a finishing action locks it (and reads who has it now).
    await session.refresh(ticket, with_for_update=True)
    if ticket.assignee_id == actor.id:
        return Answer(notice=md("You have ticket {} already.", ticket.external_id), notice_title="Already yours")
    previous = ticket.assignee_id
    turn = (
        await session.scalar(
            select(func.count()).where(ActionRecord.kind == Kind.TAKE_OVER, ActionRecord.ticket_id == ticket.id)
        )
        or 0
    )
    request = Ask(
        Kind.TAKE_OVER,
        kinds.take_over_key(ticket.id, turn, previous, actor.id),
        f"ticket {ticket.external_id}",
        {"previous_assignee": previous},
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        report=report,
    )
    asked = await ask(session, request, actor, now)
    if asked.fresh:
        ticket.assignee_id, ticket.assignee_name = actor.id, actor.name
        if channel is not None:
            await queue.update_card(session, Subject.TICKET, ticket.id, channel, now)
    return answer_for(asked)
