"""The sale card: what was bought, by whom, and how this customer has been so far."""

from __future__ import annotations

from bot.cards.blocks import Card, context, customer_label, escape, fields, header, history_line, link, slack_date
from bot.core.money import format_money
from bot.core.wording import humanise, provider_name
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment
from bot.storage.store import CustomerHistory


def sale_card(
    payment: Payment,
    customer: Customer | None,
    history: CustomerHistory,
    disputes: list[Dispute],
    purchase_number: int | None = None,
) -> Card:
    amount = format_money(payment.amount_minor, payment.currency)
    product = payment.product or "product not named"
    email = customer.email if customer else payment.payer_email
    name = (customer.name if customer else None) or payment.payer_name
    marks = _marks(payment, disputes)
    blocks = [
        header(f"💰 {amount} · {product}"),
        fields(
            ("Customer", customer_label(email, name)),
            ("History", history_line(history, purchase_number=purchase_number)),
            ("Paid", slack_date(payment.paid_at)),
            ("Payment", link(payment.provider_url, f"View in {provider_name(payment.provider)}")),
        ),
    ]
    if marks:
        blocks.insert(1, context(*marks))
    if not payment.livemode:
        blocks.append(context("🧪 test mode"))
    who = email or name or "unknown customer"
    return Card(f"New sale: {amount} · {product} · {who}", blocks)


def _marks(payment: Payment, disputes: list[Dispute]) -> list[str]:
    marks = []
    if payment.amount_refunded_minor:
        full = payment.amount_minor is not None and payment.amount_refunded_minor >= payment.amount_minor
        marks.append(
            f"↩️ *{'Refunded' if full else 'Partly refunded'}* "
            f"{format_money(payment.amount_refunded_minor, payment.currency)}"
        )
    for dispute in disputes:
        marks.append(
            f"⚠️ *Disputed* ({escape(humanise(dispute.reason) or 'no reason given').lower()}, "
            f"{escape(humanise(dispute.status) or 'open').lower()})"
        )
    return marks
