"""The App Home tab end to end: Slack's signed app_home_opened in, the view the fake Slack received out."""

from __future__ import annotations

import json
import struct
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import signed
from bot.storage.models.customers import Customer
from bot.storage.models.oncall import Alert
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.builders import stripe_charge, stripe_dispute, stripe_event, ticket_event
from tests.harness import (
    BotUnderTest,
    bot_settings,
    button_value,
    on_call_settings,
    open_ticket,
    running_bot,
    unpaced,
)

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"


async def open_home(bot: BotUnderTest, slack: FakeSlack, user: str, *, tab: str = "home") -> dict[str, Any] | None:
    """Open the tab as Slack tells the app (a signed Events API callback); the view published for it, if any."""
    before = len(slack.homes.get(user, []))
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event": {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab},
        }
    )
    status, _ = await bot.post(
        "/slack/events", body.encode(), signed(body, timestamp=bot.now()) | {"Content-Type": "application/json"}
    )
    assert status == 200
    if tab != "home":
        return None
    await slack.wait_for(lambda s: len(s.homes.get(user, [])) > before, timeout=15)
    # A pass the bot started on its own may have drawn the tab a moment before, while something it shows was still
    # on its way to Slack (the delivery section would say so): let that arrive, then draw the truth now.
    await bot.settle()
    await bot.runtime.home.publish(user)
    return slack.home_of(user)


def text_of(view: dict[str, Any] | None) -> str:
    return json.dumps(view, ensure_ascii=False)


async def test_an_owner_sees_their_tickets_the_team_and_the_shop(database_url, slack: FakeSlack) -> None:
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-1", subject="Licence <!channel> & key")
        assert await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=OWNER) == 200
        await bot.settle()
        assert (await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_home", created=bot.now()))))[
            0
        ] == 200
        dispute = stripe_dispute(dispute_id="dp_home", pi="pi_home", created=bot.now(), due_by=bot.now() + 86400)
        assert (await bot.stripe(stripe_event("charge.dispute.created", dispute, created=bot.now())))[0] == 200
        await bot.settle()

        view = text_of(await open_home(bot, slack, OWNER))

    assert "Your support desk" in view and "you are an owner" in view
    # Mine: the ticket taken over, its customer text escaped, and how long the customer has waited.
    assert "Ticket T-1" in view and "Licence &lt;!channel&gt; &amp; key" in view and "<!channel>" not in view
    assert "ann@example.com" in view and "first-response target" in view
    # On call: who now and next (rendered by Slack in each reader's own timezone).
    assert f"Now: <@{AGENT}>" in view and "next: <@U0SECOND>" in view
    # Disputes by deadline, today's figures, and the owners' own sections.
    assert "Stripe dispute · $49.00" in view and "🔴 evidence due" in view and "evidence none yet" in view
    assert "Sales: *1* · $49.00" in view and "New tickets: *1*" in view
    assert "Delivery to Slack" in view and "All caught up" in view
    assert "Consider parting ways" in view


async def test_an_agent_sees_the_work_but_not_the_owners_sections(database_url, slack: FakeSlack) -> None:
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        await open_ticket(bot, slack, "T-2")
        view = text_of(await open_home(bot, slack, AGENT))
    assert "you are an agent" in view
    assert "Nothing taken over" in view  # a friendly empty state
    assert "No open disputes." in view and "No on-call rotation is set" in view
    assert "Delivery to Slack" not in view and "Consider parting ways" not in view


async def test_a_stranger_sees_an_explanation_and_no_customer_data(database_url, slack: FakeSlack) -> None:
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        await open_ticket(bot, slack, "T-3")
        view = text_of(await open_home(bot, slack, STRANGER))
    assert "not on the team's list" in view and "SUPPORTBOT_AGENTS" in view
    assert "ann@example.com" not in view and "T-3" not in view


async def test_the_messages_tab_is_not_ours_to_draw(database_url, slack: FakeSlack) -> None:
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        await open_home(bot, slack, OWNER, tab="messages")
        await bot.settle()
    assert OWNER not in slack.homes


async def test_the_home_tab_follows_the_shop_and_is_published_only_when_it_changes(
    database_url, slack: FakeSlack
) -> None:
    # An agent's tab: an owner's also waits on the chart, drawn on its own (the chart test covers that).
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        first = text_of(await open_home(bot, slack, AGENT))
        assert "Sales: *0*" in first
        sale = stripe_charge(pi="pi_later", created=bot.now())
        assert (await bot.stripe(stripe_event("charge.succeeded", sale, created=bot.now())))[0] == 200
        await bot.settle()
        await slack.wait_for(lambda s: "Sales: *1*" in text_of(s.home_of(AGENT)))
        await bot.runtime.home.publish_all()  # the sale's card is posted by now, whenever the last pass ran
        published = len(slack.homes[AGENT])
        # Nothing changed since: another pass publishes nothing (Slack is not called for the same view).
        assert await bot.runtime.home.publish_all() == 0
        assert len(slack.homes[AGENT]) == published


