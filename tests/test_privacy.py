"""Privacy: a customer forgotten on request leaves no trace in any table or card, and old bodies expire."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text, select, update

from bot.actions import audit
from bot.core.clock import FakeClock, SystemClock
from bot.core.erasure import ERASED
from bot.core.slack_ids import ActionId, Command
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import button_value
from bot.fakes.smtp import FakeSmtp, fake_smtp_server
from bot.fakes.stripe import FakeStripe
from bot.privacy.footprint import Traces
from bot.privacy.retention import Retention
from bot.storage.db import Database
from bot.storage.models import Base
from bot.storage.models.actions import ActionRecord, AuditRecord
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.tone.review import reviewed_messages
from tests.builders import stripe_charge, stripe_event, ticket_event
from tests.harness import BotUnderTest, bot_settings, provider_settings, running_bot, shown, unpaced
from tests.waiting import eventually

OWNER, AGENT = "U0OWNER", "U0AGENT"
ANN_EMAIL = "Ann.Example@Example.com"
# Words only Ann's records hold: none may be left anywhere once she is forgotten.
ANN_TRACES = ("ann.example@example.com", "ann example", "zebraquartz", "kumquat", "marmalade", "goodwill", "cus_ann01")
BOB_TRACES = ("bob@example.com", "bob other", "pomegranate", "artichoke")


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    # Plain and without a login, unlike the shared one: this test is about what is kept, not how it is sent.
    async with fake_smtp_server(tls="none") as fake:
        yield fake


async def table_texts(database_url: str) -> dict[str, list[str]]:
    """Every text and JSON value of every table, lowercased, by table: what a search of the database finds."""
    db = Database(database_url)
    found: dict[str, list[str]] = {}
    try:
        async with db.transaction(read_only=True) as session:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
                rows = (await session.execute(select(*columns))).all() if columns else []
                found[table.name] = [
                    (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).lower()
                    for row in rows
                    for value in row
                    if value is not None
                ]
    finally:
        await db.dispose()
    return found


def traces_left(texts: dict[str, list[str]], traces: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(table, trace) for table, values in texts.items() for value in values for trace in traces if trace in value]


async def supportbot(database_url: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent,
        env=env | {"SUPPORTBOT_DATABASE_URL": database_url},
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def verify_audit(database_url: str) -> tuple[int, audit.Break | None]:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return await audit.verify(session)
    finally:
        await db.dispose()


async def reply_by_email(bot: BotUnderTest, slack: FakeSlack, ticket_key: str, body: str) -> None:
    [card] = [m for m in slack.channel_messages("C0SUPPORT") if f"Ticket {ticket_key}" in shown(m)]
    views_before = len(slack.views)
    await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
    await slack.wait_for(lambda s: len(s.views) > views_before)
    await bot.submit(list(slack.views.values())[-1], user=AGENT, body=body)
    await bot.settle()


async def a_customers_life(bot: BotUnderTest, slack: FakeSlack, *, who: str) -> None:
    """A sale, a ticket with a follow-up, a reply by email; Ann also gets a refund with a note."""
    if who == "ann":
        charge = stripe_charge(pi="pi_ann01", email=ANN_EMAIL, name="Ann Example", customer="cus_ann01")
        ticket, subject = "T-ANN", "Licence trouble kumquat"
        bodies = ("My key stopped working zebraquartz", "Still broken, zebraquartz again")
        reply = "Hello Ann Example, here is a fresh key: marmalade"
    else:
        charge = stripe_charge(pi="pi_bob01", email="bob@example.com", name="Bob Other", customer="cus_bob01")
        ticket, subject, bodies, reply = "T-BOB", "Invoice artichoke", ("Where is my pomegranate?", "Hello?"), "Soon"
    email, name = charge["billing_details"]["email"], charge["billing_details"]["name"]
    assert (await bot.stripe(stripe_event("charge.succeeded", charge)))[0] == 200
    for number, body in enumerate(bodies, start=1):
        kind = "ticket.created" if number == 1 else "ticket.message"
        event = ticket_event(
            kind, ticket_id=ticket, message_id=f"{ticket}-M{number}", body=body, subject=subject, email=email, name=name
        )
        assert (await bot.tickets(event))[0] == 200
        await bot.settle()
    await reply_by_email(bot, slack, ticket, reply)
    if who == "ann":
        views_before = len(slack.views)
        await bot.slash(slack, Command.REFUND, "pi_ann01 10.00", user=OWNER)
        await slack.wait_for(lambda s: len(s.views) > views_before)
        await bot.submit(list(slack.views.values())[-1], user=OWNER, note="goodwill gesture")
        await bot.settle()


async def test_forgetting_a_customer_leaves_no_trace_and_the_audit_trail_verifies(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, smtp: FakeSmtp
):
    stripe_api.add_payment_intent("pi_ann01", 4900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api, smtp=smtp))
    # `supportbot customer forget` runs as a process of its own, on the machine's clock, and queues the redrawn
    # cards for the running bot to post: the bot must keep the same time to find them due.
    async with running_bot(settings, pacer=unpaced(), clock=SystemClock()) as bot:
        await a_customers_life(bot, slack, who="ann")
        await a_customers_life(bot, slack, who="bob")
        before = await table_texts(database_url)
        assert {table for table, _ in traces_left(before, ANN_TRACES)} >= {
            "customers",
            "customer_identities",
            "payments",
            "tickets",
            "ticket_messages",
            "actions",
            "inbound_events",
        }
        assert any(trace in shown(m).lower() for m in slack.all_messages() for trace in ANN_TRACES)

        code, out, err = await supportbot(database_url, "customer", "forget", "ANN.example@EXAMPLE.com", "--yes")
        assert code == 0, err
        await bot.settle()

    assert "ticket messages: 3" in out and "audit records: 4" in out, out
    assert "Slack keeps what the bot cannot redraw" in out
    after = await table_texts(database_url)
    assert traces_left(after, ANN_TRACES) == []
    # Bob is untouched, value for value.
    assert sorted(v for vs in after.values() for v in vs if any(t in v for t in BOB_TRACES)) == sorted(
        v for vs in before.values() for v in vs if any(t in v for t in BOB_TRACES)
    )
    # What Slack shows was redrawn from the erased records: the cards, the messages in the ticket's thread.
    assert [shown(m) for m in slack.all_messages() if any(t in shown(m).lower() for t in ANN_TRACES)] == []
    assert any(ERASED in shown(m) for m in slack.channel_messages("C0SUPPORT"))

    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            ann = await session.scalar(select(Customer).join(Payment).where(Payment.provider_payment_id == "pi_ann01"))
            assert ann is not None and (ann.email, ann.name, ann.timezone) == (None, ERASED, None)
            # History and risk still count: the sale, its refund, every message and its tone.
            sale = (await session.scalars(select(Payment).where(Payment.provider_payment_id == "pi_ann01"))).one()
            assert (sale.amount_minor, sale.amount_refunded_minor, sale.payer_email) == (4900, 1000, None)
            messages = list(
                await session.scalars(select(TicketMessage).join(Ticket).where(Ticket.external_id == "T-ANN"))
            )
            assert len(messages) == 3 and {m.body for m in messages} == {ERASED}
            assert all(m.tone for m in messages if m.sender == "customer")
            forget_record = (await session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1))).one()
            assert (forget_record.action, forget_record.actor_id, forget_record.customer_id) == (
                "forget",
                "cli",
                ann.id,
            )
            # The personal part of her audit records is gone (their digest stays chained); the others keep theirs.
            records = list(await session.scalars(select(AuditRecord).where(AuditRecord.action != "forget")))
            assert {r.personal is None for r in records if r.customer_id == ann.id} == {True}
            assert {r.personal is None for r in records if r.customer_id != ann.id} == {False}
            erased_refund = (
                await session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.action == "refund", AuditRecord.customer_id == ann.id)
                    .limit(1)
                )
            ).one()
    finally:
        await db.dispose()
    checked, broken = await verify_audit(database_url)
    assert broken is None and checked == forget_record.seq
    code, out, _ = await supportbot(database_url, "audit", "verify")
    assert code == 0 and "intact" in out

    # Forgetting again finds nothing, and changes nothing.
    code, out, err = await supportbot(database_url, "customer", "forget", ANN_EMAIL, "--yes")
    assert code == 1 and "No customer or record with the email ann.example@example.com" in err
    assert await table_texts(database_url) == after

    # The chain still guards the hashed part of a record whose personal part is gone.
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            await session.execute(
                update(AuditRecord).where(AuditRecord.seq == erased_refund.seq).values(parameters={"amount_minor": 1})
            )
    finally:
        await db.dispose()
    assert await verify_audit(database_url) == (
        erased_refund.seq,
        audit.Break(erased_refund.seq, "its content was changed"),
    )


async def test_forget_asks_first_and_refuses_an_unknown_email_or_a_customer_with_work_under_way(database_url):
    db = Database(database_url)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    try:
        async with db.transaction() as session:
            cara = Customer(email="cara@example.com", name="Cara Busy", created_at=now)
            session.add(cara)
            await session.flush()
            session.add(
                ActionRecord(
                    key="unsubscribe:cara",
                    kind="unsubscribe",
                    actor_id=OWNER,
                    customer_id=cara.id,
                    params={"email": "cara@example.com"},
                    not_before=now,
                    created_at=now,
                )
            )
    finally:
        await db.dispose()
    unknown = await supportbot(database_url, "customer", "forget", "nobody@example.com", "--yes")
    assert unknown[0] == 1 and "No customer or record with the email nobody@example.com" in unknown[2]
    declined = await supportbot(database_url, "customer", "forget", "cara@example.com", stdin="n\n")
    assert declined[0] == 1 and "Erase their personal data?" in declined[1] and "Nothing erased." in declined[1]
    busy = await supportbot(database_url, "customer", "forget", "CARA@example.com", stdin="y\n")
    assert busy[0] == 1 and "still under way" in busy[2]
    assert traces_left(await table_texts(database_url), ("cara@example.com", "cara busy")) != []


async def test_retention_erases_only_old_bodies_once_even_with_two_processes(
    database_url, slack: FakeSlack, smtp: FakeSmtp
):
    start = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    clock = FakeClock(start)
    settings = bot_settings(database_url, slack, **provider_settings(smtp=smtp))
    async with running_bot(settings, pacer=unpaced(), clock=clock) as bot:
        old = ticket_event("ticket.created", ticket_id="T-OLD", message_id="T-OLD-M1", body="You liars, walrus")
        assert (await bot.tickets(old, timestamp=int(clock.now().timestamp())))[0] == 200
        await bot.settle()
        await reply_by_email(bot, slack, "T-OLD", "Sorry to hear that, walrus")
        clock.advance(timedelta(days=40).total_seconds())
        new = ticket_event("ticket.message", ticket_id="T-OLD", message_id="T-OLD-M2", body="Thanks, narwhal")
        assert (await bot.tickets(new, timestamp=int(clock.now().timestamp())))[0] == 200
        await bot.settle()

    first, second = Database(database_url), Database(database_url)
    try:
        runs = await asyncio.gather(
            Retention(first, clock, days=30).run_once(), Retention(second, clock, days=30).run_once()
        )
        again = await Retention(first, clock, days=30).run_once()
        async with first.transaction(read_only=True) as session:
            messages = list(
                await session.scalars(select(TicketMessage).order_by(TicketMessage.sent_at, TicketMessage.id))
            )
    finally:
        await first.dispose()
        await second.dispose()

    assert sum(r.messages for r in runs) == 2 and sum(r.replies for r in runs) == 1
    assert sum(r.webhooks for r in runs) == 1 and again.total == 0
    assert [m.body for m in messages] == [ERASED, ERASED, "Thanks, narwhal"]
    abusive = messages[0]
    assert abusive.tone == "abusive" and abusive.tone_verdict is not None
    assert abusive.tone_verdict["reasons"] == [ERASED]
    texts = await table_texts(database_url)
    assert traces_left(texts, ("walrus", "liars")) == []
    assert {table for table, _ in traces_left(texts, ("narwhal",))} == {"ticket_messages", "inbound_events"}


async def test_the_purge_command_runs_retention_once(database_url):
    db = Database(database_url)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    try:
        async with db.transaction() as session:
            ticket = Ticket(external_id="T-1", subject="Old", opened_at=long_ago)
            session.add(ticket)
            await session.flush()
            # Judged abusive by a person: kept for retraining while its words exist, and not after.
            session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    external_id="M-1",
                    sender="customer",
                    body="ancient",
                    sent_at=long_ago,
                    tone="abusive",
                    tone_corrected_by=OWNER,
                    tone_corrected_at=long_ago,
                )
            )
    finally:
        await db.dispose()
    assert [row["text"] for row in await training_rows(database_url)] == ["ancient"]
    off = await supportbot(database_url, "customer", "purge")
    assert off[0] == 1 and "retention is off" in off[2]
    ran = await supportbot(database_url, "customer", "purge", "--days", "30")
    assert ran[0] == 0 and "1 ticket message(s)" in ran[1]
    assert traces_left(await table_texts(database_url), ("ancient",)) == []
    assert await training_rows(database_url) == []


async def training_rows(database_url: str) -> list[dict]:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return [row async for row in reviewed_messages(session)]
    finally:
        await db.dispose()


async def test_a_running_bot_erases_old_bodies_by_itself(database_url, slack: FakeSlack):
    db = Database(database_url)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    try:
        async with db.transaction() as session:
            ticket = Ticket(external_id="T-2", subject="Old", opened_at=long_ago)
            session.add(ticket)
            await session.flush()
            session.add(
                TicketMessage(
                    ticket_id=ticket.id, external_id="M-1", sender="customer", body="fossil", sent_at=long_ago
                )
            )
        async with running_bot(bot_settings(database_url, slack, retention_days=30)):

            async def erased() -> bool:
                return not traces_left(await table_texts(database_url), ("fossil",))

            await eventually(erased, what="retention did not run")
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("text", "quotes_her"),
    [
        ("Refund for ann@example.com, please", True),
        ("ANN@EXAMPLE.COM", True),
        ("Ann Smith <ann@example.com>.", True),
        ("joann@example.com", False),  # someone else's address that ends like hers
        ("ann@example.com.au", False),
        ("Dear ann smith,", True),
        ("Annual report by Joann Smithers", False),
        ("[erased]", False),
    ],
)
def test_only_her_own_email_and_name_count_as_quoting_her(text, quotes_her):
    traces = Traces(frozenset({"ann@example.com"}), frozenset({"Ann Smith"}), frozenset({"pi_1"}))
    assert traces.quoted_in(text) is quotes_her
    assert traces.found_in({"deep": [{"text": text}]}) is quotes_her
    assert traces.found_in({"payment": "pi_1"}) and not traces.found_in({"payment": "pi_10"})
