"""The confirmation modals: each shows exactly what will happen before anything does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.cards.blocks import Block, clip, context, escape, section, slack_date
from bot.core.money import format_money
from bot.core.slack_ids import ViewId
from bot.integrations.contracts import Licence
from bot.policies.refunds import STRIPE_REASONS, remaining_minor
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket

View = dict[str, Any]
VALUE = "value"  # the action_id of every input: a block holds one input, named by its block_id
MAX_CHOICES = 10  # Slack's limit for radio buttons and checkboxes
PART_WAYS_MESSAGE = (
    "Hello{name},\n\n"
    "I'm sorry we could not make this work for you. Having looked at everything, I don't think our product is a "
    "good fit for what you need, and I don't want you to pay for something that doesn't serve you.\n\n"
    "{refund_line}"
    "Thank you for giving us a try, and I wish you all the best finding the right tool.\n\n"
    "Kind regards"
)


@dataclass(frozen=True)
class Refundable:
    payment: Payment
    remaining: int | None


def modal(callback_id: ViewId, title: str, submit: str | None, blocks: list[Block], metadata: dict[str, Any]) -> View:
    view: View = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(clip(title, 24)),
        "close": _plain("Cancel" if submit else "Close"),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
    }
    if submit:
        view["submit"] = _plain(clip(submit, 24))
    return view


def notice(title: str, text: str) -> View:
    """A modal with nothing to confirm: why the action cannot be offered, or what already happened."""
    # Plain text (an error's message) is shown as written; what we compose with markup comes as Mrkdwn.
    body = escape(text)
    return {"type": "modal", "title": _plain(clip(title, 24)), "close": _plain("Close"), "blocks": [section(body)]}


def payment_label(payment: Payment, remaining: int | None = None) -> str:
    left = remaining_minor(payment.amount_minor, payment.amount_refunded_minor) if remaining is None else remaining
    amount = format_money(payment.amount_minor, payment.currency)
    rest = f" ({format_money(left, payment.currency)} left)" if payment.amount_refunded_minor and left else ""
    return f"{amount}{rest} · {payment.product or 'product not named'} · {payment.paid_at:%d %b %Y}"


def refund_modal(
    choices: list[Refundable],
    customer: Customer | None,
    metadata: dict[str, Any],
    *,
    amount: str | None = None,
    note: str | None = None,
) -> View:
    who = _customer_line(customer)
    blocks: list[Block] = []
    if len(choices) == 1:
        only = choices[0]
        payment = only.payment
        left = format_money(only.remaining, payment.currency) if only.remaining is not None else "the whole payment"
        blocks.append(
            section(
                f"Refund *{left}* of the {escape(payment.product or 'sale')} bought {slack_date(payment.paid_at)} "
                f"through {payment.provider.title()} (`{escape(payment.provider_payment_id)}`){who}."
            )
        )
    else:
        blocks.append(section(f"This customer{who} has {len(choices)} payments that can be refunded. Which one?"))
        blocks.append(
            _radio("payment", "Payment", [(str(c.payment.id), payment_label(c.payment, c.remaining)) for c in choices])
        )
    blocks.append(
        _text_input(
            "amount",
            "Amount (leave empty for all that is left)",
            initial=amount,
            optional=True,
            placeholder="e.g. 12.50",
        )
    )
    blocks.append(
        _select(
            "reason",
            "Reason (sent to the provider)",
            [(code, code.replace("_", " ").capitalize()) for code in STRIPE_REASONS],
        )
    )
    blocks.append(_text_input("note", "Note for the audit trail", initial=note, optional=True, multiline=True))
    blocks.append(context("The money goes back to the customer's original payment method. This cannot be undone."))
    return modal(ViewId.REFUND, "Refund", "Refund", blocks, metadata)


def revoke_modal(
    server: str,
    licences: list[Licence] | None,
    customer_line: str,
    metadata: dict[str, Any],
    *,
    lookup_error: str | None = None,
) -> View:
    """`licences` None: still being looked up (the modal is updated when they are known); `customer_line` is
    shown as written unless it comes as Mrkdwn."""
    customer_line = escape(customer_line)
    blocks: list[Block] = []
    if licences is None and lookup_error is None:
        blocks.append(section(f"Looking up the licences of {customer_line} on {escape(server)}…"))
        return modal(ViewId.REVOKE, "Revoke licence", None, blocks, metadata)
    if lookup_error is not None:
        blocks.append(
            section(
                f"{escape(server)} could not list the licences of {customer_line}: {escape(lookup_error)}\n"
                "Confirm to revoke *every active licence* of this customer; they are looked up again when it runs."
            )
        )
    else:
        active = [licence for licence in licences or [] if licence.status == "active"]
        if not active:
            blocks.append(section(f"{customer_line} has no active licence on {escape(server)}; nothing to revoke."))
            return modal(ViewId.REVOKE, "Revoke licence", None, blocks, metadata)
        blocks.append(
            _checkboxes(
                "licences",
                f"Licences to revoke on {server}",
                [(item.key, _licence_label(item)) for item in active],
                all_checked=True,
            )
        )
    blocks.append(context("The customer's software stops working with a revoked licence."))
    return modal(ViewId.REVOKE, "Revoke licence", "Revoke", blocks, metadata)


def unsubscribe_modal(list_name: str, email: str, metadata: dict[str, Any]) -> View:
    blocks = [section(f"Unsubscribe *{escape(email)}* from *{escape(list_name)}*. They get no more mailings.")]
    return modal(ViewId.UNSUBSCRIBE, "Unsubscribe", "Unsubscribe", blocks, metadata)


def part_ways_modal(
    customer: Customer,
    refundable: list[Refundable],
    licences: list[Licence] | None,
    licence_server: str | None,
    list_name: str | None,
    ticket: Ticket | None,
    metadata: dict[str, Any],
    *,
    lookup_error: str | None = None,
    no_message: str | None = None,
) -> View:
    """`no_message`: why no message can reach the customer (no ticket to answer, no way to send); None if one can."""
    who = escape(customer.name or customer.email or "this customer")
    blocks: list[Block] = [
        section(
            f"Part ways with *{who}*. Every step runs once; the outcome of each is posted in the thread, "
            "with a retry for any that fails."
        )
    ]
    if refundable:
        newest = max(refundable, key=lambda choice: choice.payment.paid_at)
        blocks.append(
            _checkboxes(
                "refunds",
                "Refund",
                [(str(c.payment.id), payment_label(c.payment, c.remaining)) for c in refundable],
                checked={str(newest.payment.id)},
                optional=True,
            )
        )
    if licence_server is not None:
        if licences is None and lookup_error is None:
            blocks.append(context(f"🔑 Looking up licences on {escape(licence_server)}…"))
        elif lookup_error is not None:
            blocks.append(
                _checkboxes(
                    "revoke_all",
                    "Licences",
                    [("all", f"Revoke every active licence (could not list them: {clip(lookup_error, 60)})")],
                    all_checked=True,
                    optional=True,
                )
            )
        elif active := [licence for licence in licences or [] if licence.status == "active"]:
            blocks.append(
                _checkboxes(
                    "licences",
                    f"Revoke on {licence_server}",
                    [(item.key, _licence_label(item)) for item in active],
                    all_checked=True,
                    optional=True,
                )
            )
        else:
            blocks.append(context(f"🔑 No active licence on {escape(licence_server)}."))
    if list_name is not None and customer.email:
        blocks.append(
            _checkboxes(
                "unsubscribe",
                "Mailing list",
                [("yes", f"Unsubscribe from {list_name}")],
                all_checked=True,
                optional=True,
            )
        )
    if no_message is not None:
        blocks.append(context(f"✉️ {escape(no_message)}"))
    else:
        refund_line = (
            "I have refunded your purchase in full; you will see it on your statement in a few days.\n\n"
            if refundable
            else ""
        )
        # A name of only spaces has no first word.
        first_name = "".join(f" {word}" for word in (customer.name or "").split()[:1])
        blocks.append(
            _text_input(
                "message",
                "Message to the customer (leave empty to send none)",
                initial=PART_WAYS_MESSAGE.format(name=first_name, refund_line=refund_line),
                optional=True,
                multiline=True,
            )
        )
    if ticket is not None:
        blocks.append(
            _checkboxes(
                "close",
                "Ticket",
                [("yes", f"Close ticket {clip(ticket.external_id, 40)}")],
                all_checked=True,
                optional=True,
            )
        )
    return modal(ViewId.PART_WAYS, "Part ways", "Part ways", blocks, metadata)


def reply_modal(ticket: Ticket, customer: Customer | None, via: str, metadata: dict[str, Any]) -> View:
    blocks: list[Block] = [
        section(f"Reply to *{escape(ticket.subject or ticket.external_id)}*{_customer_line(customer)}, {via}."),
        _text_input("body", "Your reply", multiline=True),
        _checkboxes("close", "Ticket", [("yes", "Close the ticket after sending")], optional=True),
    ]
    return modal(ViewId.REPLY, "Reply", "Send", blocks, metadata)


def note_modal(ticket: Ticket, desk: str, metadata: dict[str, Any]) -> View:
    blocks: list[Block] = [
        section(f"An internal note on *{escape(ticket.subject or ticket.external_id)}* in {escape(desk)}, as you."),
        _text_input("body", "Your note", multiline=True),
        context("Only your team sees a note; the customer does not."),
    ]
    return modal(ViewId.NOTE, "Note", "Add note", blocks, metadata)


def held_reply_modal(warning: str, draft: str, metadata: dict[str, Any]) -> View:
    """Pushed over the reply modal when the draft reads as abusive or sarcastic: edit here, go back, or send."""
    blocks: list[Block] = [
        section(f"✋ {warning}"),
        _text_input("body", "Your reply", initial=draft, multiline=True),
        context(
            "*Send anyway* sends the reply as it stands above; the audit trail notes it was sent despite the warning."
        ),
    ]
    view = modal(ViewId.REPLY_HELD, "Check your reply", "Send anyway", blocks, metadata)
    view["close"] = _plain("Back")
    return view


def _customer_line(customer: Customer | None) -> str:
    if customer is None:
        return ""
    label = customer.name or customer.email
    return f" ({escape(label)})" if label else ""


def _licence_label(licence: Licence) -> str:
    key = licence.key if len(licence.key) <= 12 else f"{licence.key[:4]}…{licence.key[-4:]}"
    return f"{key} · {licence.product}" if licence.product else key


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(clip(label, 75)), "value": value}


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    placeholder: str | None = None,
) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    return {"type": "input", "block_id": block_id, "optional": optional, "label": _plain(label), "element": element}


def _radio(block_id: str, label: str, options: list[tuple[str, str]]) -> Block:
    element = {
        "type": "radio_buttons",
        "action_id": VALUE,
        "options": [_option(v, t) for v, t in options[:MAX_CHOICES]],
    }
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}


def _select(block_id: str, label: str, options: list[tuple[str, str]]) -> Block:
    choices = [_option(v, t) for v, t in options]
    element = {"type": "static_select", "action_id": VALUE, "options": choices, "initial_option": choices[0]}
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}


def _checkboxes(
    block_id: str,
    label: str,
    options: list[tuple[str, str]],
    *,
    all_checked: bool = False,
    checked: set[str] | None = None,
    optional: bool = False,
) -> Block:
    choices = [_option(v, t) for v, t in options[:MAX_CHOICES]]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": VALUE, "options": choices}
    initial = [c for c in choices if all_checked or c["value"] in (checked or set())]
    if initial:
        element["initial_options"] = initial
    return {"type": "input", "block_id": block_id, "optional": optional, "label": _plain(label), "element": element}
