"""The shop's last 30 days, day by day, in the main currency: what the owners' chart draws."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.chart import MonthFigures
from bot.storage.models.sales import Dispute, Payment, Refund

DAYS = 30


async def month_figures(session: AsyncSession, now: datetime, zone: tzinfo, currency: str) -> MonthFigures:
    today = now.astimezone(zone).date()
    days = tuple(today - timedelta(days=DAYS - 1 - n) for n in range(DAYS))
    since = datetime.combine(days[0], datetime.min.time(), zone)
    sales = await _per_day(session, Payment.paid_at, Payment.amount_minor, Payment.currency == currency, since, zone)
    refunds = await _per_day(session, Refund.refunded_at, Refund.amount_minor, Refund.currency == currency, since, zone)
    disputes = await _per_day(session, Dispute.opened_at, None, None, since, zone)
    return MonthFigures(
        currency=currency,
        days=days,
        sales=tuple(sales.get(day, 0) for day in days),
        refunds=tuple(refunds.get(day, 0) for day in days),
        disputes=tuple(disputes.get(day, 0) for day in days),
    )


async def _per_day(
    session: AsyncSession, at: Any, amount: Any, where: Any, since: datetime, zone: tzinfo
) -> dict[date, int]:
    """Summed (or counted) per local day. Grouped here, not in SQL: SQLite and PostgreSQL name days differently,
    and a month of one shop's rows is small."""
    query = select(at, amount if amount is not None else func.count()).where(at >= since)
    if where is not None:
        query = query.where(where)
    if amount is None:
        query = query.group_by(at)
    totals: dict[date, int] = {}
    for when, value in await session.execute(query):
        day = when.astimezone(zone).date()
        totals[day] = totals.get(day, 0) + int(value or 0)
    return totals
