"""Help Scout end to end: its signed webhooks become ticket cards and threads, and what people do in Slack lands
in Help Scout as them (the fake records what it received), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.helpscout import FakeHelpScout
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from bot.storage.db import Database
from bot.storage.models.actions import AuditRecord
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.tickets import Ticket
from tests.harness import BotUnderTest, audit_trail, bot_settings, button_value, has_button, running_bot, shown, thread
from tests.harness import unpaced as _unpaced

CONVERSATION = 2391938111
SAMPLE_TIME = datetime(2026, 11, 24, 9, 12, 4, tzinfo=UTC)  # when the sample conversation was created
AGENT, OWNER = "U0AGENT", "U0OWNER"


def desk_settings(database_url: str, slack: FakeSlack, desk: FakeHelpScout, **extra: Any) -> Any:
    return bot_settings(
        database_url,
        slack,
        helpscout_webhook_secret=desk.webhook_secret,
        helpscout_app_id=desk.app_id,
        helpscout_app_secret=desk.app_secret,
        helpscout_api_base=desk.base_url,
        provider_timeout_seconds=2.0,
        **extra,
    )


async def deliver(bot: BotUnderTest, desk: FakeHelpScout, event: str) -> tuple[int, dict[str, Any]]:
    return await bot.post("/webhooks/helpscout", *desk.webhook(CONVERSATION, event))


async def ticket_row(database_url: str) -> Ticket:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return (await session.scalars(select(Ticket).where(Ticket.external_id == "HS-349"))).one()
    finally:
        await db.dispose()


def card_of(slack: FakeSlack) -> Any:
    [card] = [m for m in slack.channel_messages("C0SUPPORT") if "Ticket HS-349" in shown(m)]
    return card


async def opened(bot: BotUnderTest, slack: FakeSlack, desk: FakeHelpScout) -> Any:
    status, answer = await deliver(bot, desk, "convo.created")
    assert status == 200, answer
    await bot.settle()
    return card_of(slack)


# -- in from Help Scout ---------------------------------------------------------------------------------------------


async def test_a_conversation_and_its_replies_become_a_card_and_its_thread(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    ana = helpscout.add_user("ana@shop.example", "Ana", "Lima")
    clock = FakeClock(SAMPLE_TIME + timedelta(minutes=20))  # the sample's customer has waited 20 minutes
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced(), clock=clock) as bot:
        card = await opened(bot, slack, helpscout)
        assert "Download link says expired" in shown(card) and "carla@example.jp" in shown(card)
        assert "Could you send a new one? Order #1042." in shown(card)
        assert (await ticket_row(database_url)).respond_by is not None  # the customer waits for an answer

        helpscout.customer_writes(CONVERSATION, "<p>Hello? This is my <b>2nd</b> email &amp; still nothing.</p>")
        assert (await deliver(bot, helpscout, "convo.customer.reply.created"))[0] == 200
        await bot.settle()
        helpscout.agent_replies(CONVERSATION, ana, "<p>Sorry Carla, a new link is on its way.</p>")
        assert (await deliver(bot, helpscout, "convo.agent.reply.created"))[0] == 200
        await bot.settle()

    replies = thread(slack, card)
    assert any("This is my 2nd email & still nothing." in r or "2nd email &amp; still" in r for r in replies)
    assert any("a new link is on its way" in r for r in replies), replies
    assert len(slack.channel_messages("C0SUPPORT")) == 1  # one card, the rest in its thread
    # The agent's reply in Help Scout stops the waiting timer, as a reply from Slack does.
    assert (await ticket_row(database_url)).respond_by is None


async def test_assignment_and_status_changes_in_help_scout_show_on_the_card(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    bob = helpscout.add_user("bob@shop.example", "Bob", "Stone")
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced()) as bot:
        card = await opened(bot, slack, helpscout)
        helpscout.assign(CONVERSATION, bob)
        await deliver(bot, helpscout, "convo.assigned")
        await bot.settle()
        await slack.wait_for(lambda s: "Bob Stone has it in Help Scout" in shown(card))
        helpscout.set_status(CONVERSATION, "closed")
        await deliver(bot, helpscout, "convo.status")
        await bot.settle()
        await slack.wait_for(lambda s: "*closed*" in shown(card))

    replies = thread(slack, card)
    assert any("assigned to Bob Stone in Help Scout" in r for r in replies), replies
    assert any("closed in Help Scout" in r for r in replies), replies
    assert not has_button(card, ActionId.REPLY)
    assert (await ticket_row(database_url)).status == "closed"


async def test_deliveries_repeated_late_or_unknown_change_nothing_twice(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    bob = helpscout.add_user("bob@shop.example", "Bob")
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced()) as bot:
        first = helpscout.webhook(CONVERSATION, "convo.created")
        helpscout.assign(CONVERSATION, bob)
        stale_assignment = helpscout.webhook(CONVERSATION, "convo.assigned")
        helpscout.assign(CONVERSATION, None)
        helpscout.set_status(CONVERSATION, "closed")
        newest = helpscout.webhook(CONVERSATION, "convo.status")
        # Newest first; then the creation again (a retry) and an assignment Help Scout made before the close.
        for raw, headers in (newest, first, first, stale_assignment):
            status, answer = await bot.post("/webhooks/helpscout", raw, headers)
            assert status == 200, answer
        status, _ = await deliver(bot, helpscout, "convo.tags")  # not one we act on: kept, acknowledged
        assert status == 200
        await bot.settle()

    [card] = slack.channel_messages("C0SUPPORT")
    assert "*closed*" in shown(card) and "has it" not in shown(card)
    assert (await ticket_row(database_url)).source_assignee is None
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            rows = list(await session.scalars(select(InboundEvent).where(InboundEvent.provider == "helpscout")))
    finally:
        await db.dispose()
    assert len(rows) == 4  # the repeated delivery was stored once
    assert {r.status for r in rows if r.event_type == "convo.tags"} == {"ignored"}


async def test_unsigned_badly_signed_and_unconfigured_deliveries_are_refused(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    raw, headers = helpscout.webhook(CONVERSATION, "convo.created")
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced()) as bot:
        forged = headers | {"X-HelpScout-Signature": "bm90IHRoZSBzaWduYXR1cmU="}
        assert (await bot.post("/webhooks/helpscout", raw, forged))[0] == 401
        unsigned = {k: v for k, v in headers.items() if k != "X-HelpScout-Signature"}
        assert (await bot.post("/webhooks/helpscout", raw, unsigned))[0] == 401
        tampered = raw.replace(b"Order #1042", b"Order #9999")
        assert (await bot.post("/webhooks/helpscout", tampered, headers))[0] == 401
        nameless = {k: v for k, v in headers.items() if k != "X-HelpScout-Event"}
        status, answer = await bot.post("/webhooks/helpscout", raw, nameless)
        assert status == 400 and "X-HelpScout-Event" in answer["error"]
        await bot.settle()
    assert slack.channel_messages("C0SUPPORT") == []
    async with running_bot(bot_settings(database_url, slack), pacer=_unpaced()) as bot:
        assert (await bot.post("/webhooks/helpscout", raw, headers))[0] == 503  # Help Scout retries meanwhile


# -- out to Help Scout ----------------------------------------------------------------------------------------------


async def test_taking_over_assigns_the_conversation_to_the_same_person_in_help_scout(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    ana = helpscout.add_user("ana@shop.example", "Ana", "Lima")
    slack.emails[AGENT] = "Ana@Shop.example"
    helpscout.fail_next("/v2/conversations", times=1, status=429, retry_after=1, method="PATCH")
    helpscout.fail_next("/v2/users", times=1, status=502)
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced(), backoff_base=0.1) as bot:
        card = await opened(bot, slack, helpscout)
        await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT)
        await slack.wait_for(lambda s: f"<@{AGENT}> has it" in shown(card))
        await bot.settle(timeout=15)
        # Help Scout's own webhook for that assignment is known as ours: nothing new to say.
        await deliver(bot, helpscout, "convo.assigned")
        await bot.settle()

    assert helpscout.conversations[CONVERSATION]["assignee"]["id"] == ana
    assert len([c for c in helpscout.calls_to("PATCH", f"/v2/conversations/{CONVERSATION}") if c.json]) == 2
    [took] = thread(slack, card)
    assert f"<@{AGENT}> took the ticket over; assigned in Help Scout" in took
    assert f"<@{AGENT}> has it" in shown(card)
    trail = await audit_trail(database_url)
    assert trail == [("take-over", "attempted", AGENT), ("take-over", "succeeded", AGENT)]


async def test_someone_help_scout_does_not_know_is_told_so_and_nobody_is_assigned(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    helpscout.add_user("ana@shop.example", "Ana")
    slack.emails[AGENT] = "temp.contractor@gmail.example"
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced()) as bot:
        card = await opened(bot, slack, helpscout)
        await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT)
        await bot.settle()
        await slack.wait_for(lambda s: len(thread(s, card)) == 1)

    [failed] = thread(slack, card)
    assert "no Help Scout user has the email temp.contractor@gmail.example" in failed
    assert "assignee" not in helpscout.conversations[CONVERSATION]
    assert helpscout.calls_to("PATCH", f"/v2/conversations/{CONVERSATION}") == []
    assert await audit_trail(database_url) == [("take-over", "attempted", AGENT), ("take-over", "failed", AGENT)]


async def test_a_reply_from_slack_is_posted_as_the_agent_once_and_shown_once(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    ana = helpscout.add_user("ana@shop.example", "Ana", "Lima")
    slack.emails[OWNER] = "ana@shop.example"
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced()) as bot:
        card = await opened(bot, slack, helpscout)
        helpscout.expire_tokens()  # a token from before has run out: the client signs in again
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "in Help Scout, as you" in view_text(modal)
        await bot.submit(
            modal, user=OWNER, body="Hi Carla,\nhere is a fresh link <https://shop.example/dl>", close=["yes"]
        )
        await bot.settle()
        # Help Scout tells of the reply it just made: the thread shows it once.
        await deliver(bot, helpscout, "convo.agent.reply.created")
        await deliver(bot, helpscout, "convo.status")
        await bot.settle()

    [reply] = helpscout.threads(CONVERSATION, "reply")
    assert reply["createdBy"]["id"] == ana
    assert reply["body"] == "Hi Carla,<br>here is a fresh link &lt;https://shop.example/dl&gt;"
    assert helpscout.conversations[CONVERSATION]["status"] == "closed"
    [post] = helpscout.calls_to("POST", f"/v2/conversations/{CONVERSATION}/reply")
    assert post.json["customer"] == {"id": 500123} and post.json["user"] == ana
    replies = thread(slack, card)
    assert len([r for r in replies if "here is a fresh link" in r]) == 1, replies
    assert any("replied in Help Scout and closed the ticket" in r for r in replies), replies
    assert "*closed*" in shown(card)
    trail = await audit_trail(database_url)
    assert trail == [("reply", "attempted", OWNER), ("reply", "succeeded", OWNER)]
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            [done] = await session.scalars(select(AuditRecord).where(AuditRecord.outcome == "succeeded"))
            assert done.provider_reference == str(reply["id"])  # Help Scout's thread id, in the audit trail
    finally:
        await db.dispose()


async def test_a_note_from_slack_is_an_internal_note_in_help_scout_by_the_same_person(
    database_url, slack: FakeSlack, helpscout: FakeHelpScout
):
    ana = helpscout.add_user("ana@shop.example", "Ana", "Lima")
    slack.emails[AGENT] = "ana@shop.example"
    async with running_bot(desk_settings(database_url, slack, helpscout), pacer=_unpaced()) as bot:
        card = await opened(bot, slack, helpscout)
        assert has_button(card, ActionId.NOTE)
        await bot.click(slack, ActionId.NOTE, button_value(card, ActionId.NOTE), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "internal note" in view_text(modal) and "in Help Scout, as you" in view_text(modal)
        _, empty = await bot.submit(modal, user=AGENT, body="  ")
        assert "body" in empty["errors"]
        await bot.submit(modal, user=AGENT, body="Refunded once already in March; check before refunding.")
        await bot.settle()

    [note] = helpscout.threads(CONVERSATION, "note")
    assert note["createdBy"]["id"] == ana and "Refunded once already in March" in note["body"]
    assert helpscout.threads(CONVERSATION, "reply") == []  # nothing went to the customer
    assert any(f"<@{AGENT}> added a note in Help Scout" in r for r in thread(slack, card))
    assert await audit_trail(database_url) == [("note", "attempted", AGENT), ("note", "succeeded", AGENT)]
