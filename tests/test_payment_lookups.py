"""Every look-up of a payment by its key or its charge reads an index for it, never every payment of a provider.

A shop with years of sales has tens of thousands of payments. SQLite, without statistics, once answered
`provider = ? AND (key IN (...) OR charge IN (...))` by reading every payment of the provider: applying a batch
of new sales took 4.5 ms more per 40,000 payments stored. Here the statements the code really runs are caught as
they go to SQLite and each is put to SQLite's planner.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.targets import Target, TargetKind, scope_of_words
from bot.core.domain import CustomerRef, SaleSeen
from bot.inbound.new_sales import record_new_sales
from bot.storage.db import Database
from bot.storage.models.sales import Payment
from bot.storage.store import find_payment
from tests.query_plans import planned

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    async with database.transaction() as session:
        session.add_all(
            Payment(
                provider=provider, provider_payment_id=f"{provider}_{n}", charge_id=f"ch_{provider}_{n}", paid_at=NOW
            )
            for provider in ("stripe", "paypal")
            for n in range(3)
        )
    yield database
    await database.dispose()


def sale(key: str, charge: str | None) -> SaleSeen:
    return SaleSeen(provider="stripe", payment_key=key, at=NOW, customer=CustomerRef(), charge_id=charge)


async def plans_of_payment_reads(db: Database, work: Callable[[AsyncSession], Awaitable[Any]]) -> list[list[str]]:
    """What SQLite's planner says of each SELECT from payments that `work` runs, one list of lines each."""
    plans = [plan for sql, plan in await planned(db, work) if re.match(r"\s*SELECT\b.*\bFROM payments\b", sql, re.S)]
    assert plans, "the work read no payment"
    return plans


def read_by_an_index_of_their_own(plans: list[list[str]]) -> bool:
    lines = [line for plan in plans for line in plan if "payments" in line]
    # A key is found on (provider, key), a charge on its own index; `(provider=?)` alone is every payment of one.
    return bool(lines) and all(
        "provider_payment_id=?" in line or "charge_id=?" in line or line.startswith("SEARCH payments USING INTEGER")
        for line in lines
    )


@pytest.mark.parametrize(
    "sales",
    [
        [sale(f"pi_new_{n}", f"ch_new_{n}") for n in range(25)],
        [sale(f"pi_new_{n}", None) for n in range(25)],
        [sale("pi_a", "ch_a"), sale("pi_b", None)],
    ],
    ids=["keys and charges", "keys only", "a few"],
)
async def test_a_run_of_new_sales_looks_its_payments_up_by_index(db: Database, sales: list[SaleSeen]) -> None:
    plans = await plans_of_payment_reads(db, lambda session: record_new_sales(session, list(enumerate(sales)), NOW))
    assert read_by_an_index_of_their_own(plans), plans


@pytest.mark.parametrize(("key", "charge"), [("stripe_1", "ch_stripe_1"), ("stripe_1", None), (None, "ch_stripe_1")])
async def test_one_payment_is_found_by_index_however_it_is_named(db: Database, key: str | None, charge: str | None):
    found: list[Payment | None] = []

    async def look(session: AsyncSession) -> None:
        found.append(await find_payment(session, "stripe", key, charge))

    plans = await plans_of_payment_reads(db, look)
    assert read_by_an_index_of_their_own(plans), plans
    assert found[0] is not None and found[0].provider_payment_id == "stripe_1"


async def test_a_charge_of_another_provider_is_not_taken_for_this_one(db: Database) -> None:
    async with db.transaction() as session:
        assert await find_payment(session, "stripe", None, "ch_paypal_1") is None
        [recorded] = await record_new_sales(session, [(1, sale("pi_fresh", "ch_paypal_1"))], NOW)
        assert recorded.sale.payment_key == "pi_fresh"  # a new sale, not the PayPal payment of that charge


@pytest.mark.parametrize("typed", ["paypal_2", "ch_paypal_2"])
async def test_a_command_names_a_payment_found_by_index(db: Database, typed: str) -> None:
    scopes: list[Any] = []

    async def look(session: AsyncSession) -> None:
        scopes.append(await scope_of_words(session, Target(TargetKind.PAYMENT, typed)))

    plans = await plans_of_payment_reads(db, look)
    assert read_by_an_index_of_their_own(plans[:1]), plans  # the command's own look-up, before the customer's
    assert scopes[0].payment.provider_payment_id == "paypal_2"
