"""Recording a run of new sales in a few statements, rather than a few statements per sale.

A launch is a flood of `charge.succeeded` (or PayPal capture) events, each naming a payment we have not seen, by
a new or a known customer. Applying them one by one through the ORM cost about five round trips and a unit of
work per sale, which held applying to a few hundred events a second. Here a run of them is planned in memory
from three reads (the customers named by email, by provider id, and the payments named by key or charge) and
written with one INSERT per table.

Only the plain case is planned: the sale's payment is new, and its customer is new, or known and left as it is.
The first sale that is not plain (a payment already recorded, an email and a provider id naming two customers to
merge, a known customer to complete) ends the run: what was planned before it is written, and the caller applies
it through `record_sale`, the one place that knows those cases, then plans the rest anew. So the records come out
as `record_sale` would have made them, in the events' order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.domain import CustomerRef, SaleSeen
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.sales import Payment
from bot.storage.store import new_payment_row, normalise_email

# The tables themselves: Core statements, with no unit of work to pay for.
_CUSTOMERS = cast(Table, Customer.__table__)
_IDENTITIES = cast(Table, CustomerIdentity.__table__)
_PAYMENTS = cast(Table, Payment.__table__)
_INSERT_CUSTOMERS = insert(_CUSTOMERS).returning(_CUSTOMERS.c.id)
_INSERT_PAYMENTS = insert(_PAYMENTS).returning(_PAYMENTS.c.id, _PAYMENTS.c.provider, _PAYMENTS.c.provider_payment_id)


@dataclass(eq=False)
class _Customer:
    """A customer as the plan sees it: one already stored (with its id), or one to insert (id once inserted)."""

    id: int | None
    email: str | None
    name: str | None
    timezone: str | None


@dataclass(frozen=True)
class NewSale:
    """A sale recorded here: its new payment's id, and what `record_sale` would have put in its payer email."""

    sale: SaleSeen
    payment_id: int
    payer_email: str | None


class _NotPlain(Exception):
    """This sale needs `record_sale`: the run stops before it."""


@dataclass
class _Plan:
    by_email: dict[str, _Customer]
    by_identity: dict[tuple[str, str], _Customer]
    payments: set[tuple[str, str, str]]  # ("key" or "charge", provider, value) of payments stored or planned
    new_customers: list[_Customer] = field(default_factory=list)
    identities: list[tuple[_Customer, str, str]] = field(default_factory=list)
    sales: list[tuple[SaleSeen, int, _Customer | None]] = field(default_factory=list)

    def add(self, sale: SaleSeen, event_id: int) -> None:
        """Plan `sale`, told of by inbound event `event_id`, or raise _NotPlain leaving the plan as it was."""
        keys = _payment_keys(sale)
        if any(key in self.payments for key in keys):
            raise _NotPlain  # a payment to complete, not to create
        customer = self._resolve(sale.customer)
        self.payments.update(keys)
        self.sales.append((sale, event_id, customer))

    def _resolve(self, ref: CustomerRef) -> _Customer | None:
        """As `resolve_customer` does, in memory; raises _NotPlain (changing nothing) where it would merge two
        customers or change one already stored."""
        email = normalise_email(ref.email)
        identity = (ref.provider, ref.external_id) if ref.provider and ref.external_id else None
        by_identity = self.by_identity.get(identity) if identity else None
        by_email = self.by_email.get(email) if email else None
        if by_identity is not None and by_email is not None and by_identity is not by_email:
            raise _NotPlain
        customer = by_email or by_identity
        if customer is None:
            if not email and identity is None:
                return None
            customer = _Customer(None, email, ref.name, ref.timezone)
            self.new_customers.append(customer)
        else:
            completed = (customer.email or email, customer.name or ref.name, ref.timezone or customer.timezone)
            if completed != (customer.email, customer.name, customer.timezone):
                if customer.id is not None:
                    raise _NotPlain
                customer.email, customer.name, customer.timezone = completed
        if customer.email:
            self.by_email[customer.email] = customer
        if identity is not None and by_identity is None:
            self.identities.append((customer, *identity))
            self.by_identity[identity] = customer
        return customer


def _payment_keys(sale: SaleSeen) -> list[tuple[str, str, str]]:
    # What `find_payment` would look the sale's payment up by.
    keys = [("key", sale.provider, sale.payment_key)] if sale.payment_key else []
    return keys + ([("charge", sale.provider, sale.charge_id)] if sale.charge_id else [])


async def record_new_sales(
    session: AsyncSession, sales: Sequence[tuple[int, SaleSeen]], now: datetime
) -> list[NewSale]:
    """Record the plain sales at the head of `sales` (each with the id of the inbound event telling of it), up to
    the first that is not; returns those recorded, in order.

    Fewer than all (maybe none) are recorded when one is not plain: the caller applies that one through
    `record_sale` and calls again with the rest.
    """
    await session.flush()  # what the ORM holds for earlier events, so that the reads below see it
    plan = await _read(session, [sale for _, sale in sales])
    for event_id, sale in sales:
        try:
            plan.add(sale, event_id)
        except _NotPlain:
            break
    return await _write(session, plan, now)


