"""The rush digest: one message that accounts for every sale of a burst, updated in place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.cards.blocks import Card, context, escape, header, section, slack_date
from bot.core.money import format_money, format_totals
from bot.storage.models.sales import Payment, SaleDigest

LATEST_SHOWN = 10


@dataclass
class DigestFigures:
    count: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    refunded: int = 0
    products: Counter[str] = field(default_factory=Counter)
    latest: list[Payment] = field(default_factory=list)


def digest_card(digest: SaleDigest, figures: DigestFigures) -> Card:
    lines = [
        f"• {format_money(p.amount_minor, p.currency)} · {escape(p.product or 'product not named')} · "
        f"{escape(p.payer_email or p.payer_name or 'unknown customer')}"
        for p in figures.latest[:LATEST_SHOWN]
    ]
    top = " · ".join(f"{escape(name)} ×{count}" for name, count in figures.products.most_common(5))
    blocks = [
        header(f"🚀 Sales rush · {figures.count:,} sales"),
        section(f"*Total* {format_totals(figures.totals)}" + (f"\n*Top products* {top}" if top else "")),
        section("*Latest*\n" + "\n".join(lines)),
        context(
            f"since {slack_date(digest.opened_at, '{time}')} · last sale {slack_date(digest.last_folded_at, '{time}')}",
            f"↩️ {figures.refunded} refunded" if figures.refunded else "",
            "Sales arrived faster than Slack lets a bot post: they are counted here instead of one card each.",
        ),
    ]
    return Card(f"Sales rush: {figures.count:,} sales, {format_totals(figures.totals)}", blocks)
