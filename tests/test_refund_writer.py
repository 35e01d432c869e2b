"""One writer of refunds: the provider's webhook and the bot's own refund action tell of the same refund in either
order, and the payment's refunded total counts it once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models.sales import Payment, PaymentProvider, Refund
from bot.storage.store import record_refund

PAID = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


async def _payment(db: Database) -> int:
    async with db.transaction() as session:
        payment = Payment(
            provider=PaymentProvider.STRIPE,
            provider_payment_id="pi_writer",
            amount_minor=2000,
            currency="eur",
            amount_refunded_minor=0,
            paid_at=PAID,
        )
        session.add(payment)
        await session.flush()
        return payment.id


async def _tell(db: Database, payment_id: int, refund_key: str, **told: object) -> bool:
    async with db.transaction() as session:
        payment = await session.get_one(Payment, payment_id)
        defaults: dict[str, object] = {"amount_minor": None, "currency": None, "reason": None, "at": LATER}
        return await record_refund(session, payment, refund_key, **(defaults | told)) is not None  # type: ignore[arg-type]


async def _state(db: Database, payment_id: int) -> tuple[int, list[tuple[str, int | None, str | None]]]:
    async with db.transaction(read_only=True) as session:
        payment = await session.get_one(Payment, payment_id)
        refunds = await session.execute(
            select(Refund.provider_refund_id, Refund.amount_minor, Refund.currency).order_by(Refund.id)
        )
        return payment.amount_refunded_minor, [tuple(row) for row in refunds]  # type: ignore[misc]


async def test_the_action_first_then_the_webhook_counts_the_refund_once(db: Database) -> None:
    payment_id = await _payment(db)
    assert await _tell(db, payment_id, "re_1", amount_minor=500, currency="eur", reason="requested_by_customer")
    assert not await _tell(db, payment_id, "re_1", provider_total_minor=500)
    assert await _state(db, payment_id) == (500, [("re_1", 500, "eur")])


async def test_the_webhook_first_sizes_the_refund_from_the_running_total_and_the_action_adds_nothing(
    db: Database,
) -> None:
    payment_id = await _payment(db)
    assert await _tell(db, payment_id, "re_1", provider_total_minor=700)
    assert not await _tell(db, payment_id, "re_1", amount_minor=700, currency="eur")
    # The currency the provider left out is the payment's.
    assert await _state(db, payment_id) == (700, [("re_1", 700, "eur")])


async def test_an_older_running_total_delivered_late_leaves_the_size_unknown_and_the_total_as_it_was(
    db: Database,
) -> None:
    payment_id = await _payment(db)
    assert await _tell(db, payment_id, "re_2", provider_total_minor=1200)
    assert await _tell(db, payment_id, "re_1", provider_total_minor=500)
    assert await _state(db, payment_id) == (1200, [("re_2", 1200, "eur"), ("re_1", None, "eur")])
