"""`/customer <email>` and `/audit [email | @user | ticket] [since]`: looking things up, privately."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from sqlalchemy import select

from bot.actions.audit import parse_since
from bot.actions.targets import TargetKind, read_target
from bot.cards.lookups import audit_card, customer_card
from bot.cards.text import Mrkdwn, md, mention
from bot.core.errors import cut, quoted
from bot.core.slack_ids import Command
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import require
from bot.policies.permissions import Action
from bot.policies.risk import assess_risk
from bot.storage.models.actions import AuditRecord
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment
from bot.storage.models.tickets import Ticket
from bot.storage.store import customer_history, risk_record

AUDIT_SHOWN = 20
# Each filter is a condition in one SQL statement; SQLite refuses a statement with too many (no answer at all).
AUDIT_FILTERS = 8
USAGE = {
    Command.CUSTOMER: "/customer <email>",
    Command.AUDIT: "/audit [email | @user | ticket id] [since: 7d, 12h or 2026-11-01]",
}


def register(app: AsyncApp) -> None:
    app.command(Command.CUSTOMER)(answered(handle_customer_command))
    app.command(Command.AUDIT)(answered(handle_audit_command))


async def handle_customer_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, deps: Deps) -> None:
    await ack()
    words = (command.get("text") or "").split()
    target = read_target(words[0]) if words else None
    if target is None or target.kind != TargetKind.EMAIL:
        await respond(response_type="ephemeral", text=f"Usage: `{USAGE[Command.CUSTOMER]}`")
        return
    await require(deps, command, Action.LOOK_UP, subject=target.value)
    async with deps.db.transaction(read_only=True) as session:
        customer = await session.scalar(select(Customer).where(Customer.email == target.value))
        if customer is None:
            await respond(
                response_type="ephemeral", text=md("No customer with the email {} is on record.", cut(target.value))
            )
            return
        payments = list(
            await session.scalars(
                select(Payment).where(Payment.customer_id == customer.id).order_by(Payment.paid_at.desc())
            )
        )
        disputes = list(
            await session.scalars(
                select(Dispute).where(Dispute.customer_id == customer.id).order_by(Dispute.opened_at.desc())
            )
        )
        tickets = list(
            await session.scalars(
                select(Ticket).where(Ticket.customer_id == customer.id).order_by(Ticket.opened_at.desc())
            )
        )
        record = await risk_record(session, customer.id, deps.settings.currency)
        risk = assess_risk(record, deps.settings.risk_thresholds)
        history = await customer_history(session, customer.id)
        card = customer_card(customer, history, payments, disputes, tickets, deps.clock.now(), risk)
    await respond(response_type="ephemeral", text=card.text, blocks=card.blocks)


async def handle_audit_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, deps: Deps) -> None:
    await ack()
    await require(deps, command, Action.VIEW_AUDIT, subject="audit trail")
    words = (command.get("text") or "").split()
    if len(words) > AUDIT_FILTERS:
        text = f"At most {AUDIT_FILTERS} filters, please ({len(words)} given). Usage: `{USAGE[Command.AUDIT]}`"
        await respond(response_type="ephemeral", text=text)
        return
    query = select(AuditRecord)
    scope: list[Mrkdwn] = []
    now = deps.clock.now()
    async with deps.db.transaction(read_only=True) as session:
        for word in words:
            target = read_target(word)
            if target.kind == TargetKind.EMAIL:
                customer_id = await session.scalar(select(Customer.id).where(Customer.email == target.value))
                query = query.where(AuditRecord.customer_id == (customer_id or -1))
                scope.append(md("for {}", cut(target.value)))
                continue
            if target.kind == TargetKind.USER:
                query = query.where(AuditRecord.actor_id == target.value)
                scope.append(md("by {}", mention(target.value)))
                continue
            try:
                since = parse_since(word, now)
            except ValueError:
                ticket_id = await session.scalar(select(Ticket.id).where(Ticket.external_id == target.value))
                if ticket_id is None:
                    await respond(
                        response_type="ephemeral",
                        text=md(
                            "{} is not an email, @person, ticket or time. Usage: `{}`",
                            quoted(word),
                            USAGE[Command.AUDIT],
                        ),
                    )
                    return
                query = query.where(AuditRecord.ticket_id == ticket_id)
                scope.append(md("on ticket {}", cut(target.value)))
            else:
                query = query.where(AuditRecord.at >= since)
                scope.append(md("since {} UTC", f"{since:%Y-%m-%d %H:%M}"))
        records = list(await session.scalars(query.order_by(AuditRecord.seq.desc()).limit(AUDIT_SHOWN)))
    card = audit_card(records, Mrkdwn(" ".join(scope)) or "(latest)")
    await respond(response_type="ephemeral", text=card.text, blocks=card.blocks)