async def test_a_home_tab_of_500_open_tickets_stays_within_slacks_limits(database_url, slack: FakeSlack) -> None:
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        # Stored directly: this is about the view's size, not about taking 500 tickets in (other tests do that).
        now = bot.runtime.clock.now()
        async with bot.runtime.db.transaction() as session:
            customer = Customer(email="many@example.com", name="M" * 200, created_at=now)
            session.add(customer)
            await session.flush()
            for n in range(500):
                ticket = Ticket(
                    external_id=f"T-{n:03d}-" + "k" * 200,
                    subject="<!here> " + "x" * 480,
                    customer_id=customer.id,
                    opened_at=now - timedelta(hours=5),
                    assignee_id=OWNER,
                )
                session.add(ticket)
                await session.flush()
                session.add(
                    TicketMessage(
                        ticket_id=ticket.id,
                        external_id="M-1",
                        sender="customer",
                        body="Still nothing " * 40,
                        sent_at=now - timedelta(hours=5),
                    )
                )
        # The fake Slack refuses a view over 100 blocks or 250 KB, as Slack does: a published view is within them.
        view = await open_home(bot, slack, OWNER)
    assert view is not None and len(view["blocks"]) <= 100
    assert len(json.dumps(view).encode()) <= 250_000
    assert "…and 492 more of your tickets" in text_of(view) and "…and 492 more waiting" in text_of(view)
    assert "<!here>" not in text_of(view)


async def test_acknowledge_on_the_home_tab_works_as_on_the_alert(database_url, slack: FakeSlack) -> None:
    night = FakeClock(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))  # 02:00 in Berlin: a new dispute pages
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=night) as bot:
        dispute = stripe_dispute(dispute_id="dp_ack", pi="pi_ack", created=bot.now())
        assert (await bot.stripe(stripe_event("charge.dispute.created", dispute, created=bot.now())))[0] == 200
        await bot.settle()
        async with bot.runtime.db.transaction() as session:
            [alert] = list(await session.scalars(select(Alert)))
        view = await open_home(bot, slack, AGENT)
        assert "⚖️ Dispute opened" in text_of(view)
        assert button_value_in(view, ActionId.ACKNOWLEDGE) == str(alert.id)
        assert await bot.click(slack, ActionId.ACKNOWLEDGE, str(alert.id), user=AGENT) == 200
        await bot.settle()
        await slack.wait_for(lambda s: "No open alerts." in text_of(s.home_of(AGENT)), timeout=10)


def button_value_in(view: dict[str, Any] | None, action_id: str) -> str:
    for block in (view or {}).get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise LookupError(action_id)


async def test_a_customer_is_named_once_across_sections(database_url, slack: FakeSlack) -> None:
    # A guard against drawing the same open ticket twice in one section when it has many messages.
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-9")
        for n in range(2, 5):
            event = ticket_event("ticket.message", ticket_id="T-9", message_id=f"T-9-M{n}", body=f"Hello? ({n})")
            assert (await bot.tickets(event))[0] == 200
        assert await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=OWNER) == 200
        await bot.settle()
        async with bot.runtime.db.transaction() as session:
            assert await session.scalar(select(Customer.email)) == "ann@example.com"
        view = text_of(await open_home(bot, slack, OWNER))
    assert view.count("Ticket T-9") == 2  # once under Mine, once under Waiting (4th message, no reply yet)


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", content[16:24])


async def test_owners_see_the_month_as_a_chart_uploaded_at_most_hourly(database_url, slack: FakeSlack) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        for day, amount in ((20, 4900), (3, 12900)):
            sale = stripe_charge(pi=f"pi_m{day}", amount=amount, created=bot.now() - day * 86400)
            assert (await bot.stripe(stripe_event("charge.succeeded", sale, created=bot.now())))[0] == 200
        await bot.settle()

        await open_home(bot, slack, OWNER)
        # Drawn in the background, so the tab never waits for it; the tab is published again once it is up.
        await slack.wait_for(lambda s: has_image(s.home_of(OWNER)), timeout=30)
        [file_id] = slack.files
        assert image_block(slack.home_of(OWNER))["slack_file"] == {"id": file_id}
        chart = slack.files[file_id]
        assert chart["complete"] and "Last 30 days" in chart["title"] and "USD" in chart["title"]
        assert png_size(chart["content"]) == (800, 360)  # wide enough to read at Slack's thumbnail width

        # Within the hour, or with the same figures later, the same chart is shown: nothing is uploaded again.
        await open_home(bot, slack, OWNER)
        assert await bot.runtime.home.chart.refresh(clock.now()) is False  # drawn this hour
        clock.advance(2 * 3600)
        assert await bot.runtime.home.chart.refresh(clock.now()) is False  # the same figures
        assert list(slack.files) == [file_id]
        # New figures an hour on: one new chart.
        sale = stripe_charge(pi="pi_today", amount=2500, created=bot.now())
        assert (await bot.stripe(stripe_event("charge.succeeded", sale, created=bot.now())))[0] == 200
        await bot.settle()
        # The sale wakes the publisher, whose pass redraws the chart: the figures changed.
        await slack.wait_for(lambda s: len(s.files) == 2 and all(f["complete"] for f in s.files.values()), timeout=30)
        newest = list(slack.files)[-1]
        await slack.wait_for(lambda s: image_block(s.home_of(OWNER))["slack_file"]["id"] == newest)
        agents_view = await open_home(bot, slack, AGENT)
    assert '"image"' not in text_of(agents_view)


def has_image(view: dict[str, Any] | None) -> bool:
    return any(block["type"] == "image" for block in (view or {}).get("blocks", []))


def image_block(view: dict[str, Any] | None) -> dict[str, Any]:
    [image] = [block for block in (view or {}).get("blocks", []) if block["type"] == "image"]
    return image
