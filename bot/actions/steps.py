"""Carrying out one action: read what it needs, call the provider, then record what the provider did.

The three phases are apart on purpose: no database transaction is held open across a provider call, and the
record of the outcome is written in one transaction with the card update and the audit record, so nothing is
ever half-recorded. A step may run twice (a process killed mid-call): every provider gets the action's key,
so a repeated call does not act twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import dispute_steps
from bot.actions.approvals import not_approved_reason
from bot.actions.desk_steps import tell_desk
from bot.actions.paging import Paging
from bot.cards.outcomes import masked
from bot.core.action_kinds import Kind
from bot.core.errors import ProviderError
from bot.core.money import format_money
from bot.core.wording import desk_name
from bot.evidence.pack import conversation_for
from bot.integrations.contracts import OutgoingEmail, RefundRequest, TicketUpdate
from bot.integrations.providers import Providers
from bot.storage.models.actions import ActionRecord, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus
from bot.storage.store import record_refund


@dataclass(frozen=True)
class Done:
    """What the provider did, in words a person reads and in a result kept with the action."""

    summary: str
    result: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None


@dataclass(frozen=True)
class Facts:
    """What a step needs from the records, read before the provider is called."""

    payment: Payment | None = None
    ticket: Ticket | None = None
    customer: Customer | None = None
    # A mail ticket's thread: the customer's latest Message-ID and all of them, for the reply's headers.
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    approval: RefundApproval | None = None  # a big refund's second-owner approval
    # A dispute being answered, and the customer's conversation as a PDF when it goes with the evidence.
    dispute: Dispute | None = None
    conversation: bytes | None = None


class MailThreads(Protocol):
    """An emailed reply's place in the customer's mail thread (mailbox.store.MailThreads, handed in by the runtime:
    threading mail is the mailbox's business, and a reply by email only takes part in it)."""

    async def thread_ids(self, session: AsyncSession, ticket_key: str) -> tuple[str | None, tuple[str, ...]]: ...

    async def remember_sent(
        self, session: AsyncSession, message_id: str, ticket_key: str, subject: str | None, at: datetime
    ) -> None: ...


class Steps:
    def __init__(self, providers: Providers, threads: MailThreads, paging: Paging):
        self.providers = providers
        self.threads = threads
        self.paging = paging
        self._calls: dict[str, Callable[[ActionRecord, Facts], Awaitable[Done]]] = {
            Kind.REFUND: self._refund,
            Kind.REVOKE_LICENCE: self._revoke,
            Kind.UNSUBSCRIBE: self._unsubscribe,
            Kind.TAKE_OVER: self._take_over,
            Kind.REPLY: self._reply,
            Kind.NOTE: self._note,
            Kind.CLOSE_TICKET: self._close,
            Kind.DISPUTE_EVIDENCE: self._dispute_evidence,
            Kind.DISPUTE_SUBMIT: self._dispute_submit,
            Kind.DISPUTE_ACCEPT: self._dispute_accept,
        }

    async def facts(self, session: AsyncSession, action: ActionRecord) -> Facts:
        payment = await session.get(Payment, action.payment_id) if action.payment_id else None
        ticket = await session.get(Ticket, action.ticket_id) if action.ticket_id else None
        customer_id = action.customer_id or (ticket.customer_id if ticket else None)
        customer = await session.get(Customer, customer_id) if customer_id else None
        in_reply_to, references = await self.threads.thread_ids(session, ticket.external_id) if ticket else (None, ())
        approval_id = action.params.get("approval_id")
        approval = await session.get(RefundApproval, approval_id) if approval_id else None
        dispute = conversation = None
        if action.kind in dispute_steps.DISPUTE_KINDS:
            dispute = await session.get(Dispute, action.params["dispute_id"])
            if dispute is not None and payment is None and dispute.payment_id:
                payment = await session.get(Payment, dispute.payment_id)
            if dispute is not None and action.params.get("attach"):
                # Read up to when it was confirmed: a retry makes the same file.
                until = datetime.fromisoformat(action.params["asked_at"])
                conversation = await conversation_for(session, dispute, until)
        return Facts(payment, ticket, customer, in_reply_to, references, approval, dispute, conversation)

    async def call(self, action: ActionRecord, facts: Facts) -> Done:
        return await self._calls[action.kind](action, facts)

    async def record(
        self, session: AsyncSession, action: ActionRecord, done: Done, now: datetime
    ) -> TicketMessage | None:
        """Write what the provider did into our records, in the transaction that finishes the action; returns the
        agent's message a reply added to its ticket, to be shown in the ticket's thread."""
        if action.kind == Kind.REFUND:
            await _record_refund(session, action, done, now)
        elif action.kind == Kind.REPLY:
            if done.result.get("via") == "email" and done.reference:
                # Our Message-ID, so the customer's answer to this reply joins the ticket.
                ticket = await session.get_one(Ticket, action.ticket_id)
                await self.threads.remember_sent(session, done.reference, ticket.external_id, ticket.subject, now)
            return await _record_reply(session, self.paging, action, done, now)
        elif action.kind == Kind.TAKE_OVER and done.result.get("desk_assignee"):
            taken = await session.get(Ticket, action.ticket_id) if action.ticket_id else None
            if taken is not None and taken.assignee_id == action.actor_id:
                # The desk's own webhook will tell of this assignment: known as ours, it changes nothing.
                taken.source_assignee = done.result["desk_assignee"]
        elif action.kind == Kind.CLOSE_TICKET:
            await _close_ticket(session, self.paging, action.ticket_id, now)
        elif action.kind in dispute_steps.DISPUTE_KINDS:
            await dispute_steps.record_answer(session, self.paging, action, done.result["state"], now)
        return None

    async def _refund(self, action: ActionRecord, facts: Facts) -> Done:
        payment = facts.payment
        if payment is None:
            raise ProviderError("supportbot", "the payment is no longer on record")
        # A refund that waited for a second owner goes out only once one approved it; declined or expired, it is
        # recorded as not carried out, through the same path as any other refund that did not happen.
        if "approval_id" in action.params and (why := not_approved_reason(facts.approval)) is not None:
            raise ProviderError("not approved", why)
        gateway = self.providers.gateways.get(payment.provider)
        if gateway is None:
            raise ProviderError(payment.provider, f"refunds through {payment.provider} are not configured")
        amount = action.params.get("amount_minor")
        outcome = await gateway.refund(
            RefundRequest(
                payment_ref=payment.provider_payment_id,
                idempotency_key=action.key,
                amount_minor=amount,
                currency=payment.currency,
                reason=action.params.get("reason"),
            )
        )
        refunded = outcome.amount_minor if outcome.amount_minor is not None else amount
        money = format_money(refunded, outcome.currency or payment.currency)
        pending = "" if outcome.status.lower() in ("succeeded", "completed") else f" ({outcome.status.lower()})"
        return Done(
            f"refunded {money}{pending}",
            {
                "refund_id": outcome.provider_refund_id,
                "status": outcome.status,
                "amount_minor": refunded,
                "currency": outcome.currency or payment.currency,
            },
            outcome.provider_refund_id,
        )

    async def _revoke(self, action: ActionRecord, facts: Facts) -> Done:
        server = self.providers.licences
        if server is None:
            raise ProviderError("licences", "no licence server is configured")
        if licence := action.params.get("licence"):
            keys = [licence]
        else:
            email = action.params.get("email") or (facts.customer.email if facts.customer else None)
            if not email:
                raise ProviderError(server.name, "the customer has no email to look their licences up by")
            keys = [found.key for found in await server.licences_of(email) if found.status == "active"]
            if not keys:
                return Done("found no active licence to revoke", {"licences": []})
        outcomes = [await server.revoke(key, idempotency_key=f"{action.key}:{key}") for key in keys]
        words = ", ".join(f"`{masked(o.licence)}` {o.status}" + (" (already)" if o.already else "") for o in outcomes)
        return Done(
            f"licence {words}" if len(outcomes) == 1 else f"licences {words}",
            {"licences": [{"key": o.licence, "status": o.status, "already": o.already} for o in outcomes]},
            ",".join(masked(o.licence) for o in outcomes),  # the audit trail names a key without holding it
        )

    async def _unsubscribe(self, action: ActionRecord, facts: Facts) -> Done:
        mailing_list = self.providers.mailing_list
        if mailing_list is None:
            raise ProviderError("mailing list", "no mailing list is configured")
        outcome = await mailing_list.unsubscribe(action.params["email"])
        words = "was not subscribed to" if outcome.already else "unsubscribed from"
        return Done(f"{words} {outcome.list_name}", {"list": outcome.list_name, "already": outcome.already})

    async def _take_over(self, action: ActionRecord, facts: Facts) -> Done:
        ticket = _ticket(facts)
        if ticket.source is not None:
            outcome, agent = await tell_desk(self.providers, action, ticket, "assigned")
            name = desk_name(ticket.source)
            return Done(f"took the ticket over; assigned in {name}", {"desk_assignee": agent}, outcome.reference)
        if ticket.callback_url is None:
            return Done("took the ticket over", {"help_desk": False})
        reference = await self._tell_help_desk(action, ticket, "assigned")
        return Done("took the ticket over; the help desk knows", {"help_desk": True}, reference)

    async def _reply(self, action: ActionRecord, facts: Facts) -> Done:
        ticket = _ticket(facts)
        body = action.params["body"]
        closing = bool(action.params.get("close"))
        if ticket.source is not None:
            outcome, _ = await tell_desk(self.providers, action, ticket, "reply", body=body)
            if closing:
                await tell_desk(self.providers, action, ticket, "closed", key_suffix=":closed")
            name = desk_name(ticket.source)
            return Done(
                f"replied in {name}" + (" and closed the ticket" if closing else ""),
                {"via": name, "closed": closing, "message_key": outcome.message_key},
                outcome.reference,
            )
        if ticket.callback_url is not None:
            reference = await self._tell_help_desk(action, ticket, "reply", body=body)
            if closing:
                await self._tell_help_desk(action, ticket, "closed", key_suffix=":closed")
            return Done(
                "replied through the help desk" + (" and closed the ticket" if closing else ""),
                {"via": "help desk", "closed": closing},
                reference,
            )
        mailer = self.providers.mailer
        email = facts.customer.email if facts.customer else None
        if mailer is None or not email:
            reason = "no SMTP server is configured" if mailer is None else "the customer has no email address"
            raise ProviderError("email", f"the reply cannot be sent: {reason} and the ticket has no help-desk callback")
        message_id = await mailer.send(
            OutgoingEmail(
                to=email,
                to_name=facts.customer.name if facts.customer else None,
                subject=reply_subject(ticket.subject) if ticket.subject else f"Your request {ticket.external_id}",
                body=body,
                # Without a domain: the mailer adds the shop's (SUPPORTBOT_SMTP_FROM's), as mail clients expect.
                message_id=f"reply.{action.key.replace(':', '.')}",
                in_reply_to=facts.in_reply_to,
                references=facts.references,
            )
        )
        return Done(
            "replied by email" + (" and closed the ticket" if closing else ""),
            {"via": "email", "closed": closing},
            message_id,
        )

    async def _note(self, action: ActionRecord, facts: Facts) -> Done:
        ticket = _ticket(facts)
        if ticket.source is None:
            raise ProviderError("supportbot", "notes go only to tickets from a help desk")
        outcome, _ = await tell_desk(self.providers, action, ticket, "note", body=action.params["body"])
        return Done(f"added a note in {desk_name(ticket.source)}", {}, outcome.reference)

    async def _close(self, action: ActionRecord, facts: Facts) -> Done:
        ticket = _ticket(facts)
        if ticket.source is not None:
            outcome, _ = await tell_desk(self.providers, action, ticket, "closed")
            return Done(f"closed the ticket; closed in {desk_name(ticket.source)}", {}, outcome.reference)
        if ticket.callback_url is None:
            return Done("closed the ticket", {"help_desk": False})
        reference = await self._tell_help_desk(action, ticket, "closed")
        return Done("closed the ticket; the help desk knows", {"help_desk": True}, reference)

    async def _dispute_evidence(self, action: ActionRecord, facts: Facts) -> Done:
        dispute = _dispute(facts)
        summary, result, file_id = await dispute_steps.provide_evidence(
            self.providers, action, dispute, facts.payment, facts.customer, facts.conversation
        )
        return Done(summary, result, file_id)

    async def _dispute_submit(self, action: ActionRecord, facts: Facts) -> Done:
        summary, result = await dispute_steps.submit_evidence(self.providers, action, _dispute(facts))
        return Done(summary, result)

    async def _dispute_accept(self, action: ActionRecord, facts: Facts) -> Done:
        summary, result = await dispute_steps.accept_dispute(self.providers, action, _dispute(facts))
        return Done(summary, result)

    async def _tell_help_desk(
        self, action: ActionRecord, ticket: Ticket, kind: str, *, body: str | None = None, key_suffix: str = ""
    ) -> str:
        if self.providers.helpdesk is None or ticket.callback_url is None:
            raise ProviderError("help desk", "help-desk write-back needs SUPPORTBOT_TICKETS_WEBHOOK_SECRET")
        update = TicketUpdate(
            ticket_key=ticket.external_id,
            kind=kind,
            idempotency_key=action.key + key_suffix,
            agent_id=action.actor_id,
            agent_name=action.actor_name,
            body=body,
        )
        return await self.providers.helpdesk.send(ticket.callback_url, update)


def reply_subject(subject: str) -> str:
    """`Re: <subject>`, once: mail clients (Gmail) thread a reply only when the subject matches."""
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def _dispute(facts: Facts) -> Dispute:
    if facts.dispute is None:
        raise ProviderError("supportbot", "the dispute is no longer on record")
    return facts.dispute


def _ticket(facts: Facts) -> Ticket:
    if facts.ticket is None:
        raise ProviderError("supportbot", "the ticket is no longer on record")
    return facts.ticket


async def _record_refund(session: AsyncSession, action: ActionRecord, done: Done, now: datetime) -> None:
    payment = await session.get_one(Payment, action.payment_id, with_for_update=True)
    await record_refund(
        session,
        payment,
        done.result["refund_id"],
        amount_minor=done.result.get("amount_minor"),
        currency=done.result.get("currency"),
        reason=action.params.get("reason"),
        at=now,
    )


async def _record_reply(
    session: AsyncSession, paging: Paging, action: ActionRecord, done: Done, now: datetime
) -> TicketMessage | None:
    # A desk's reply is kept under the key its own webhook carries, so the echo of our reply is not shown again.
    key = done.result.get("message_key") or f"supportbot:{action.key}"
    echoed = await session.scalar(
        select(TicketMessage.id).where(TicketMessage.ticket_id == action.ticket_id, TicketMessage.external_id == key)
    )
    if echoed is not None:
        # The desk's webhook told of the reply before we finished recording it: it is in the thread already.
        if action.params.get("close"):
            await _close_ticket(session, paging, action.ticket_id, now)
        return None
    message = TicketMessage(
        ticket_id=action.ticket_id,
        external_id=key,
        sender="agent",
        author=action.actor_name or action.actor_id,
        body=action.params["body"],
        sent_at=now,
    )
    session.add(message)
    await session.flush()
    ticket = await session.get_one(Ticket, action.ticket_id)
    await paging.team_replied(session, ticket, action.actor_name or action.actor_id, now)
    if action.params.get("close"):
        await _close_ticket(session, paging, action.ticket_id, now)
    return message


async def _close_ticket(session: AsyncSession, paging: Paging, ticket_id: int | None, now: datetime) -> None:
    ticket = await session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is not None and ticket.status != TicketStatus.CLOSED:
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
        ticket.respond_by = None
        # Nobody is paged any more about a ticket the team has closed (after parting ways, say).
        await paging.ticket_closed(session, ticket, now)
