"""Two `supportbot serve` replicas on one PostgreSQL database, one killed mid-burst: every event posted once.

PostgreSQL only, by design: replicas share a database only there (on SQLite one process writes). So the test
takes `postgres_url`, not the `database_url` fixture that runs on SQLite too; that fixture fails the run, never
skips it, when PostgreSQL is not reachable. The bot gets an empty database of its own and creates the schema.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.fakes.slack import FakeSlack
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus
from bot.storage.models.sales import Payment
from tests.builders import stripe_charge, stripe_event, stripe_signed, ticket_event, tickets_signed
from tests.clocks import serve_process_now
from tests.harness import CHANNELS, card_header, sales_shown
from tests.processes import free_port, kill, new_postgres_database, serve_env, serving

SALES = 60
TICKETS = 4
# Short, so the survivor takes over the killed replica's message within the test; still far above how long
# the fake Slack takes to answer, so no live replica ever loses a lease it is using.
LEASE_SECONDS = "2"


async def test_two_replicas_share_a_burst_and_one_killed_midway_loses_and_doubles_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        new_postgres_database() as database_url,
        FakeSlack(channels=CHANNELS, post_rate=1.0, post_burst=3) as slack,
    ):
        # The first card lands in Slack but its answer never comes back: the replica posting it dies waiting.
        slack.lose_answer_next("chat.postMessage", delay=60)
        ports = free_port(), free_port()
        envs = [
            serve_env(database_url, slack, port, channel_support="C0SUPPORT", outbox_lease_seconds=LEASE_SECONDS)
            for port in ports
        ]
        sales = [_sale(n) for n in range(SALES)]
        tickets = [_ticket(n) for n in range(TICKETS)]
        events: list[tuple[str, dict[str, Any]]] = [("stripe", event) for event in sales]
        for n, ticket in enumerate(tickets):  # tickets among the sales, on both sides of the kill
            events.insert(5 + n * SALES // TICKETS, ("tickets", ticket))
        answered: dict[str, int] = {}

        async with (
            aiohttp.ClientSession() as http,
            serving(envs[0], tmp_path / "first.log") as first,  # started first, so it delivers to Slack
            serving(envs[1], tmp_path / "second.log"),
        ):
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            await _deliver(http, urls[0], *events[0], answered)
            assert answered[events[0][1]["id"]] == 200
            await slack.wait_for(lambda s: len(s.channel_messages("C0SALES")) == 1, timeout=10)

            half = len(events) // 2
            await _burst(http, urls, events[1:half], answered)
            await kill(first)
            await _burst(http, urls, events[half:], answered)  # what goes to the dead one goes unanswered

            # As Stripe and the help desk do, the senders redeliver whatever was not answered 200.
            unanswered = [item for item in events if answered.get(item[1]["id"]) != 200]
            await _burst(http, urls[1:], unanswered, answered)
            assert all(answered[event["id"]] == 200 for _, event in events), Counter(answered.values())
            await _settled(database_url, timeout=20)

    messages = slack.all_messages()
    outbox_ids = Counter((m.metadata or {}).get("event_payload", {}).get("outbox_id") for m in messages)
    assert not [i for i, n in outbox_ids.items() if n > 1], "a message was posted twice"
    cards, digested = sales_shown(slack)
    assert cards + digested == SALES
    sale_cards = [m for m in slack.channel_messages("C0SALES") if m.text.startswith("New sale")]
    card_emails = Counter(m.text.rsplit(" · ", 1)[-1] for m in sale_cards)
    assert all(n == 1 for n in card_emails.values()), card_emails
    ticket_cards = Counter(card_header(m) for m in slack.channel_messages("C0SUPPORT"))
    assert ticket_cards == Counter({f"🎫 Replica test {n}": 1 for n in range(TICKETS)})
    assert any(call.method == "conversations.history" for call in slack.calls), "the lost post was not looked for"


def _sale(n: int) -> dict[str, Any]:
    return stripe_event("charge.succeeded", stripe_charge(pi=f"pi_replica_{n}", email=f"r{n}@example.com"))


def _ticket(n: int) -> dict[str, Any]:
    return ticket_event(
        "ticket.created", ticket_id=f"R-{n}", message_id=f"R-{n}-1", body="Where is it?", subject=f"Replica test {n}"
    )


async def _burst(
    http: aiohttp.ClientSession, urls: list[str], events: list[tuple[str, dict[str, Any]]], answered: dict[str, int]
) -> None:
    """Every event at once, spread over the replicas in turn, as a load balancer would."""
    await asyncio.gather(
        *(_deliver(http, urls[i % len(urls)], provider, event, answered) for i, (provider, event) in enumerate(events))
    )


async def _deliver(
    http: aiohttp.ClientSession, url: str, provider: str, event: dict[str, Any], answered: dict[str, int]
) -> None:
    sign = stripe_signed if provider == "stripe" else tickets_signed
    body, headers = sign(event, timestamp=serve_process_now())
    try:
        async with http.post(f"{url}/webhooks/{provider}", data=body, headers=headers) as response:
            answered[event["id"]] = response.status
    except aiohttp.ClientError:
        answered[event["id"]] = 0  # no answer: refused, or cut off by the kill


async def _settled(database_url: str, timeout: float) -> None:  # noqa: ASYNC109
    """Every event applied and every message delivered, and each sale's payment shown one way only."""
    db = Database(database_url)
    try:
        for _ in range(int(timeout * 10)):
            async with db.transaction(read_only=True) as session:
                left = await session.scalar(
                    select(
                        select(func.count()).where(InboundEvent.status == InboundStatus.PENDING).scalar_subquery()
                        + select(func.count())
                        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
                        .scalar_subquery()
                    )
                )
                if left == 0:
                    shown_both_ways = await session.scalar(
                        select(func.count()).where(Payment.slack_ts.is_not(None), Payment.digest_id.is_not(None))
                    )
                    assert shown_both_ways == 0
                    assert await session.scalar(select(func.count()).select_from(Payment)) == SALES
                    return
            await asyncio.sleep(0.1)
        raise TimeoutError("the surviving replica did not deliver everything")
    finally:
        await db.dispose()
