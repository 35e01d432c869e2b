"""A confirmed modal becomes recorded actions: validated, permission-checked again, idempotent, audited.

Each function returns what the modal should do next: None to close it, field errors to show, or a notice
view (the same thing was already done, and how it went).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import kinds
from bot.actions.approvals import ApprovalDesk, ask_refund, waiting_text
from bot.actions.kinds import Kind
from bot.actions.record import Actor, Ask, Asked, ask
from bot.cards import modals
from bot.cards.outcomes import already_text, masked
from bot.cards.text import Mrkdwn, md
from bot.core.errors import UsageError
from bot.core.money import exponent
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.refunds import STRIPE_REASONS, decide_refund_amount, remaining_minor
from bot.policies.reply_guard import check_draft
from bot.storage.models.actions import ActionRecord, ActionStatus, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket

NO_DESK = ApprovalDesk()


@dataclass(frozen=True)
class Answer:
    errors: dict[str, str] | None = None
    notice: str | None = None  # nothing new was recorded, and why: shown in the modal, or privately
    notice_title: str = "Already asked"
    recorded: bool = False  # something new is waiting for the worker
    push: dict[str, Any] | None = None  # a view to put over the modal, to confirm something first
    close_all: bool = False  # the modal was itself pushed over another: close both

    def ack_arguments(self) -> dict[str, Any]:
        if self.errors:
            return {"response_action": "errors", "errors": self.errors}
        if self.push:
            return {"response_action": "push", "view": self.push}
        if self.notice:
            return {"response_action": "update", "view": modals.notice(self.notice_title, self.notice)}
        return {"response_action": "clear"} if self.close_all else {}


def _report(meta: dict[str, Any]) -> dict[str, Any]:
    card = meta.get("card") or [None, None]
    return {
        "subject": card[0],
        "id": card[1],
        "response_url": meta.get("response_url"),
        "subject_label": meta.get("label"),
    }


def _answer(asked: Asked) -> Answer:
    if asked.fresh:
        return Answer(recorded=True)
    return Answer(notice=already_text(asked.action))


async def confirm_refund(
    session: AsyncSession,
    view: dict[str, Any],
    meta: dict[str, Any],
    actor: Actor,
    now: datetime,
    desk: ApprovalDesk = NO_DESK,
) -> Answer:
    refunded_before: dict[str, int] = meta.get("refunded") or {}
    chosen = modals.submitted(view, "payment") or (next(iter(refunded_before)) if len(refunded_before) == 1 else None)
    if chosen is None or chosen not in refunded_before:
        return Answer(errors={"payment": "Choose the payment to refund."})
    # Not locked: a finishing refund holds its action and then the payment, and the request below takes the
    # action; locking the payment first here could deadlock with it. The key carries the state the modal showed.
    payment = await session.get(Payment, int(chosen))
    if payment is None:
        raise UsageError("That payment is no longer on record.")
    remaining = remaining_minor(payment.amount_minor, payment.amount_refunded_minor)
    decimals = exponent(payment.currency) if payment.currency else 2
    decision = decide_refund_amount(modals.submitted(view, "amount"), remaining, payment.currency, decimals)
    if decision.error:
        return Answer(errors={"amount": decision.error})
    reason = modals.submitted(view, "reason")
    params: dict[str, Any] = {
        "amount_minor": decision.amount_minor,
        "currency": payment.currency,
        "reason": reason if reason in STRIPE_REASONS else "requested_by_customer",
    }
    if note := modals.submitted(view, "note"):
        params["note"] = note
    request = Ask(
        kind=Kind.REFUND,
        key=kinds.refund_key(payment.id, decision.amount_minor, refunded_before[chosen]),
        subject=f"payment {payment.provider_payment_id}",
        params=params,
        customer_id=payment.customer_id,
        payment_id=payment.id,
        report=_report(meta) if meta.get("card") else _report(meta | {"card": ["sale", payment.id]}),
    )
    asked = await ask_refund(session, request, payment, actor, now, desk)
    if (waiting := await _waiting(session, [asked], desk)) is not None:
        return Answer(notice=waiting, notice_title="Waiting for approval")
    return _answer(asked)


async def _waiting(session: AsyncSession, asked: list[Asked], desk: ApprovalDesk) -> Mrkdwn | None:
    """What the requester is told when a refund they just asked for waits for a second owner."""
    for one in asked:
        if one.fresh and one.action.status == ActionStatus.AWAITING:
            approval = await session.get_one(RefundApproval, one.action.params["approval_id"])
            return waiting_text(approval.amount_minor, approval.currency, desk.rule.hours)
    return None


async def confirm_revoke(
    session: AsyncSession, view: dict[str, Any], meta: dict[str, Any], actor: Actor, now: datetime
) -> Answer:
    chosen = modals.submitted(view, "licences")
    if chosen is None and meta.get("licences"):
        chosen = meta["licences"]  # a single key named in the command
    requests: list[Ask] = []
    if chosen:
        requests = [
            Ask(
                Kind.REVOKE_LICENCE,
                kinds.revoke_key(key),
                f"licence {masked(key)}",
                {"licence": key},
                customer_id=meta.get("customer_id"),
                report=_report(meta),
            )
            for key in chosen
        ]
    elif meta.get("email"):
        # The licence server could not list them: revoke whatever is active when the step runs.
        requests = [
            Ask(
                Kind.REVOKE_LICENCE,
                kinds.revoke_all_key(meta["email"]),
                f"every active licence of {meta['email']}",
                {"email": meta["email"]},
                customer_id=meta.get("customer_id"),
                report=_report(meta),
            )
        ]
    if not requests:
        return Answer(errors={"licences": "Choose at least one licence."})
    answers = [_answer(await ask(session, request, actor, now)) for request in requests]
    return next((a for a in answers if a.recorded), answers[0])


async def confirm_unsubscribe(
    session: AsyncSession, view: dict[str, Any], meta: dict[str, Any], actor: Actor, now: datetime, list_name: str
) -> Answer:
    email = meta["email"]
    request = Ask(
        Kind.UNSUBSCRIBE,
        kinds.unsubscribe_key(list_name, email),
        f"{email} on {list_name}",
        {"email": email, "list": list_name},
        customer_id=meta.get("customer_id"),
        report=_report(meta),
    )
    return _answer(await ask(session, request, actor, now))


async def confirm_reply(
    session: AsyncSession, view: dict[str, Any], meta: dict[str, Any], actor: Actor, now: datetime
) -> Answer:
    body = (modals.submitted(view, "body") or "").strip()
    if not body:
        return Answer(errors={"body": "Write the reply first."})
    close = "yes" in (modals.submitted(view, "close") or [])
    draft_id = str(view.get("id") or now.timestamp())
    check = check_draft(body)
    if check.hold:
        held = meta | {"close": close, "draft_id": draft_id, "concerns": [c.value for c in check.concerns]}
        return Answer(push=modals.held_reply_modal(check.warning(), body, held))
    return await _ask_reply(session, meta, body, close, draft_id, actor, now)


async def confirm_held_reply(
    session: AsyncSession, view: dict[str, Any], meta: dict[str, Any], actor: Actor, now: datetime
) -> Answer:
    """The sender read the warning and sent the reply anyway (perhaps edited): it goes as it stands."""
    body = (modals.submitted(view, "body") or "").strip()
    if not body:
        return Answer(errors={"body": "Write the reply first."})
    answer = await _ask_reply(
        session, meta, body, bool(meta.get("close")), str(meta.get("draft_id")), actor, now, meta.get("concerns")
    )
    return replace(answer, close_all=True)


async def _ask_reply(
    session: AsyncSession,
    meta: dict[str, Any],
    body: str,
    close: bool,
    draft_id: str,
    actor: Actor,
    now: datetime,
    sent_despite: list[str] | None = None,
) -> Answer:
    ticket = await session.get(Ticket, meta.get("ticket_id") or 0)
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
        report=_report(meta),
    )
    return _answer(await ask(session, request, actor, now))


async def confirm_part_ways(
    session: AsyncSession,
    view: dict[str, Any],
    meta: dict[str, Any],
    actor: Actor,
    now: datetime,
    list_name: str | None,
    desk: ApprovalDesk = NO_DESK,
) -> Answer:
    customer = await session.get(Customer, meta.get("customer_id") or 0)
    if customer is None:
        raise UsageError("That customer is no longer on record.")
    ticket = await session.get(Ticket, meta["ticket_id"]) if meta.get("ticket_id") else None
    report = _report(meta)
    steps = await _part_ways_steps(session, view, meta, customer, ticket, list_name, report)
    if not steps:
        return Answer(errors={"message": "Nothing is chosen: tick at least one step."})
    parent_request = Ask(
        Kind.PART_WAYS,
        kinds.part_ways_key(customer.id, str(view.get("id") or now.timestamp())),
        meta.get("label") or f"customer {customer.id}",
        {"steps": len(steps)},
        customer_id=customer.id,
        ticket_id=ticket.id if ticket else None,
        report=report,
    )
    # The parent only gathers its steps' outcomes: it runs while they do, and is never claimed itself.
    asked_parent = await ask(session, parent_request, actor, now, status=ActionStatus.RUNNING)
    if not asked_parent.fresh:
        return _answer(asked_parent)
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
    if (waiting := await _waiting(session, fresh, desk)) is not None:
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
    view: dict[str, Any],
    meta: dict[str, Any],
    customer: Customer,
    ticket: Ticket | None,
    list_name: str | None,
    report: dict[str, Any],
) -> list[Ask]:
    steps: list[Ask] = []
    refunded_before: dict[str, int] = meta.get("refunded") or {}
    for payment_id in modals.submitted(view, "refunds") or []:
        payment = await session.get(Payment, int(payment_id))
        if payment is not None and payment_id in refunded_before:
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
    for key in modals.submitted(view, "licences") or []:
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
    if modals.submitted(view, "revoke_all") and customer.email:
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
    if modals.submitted(view, "unsubscribe") and customer.email and list_name:
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
    message = (modals.submitted(view, "message") or "").strip()
    close = ticket is not None and bool(modals.submitted(view, "close"))
    if message and ticket is not None:
        steps.append(
            Ask(
                Kind.REPLY,
                kinds.reply_key(ticket.id, f"part-ways:{view.get('id')}"),
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
    return _answer(await ask(session, request, actor, now))


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
    return _answer(asked)