async def _read(session: AsyncSession, sales: Sequence[SaleSeen]) -> _Plan:
    emails = {email for sale in sales if (email := normalise_email(sale.customer.email))}
    ids_by_provider: dict[str, set[str]] = {}
    for sale in sales:
        if sale.customer.provider and sale.customer.external_id:
            ids_by_provider.setdefault(sale.customer.provider, set()).add(sale.customer.external_id)
    stored: dict[int, _Customer] = {}
    by_email: dict[str, _Customer] = {}
    by_identity: dict[tuple[str, str], _Customer] = {}
    columns = (_CUSTOMERS.c.id, _CUSTOMERS.c.email, _CUSTOMERS.c.name, _CUSTOMERS.c.timezone)
    if emails:
        for row in await session.execute(select(*columns).where(_CUSTOMERS.c.email.in_(emails))):
            by_email[row.email] = stored.setdefault(row.id, _Customer(row.id, row.email, row.name, row.timezone))
    if ids_by_provider:
        # `provider = ? AND external_id IN (...)` for each provider, each on the unique (provider, external_id):
        # the pairs as one `(provider, external_id) IN (VALUES ...)` had SQLite read every identity once a run
        # named two customers.
        identified = (
            select(*columns, _IDENTITIES.c.provider, _IDENTITIES.c.external_id)
            .join(_IDENTITIES, _IDENTITIES.c.customer_id == _CUSTOMERS.c.id)
            .where(
                or_(
                    *(
                        and_(_IDENTITIES.c.provider == provider, _IDENTITIES.c.external_id.in_(ids))
                        for provider, ids in ids_by_provider.items()
                    )
                )
            )
        )
        for found in await session.execute(identified):
            customer = stored.setdefault(found.id, _Customer(found.id, found.email, found.name, found.timezone))
            by_identity[found.provider, found.external_id] = customer
    payments: set[tuple[str, str, str]] = set()
    wanted = {key for sale in sales for key in _payment_keys(sale)}
    keys_by_provider: dict[str, set[str]] = {}
    for kind, provider, value in wanted:
        if kind == "key":
            keys_by_provider.setdefault(provider, set()).add(value)
    charges = {value for kind, _, value in wanted if kind == "charge"}
    # Each branch on an index of its own: the charges without their provider, whose rows are told apart below by
    # the provider they come back with. `provider = ? AND charge_id IN (...)`, or one OR under the provider, had
    # SQLite (without statistics) read every payment of the provider: 4.5 ms a batch with 40,000 payments stored.
    by_index = [
        and_(_PAYMENTS.c.provider == provider, _PAYMENTS.c.provider_payment_id.in_(keys))
        for provider, keys in keys_by_provider.items()
    ]
    if charges:
        by_index.append(_PAYMENTS.c.charge_id.in_(charges))
    if by_index:
        query = select(_PAYMENTS.c.provider, _PAYMENTS.c.provider_payment_id, _PAYMENTS.c.charge_id)
        for provider, key, charge in await session.execute(query.where(or_(*by_index))):
            payments.add(("key", provider, key))
            if charge:
                payments.add(("charge", provider, charge))
    return _Plan(by_email, by_identity, payments)


async def _write(session: AsyncSession, plan: _Plan, now: datetime) -> list[NewSale]:
    # New rows' ids are matched to them by a unique key each returns, not by the order RETURNING gives them in,
    # which neither database promises (SQLAlchemy would fall back to one INSERT per row on SQLite to keep it).
    named = {c.email: c for c in plan.new_customers if c.email}
    if named:
        rows = [{"email": e, "name": c.name, "timezone": c.timezone, "created_at": now} for e, c in named.items()]
        for customer_id, email in await session.execute(_INSERT_CUSTOMERS.returning(_CUSTOMERS.c.email), rows):
            named[email].id = customer_id
    for customer in plan.new_customers:
        if customer.id is None:  # known by a provider id only, without an email to match it by: rare, one by one
            row = {"email": None, "name": customer.name, "timezone": customer.timezone, "created_at": now}
            customer.id = await session.scalar(_INSERT_CUSTOMERS, row)
    if plan.identities:
        await session.execute(
            insert(_IDENTITIES),
            [{"customer_id": c.id, "provider": p, "external_id": e} for c, p, e in plan.identities],
        )
    if not plan.sales:
        return []
    rows = [
        new_payment_row(sale, customer.id if customer else None, event_id) for sale, event_id, customer in plan.sales
    ]
    ids = {(provider, key): payment_id for payment_id, provider, key in await session.execute(_INSERT_PAYMENTS, rows)}
    return [
        NewSale(sale, ids[sale.provider, sale.payment_key], normalise_email(sale.customer.email))
        for sale, _, _ in plan.sales
    ]
