"""What the Home tab reads (bot/home/snapshot.py), from records stored on SQLite and PostgreSQL alike: whose
tickets are whose, who waits for an answer, and the delivery's last error."""

from __future__ import annotations

from datetime import timedelta

from bot.home.snapshot import read_home
from bot.oncall.morning_digest import waiting_customers
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.permissions import Role
from bot.storage.db import Database
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus
from tests.clocks import START
from tests.home import SETTINGS

NOW = START
# Each ticket's messages, oldest first, as (sender, minutes ago); opened in this order, a minute apart.
TICKETS = {
    "T-quiet": [],
    "T-answered": [("customer", 90), ("agent", 60)],
    "T-waiting-long": [("customer", 300), ("agent", 200), ("customer", 120)],
    "T-waiting": [("customer", 30)],
    "T-team-first": [("agent", 50), ("customer", 40)],
    "T-same-minute": [("customer", 20), ("agent", 20)],
    "T-closed": [("customer", 10)],
    "T-someone-elses": [("customer", 5)],
}


async def store_tickets(db: Database) -> None:
    async with db.transaction() as session:
        for n, (key, messages) in enumerate(TICKETS.items()):
            ticket = Ticket(
                external_id=key,
                opened_at=NOW - timedelta(hours=6) + timedelta(minutes=n),
                status=TicketStatus.CLOSED if key == "T-closed" else TicketStatus.OPEN,
                assignee_id="U0OTHER" if key == "T-someone-elses" else "U0OWNER",
            )
            session.add(ticket)
            await session.flush()
            session.add_all(
                TicketMessage(
                    ticket_id=ticket.id,
                    external_id=f"{key}-{i}",
                    sender=sender,
                    body="…",
                    sent_at=NOW - timedelta(minutes=ago),
                )
                for i, (sender, ago) in enumerate(messages)
            )


async def test_mine_lists_my_open_tickets_by_the_customers_last_message(db: Database) -> None:
    await store_tickets(db)

    async with db.transaction() as session:
        home = await read_home(session, "U0OWNER", Role.OWNER, SETTINGS, NOW)

    # Newest customer message first; tickets the customer never wrote in last, the newest of them first.
    assert [line.external_id for line in home.mine] == [
        "T-same-minute",
        "T-waiting",
        "T-team-first",
        "T-answered",
        "T-waiting-long",
        "T-quiet",
    ]
    assert home.mine_count == 6
    assert home.mine[1].last_message_at == NOW - timedelta(minutes=30)
    assert home.mine[-1].last_message_at is None


async def test_the_customers_who_wrote_last_in_an_open_ticket_are_waiting(db: Database) -> None:
    await store_tickets(db)

    async with db.transaction() as session:
        waiting = await waiting_customers(session, ResponseTargets(), NOW)

    # An answer sent at the very time of the question answers it.
    assert sorted(item["ticket"] for item in waiting) == [
        "T-someone-elses",
        "T-team-first",
        "T-waiting",
        "T-waiting-long",
    ]


def outbox(n: int, status: OutboxStatus, error: str | None) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=f"item-{n}",
        channel="C0SUPPORT",
        kind=OutboxKind.UPDATE_CARD,
        subject_type="ticket",
        subject_id=n,
        status=status,
        not_before=NOW,
        created_at=NOW,
        last_error=error,
    )


async def test_the_last_slack_error_is_one_not_yet_overcome(db: Database) -> None:
    async with db.transaction() as session:
        session.add(outbox(1, OutboxStatus.FAILED, "channel_not_found"))
        session.add(outbox(2, OutboxStatus.SENT, None))
        session.add(outbox(3, OutboxStatus.PENDING, "ratelimited"))
        session.add(outbox(4, OutboxStatus.FOLDED, "ratelimited, then folded into a digest"))
        # Why no call was needed: not an error.
        session.add(outbox(5, OutboxStatus.SUPERSEDED, "the card is still to be posted and will show this"))

    async with db.transaction() as session:
        home = await read_home(session, "U0OWNER", Role.OWNER, SETTINGS, NOW)
        assert home.health is not None and home.health.last_error == "ratelimited"

        (await session.get_one(OutboxMessage, 2)).status = OutboxStatus.PENDING
        (await session.get_one(OutboxMessage, 3)).status = OutboxStatus.SENT
        (await session.get_one(OutboxMessage, 3)).last_error = None
        await session.flush()
        home = await read_home(session, "U0OWNER", Role.OWNER, SETTINGS, NOW)
        assert home.health is not None and home.health.last_error == "channel_not_found"
