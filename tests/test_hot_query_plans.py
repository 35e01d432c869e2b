"""What runs often reads an index for the rows it wants, never every row of a table that grows with the shop.

SQLite keeps no statistics (nothing runs ANALYZE), so its plan depends only on the schema and the statement's
shape: a plan seen here is the plan production gets. As in tests/test_payment_lookups.py, the statements the
code really runs are caught as they go to SQLite and each is put to SQLite's planner. Found by putting every
statement of the suite's SQLite half to the planner; each of these read a whole growing table before.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.subjects import Drawing, subject_card
from bot.core.domain import CustomerRef, SaleSeen
from bot.home.month import month_figures
from bot.home.snapshot import read_home
from bot.inbound.new_sales import record_new_sales
from bot.integrations.slack import SlackPoster
from bot.oncall.alerts import OnCall, page_about, resolve_alerts
from bot.oncall.card_facts import OnCallCardFacts
from bot.oncall.disputes import disputes_to_remind
from bot.outbox.queue import Subject
from bot.outbox.worker import OutboxWorker
from bot.policies.oncall_escalation import AlertKind
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.permissions import Role
from bot.storage.db import Database
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.oncall import WaitingAlertDetails
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket
from bot.tone.card_facts import ToneCardFacts
from tests.clocks import START, SteadyClock
from tests.home import SETTINGS
from tests.query_plans import planned, steps_on

NOW = START


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


async def test_a_run_of_new_sales_by_known_customers_looks_each_identity_up_by_index(db: Database) -> None:
    async with db.transaction() as session:
        for n in range(3):
            customer = Customer(email=f"buyer{n}@example.com", created_at=NOW)
            session.add(customer)
            await session.flush()
            session.add(CustomerIdentity(customer_id=customer.id, provider="stripe", external_id=f"cus_{n}"))
    sales = [
        (n, SaleSeen("stripe", f"pi_{n}", NOW, CustomerRef(provider=provider, external_id=f"cus_{n}")))
        for n, provider in enumerate(["stripe", "stripe", "paypal"])
    ]

    plans = await planned(db, lambda session: record_new_sales(session, sales, NOW))

    steps = steps_on("customer_identities", plans)
    assert steps and all("(provider=? AND external_id=?)" in line for line in steps), plans


async def test_the_outbox_finds_a_channels_next_item_among_its_waiting_ones(db: Database) -> None:
    worker = OutboxWorker(db, SlackPoster(None), SteadyClock(), None)  # type: ignore[arg-type]

    plans = await planned(db, lambda _session: worker._next("C0SALES"))

    # (channel=?) alone is every item the channel was ever sent.
    steps = steps_on("outbox", plans)
    assert steps and all("(channel=? AND status=?)" in line for line in steps), plans


@pytest.mark.parametrize("subject", ["payment", "ticket"])
async def test_a_card_reads_only_its_customers_actions(db: Database, subject: str) -> None:
    async with db.transaction() as session:
        customer = Customer(email="ann@example.com", created_at=NOW)
        session.add(customer)
        await session.flush()
        drawn: Payment | Ticket = (
            Payment(provider="stripe", provider_payment_id="pi_1", customer_id=customer.id, paid_at=NOW)
            if subject == "payment"
            else Ticket(external_id="T-1", customer_id=customer.id, opened_at=NOW)
        )
        session.add(drawn)
    drawing = Drawing(OnCallCardFacts(ResponseTargets()), ToneCardFacts())

    async def draw(session: AsyncSession) -> None:
        fresh = await session.get(Payment, drawn.id) if subject == "payment" else await session.get(Ticket, drawn.id)
        assert fresh is not None
        await subject_card(session, "sale" if subject == "payment" else "ticket", fresh, NOW, drawing)

    plans = await planned(db, draw)

    # (status=?) is every action that ever succeeded.
    steps = steps_on("actions", plans)
    assert steps and all(re.search(r"\((customer_id|payment_id|ticket_id)=\?\)", line) for line in steps), plans


async def test_the_reminder_timer_reads_only_deadlines_still_ahead(db: Database) -> None:
    plans = await planned(db, lambda session: disputes_to_remind(session, NOW))

    steps = steps_on("disputes", plans)
    assert steps and all("(evidence_due_at>?)" in line for line in steps), plans


async def test_the_home_tab_and_the_month_chart_read_their_dates_by_index(db: Database) -> None:
    async def draw(session: AsyncSession) -> None:
        await read_home(session, "U0OWNER", Role.OWNER, SETTINGS, NOW)
        await month_figures(session, NOW, ZoneInfo("Europe/Berlin"), "USD")

    plans = await planned(db, draw)

    by_date = {
        "payments": "paid_at >=",
        "refunds": "refunded_at >=",
        "disputes": "opened_at >=",
        "tickets": "tickets.opened_at >=",
    }
    for table, where in by_date.items():
        steps = steps_on(table, plans, where)
        column = where.split(" ")[0].split(".")[-1]
        assert steps and all(f"({column}>?" in line for line in steps), (table, plans)


async def test_the_home_tab_reads_the_open_tickets_and_only_their_messages(db: Database) -> None:
    plans = await planned(db, lambda session: read_home(session, "U0OWNER", Role.OWNER, SETTINGS, NOW))

    # Grouping every message ever written, tickets by `!= 'closed'`, the outbox until a row had an error: each
    # read a whole table.
    assert not [
        line for _sql, plan in plans for line in plan if re.match(r"SCAN (tickets|ticket_messages|outbox)\b", line)
    ]
    messages = steps_on("ticket_messages", plans)
    assert messages and all("(ticket_id=?)" in line or "(tone=? AND sent_at>?)" in line for line in messages), plans
    open_tickets = steps_on("tickets", plans, "tickets.status = ")
    assert open_tickets and all("(status=?)" in line for line in open_tickets), plans
    last_error = steps_on("outbox", plans, "last_error IS NOT NULL")
    assert last_error and all("(status=?)" in line for line in last_error), plans


async def test_news_of_a_ticket_finds_the_alerts_about_it_among_all_alerts(db: Database) -> None:
    async with db.transaction() as session:
        ticket = Ticket(external_id="T-1", opened_at=NOW)
        session.add(ticket)
    oncall = OnCall(channel="C0ONCALL", rotation=None, owners=("U0OWNER",))

    async def news(session: AsyncSession) -> None:
        details = WaitingAlertDetails(ticket.id, NOW)
        await page_about(
            session,
            oncall,
            "waiting:1",
            AlertKind.CUSTOMER_WAITING,
            about=Subject.TICKET,
            about_id=ticket.id,
            details=details,
            also="again",
            now=NOW,
        )
        await resolve_alerts(session, Subject.TICKET, ticket.id, "Sam replied", NOW)

    plans = await planned(db, news)

    # (status=?) is every open and acknowledged alert, about anything.
    steps = steps_on("alerts", plans, "alerts.about_id = ")
    assert len(steps) == 2 and all("(about_type=? AND about_id=?)" in line for line in steps), plans
