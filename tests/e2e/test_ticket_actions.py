"""Tickets from Slack: taking one over and replying, told to the help desk or sent by email, and who may do what."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.slack_ids import ActionId, Command
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from bot.fakes.smtp import FakeSmtp
from bot.fakes.stripe import FakeStripe
from bot.integrations.tickets_webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.storage.db import Database
from bot.storage.models.tickets import Ticket
from tests.builders import TICKETS_SECRET, stripe_charge, stripe_event
from tests.harness import (
    SMTP_FROM,
    audit_trail,
    bot_settings,
    button_value,
    has_button,
    open_ticket,
    provider_settings,
    running_bot,
    shown,
    thread,
    unpaced,
)

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"


async def ticket_row(database_url: str, external_id: str) -> Ticket:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return (await session.scalars(select(Ticket).where(Ticket.external_id == external_id))).one()
    finally:
        await db.dispose()


# -- taking over ---------------------------------------------------------------------------------------------------


async def test_taking_over_a_ticket_tells_the_card_the_thread_and_the_help_desk(
    database_url, slack: FakeSlack, helpdesk: FakeHelpDesk
):
    settings = bot_settings(database_url, slack, **provider_settings(helpdesk=helpdesk))
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-100", callback_url=helpdesk.callback_url)
        assert "has it" not in shown(card)
        assert await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT) == 200
        await slack.wait_for(lambda s: f"<@{AGENT}> has it" in shown(card))
        await bot.settle()
        assert f"<@{AGENT}> has it" in shown(card)
        [took] = thread(slack, card)
        assert f"<@{AGENT}> took the ticket over; the help desk knows" in took and "from <@" not in took

        # The owner takes it from the agent with the command: the agent is mentioned, so they hear of it.
        assert await bot.slash(slack, Command.TAKEOVER, "T-100", user=OWNER) == 200
        await slack.wait_for(lambda s: "cmd" in s.responses)
        await bot.settle()
        assert f"<@{OWNER}> has it" in shown(card) and f"<@{AGENT}> has it" not in shown(card)
        _, taken = thread(slack, card)
        assert f"<@{OWNER}> took the ticket over from <@{AGENT}>; the help desk knows" in taken
        # Told at once; the outcome follows at the same response_url, in whichever order they arrive.
        assert "You have taken over ticket T-100." in [r["text"] for r in slack.responses["cmd"]]

        # Taking over a ticket one already has changes nothing and says so.
        await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=OWNER, reply_to="again")
        await bot.slash(slack, Command.TAKEOVER, "#T-100", user=OWNER, reply_to="again-cmd")
        await slack.wait_for(lambda s: {"again", "again-cmd"} <= set(s.responses))
        await bot.settle()

    for name in ("again", "again-cmd"):
        [answer] = slack.responses[name]
        assert "already" in answer["text"] and answer["response_type"] == "ephemeral"
    assert len(thread(slack, card)) == 2
    assigned = [(u.type, u.ticket_id, u.agent["slack_user_id"]) for u in helpdesk.updates]
    assert assigned == [("ticket.assigned", "T-100", AGENT), ("ticket.assigned", "T-100", OWNER)]
    assert len(helpdesk.requests) == 2 and helpdesk.replays == 0
    # Verified by the fake with the tickets secret; checked here too, to be sure of what was signed.
    for request in helpdesk.requests:
        timestamp = int(request.headers[TIMESTAMP_HEADER])
        assert request.headers[SIGNATURE_HEADER] == sign(TICKETS_SECRET, timestamp, request.raw)
    assert (await ticket_row(database_url, "T-100")).assignee_id == OWNER
    trail = await audit_trail(database_url)
    assert trail == [
        ("take-over", "attempted", AGENT),
        ("take-over", "succeeded", AGENT),
        ("take-over", "attempted", OWNER),
        ("take-over", "succeeded", OWNER),
    ]


async def test_a_help_desk_that_fails_a_few_times_gets_the_take_over_once(
    database_url, slack: FakeSlack, helpdesk: FakeHelpDesk
):
    helpdesk.fail_next(times=3, status=503)
    settings = bot_settings(database_url, slack, **provider_settings(helpdesk=helpdesk))
    async with running_bot(settings, pacer=unpaced(), backoff_base=0.1) as bot:
        card = await open_ticket(bot, slack, "T-200", callback_url=helpdesk.callback_url)
        await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT)
        # The card shows who has the ticket at once, while the help desk is still being told.
        await slack.wait_for(lambda s: f"<@{AGENT}> has it" in shown(card), timeout=2)
        assert not helpdesk.updates
        await bot.settle(timeout=15)

    [update] = helpdesk.updates
    assert (update.type, update.agent["slack_user_id"]) == ("ticket.assigned", AGENT)
    assert len(helpdesk.requests) == 4
    assert len({r.headers["Idempotency-Key"] for r in helpdesk.requests}) == 1
    [took] = thread(slack, card)
    assert f"<@{AGENT}> took the ticket over" in took
    assert await audit_trail(database_url) == [("take-over", "attempted", AGENT), ("take-over", "succeeded", AGENT)]


# -- replying ------------------------------------------------------------------------------------------------------


async def test_a_reply_to_a_help_desk_ticket_goes_to_the_help_desk_and_into_the_thread(
    database_url, slack: FakeSlack, helpdesk: FakeHelpDesk
):
    settings = bot_settings(database_url, slack, **provider_settings(helpdesk=helpdesk))
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-300", callback_url=helpdesk.callback_url)
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "through the help desk" in view_text(modal) and "Download link" in view_text(modal)
        _, empty = await bot.submit(modal, user=AGENT, body="   ")
        assert "body" in empty["errors"]
        status, answer = await bot.submit(modal, user=AGENT, body="Here is a fresh link: https://shop.example/dl")
        assert status == 200 and "errors" not in answer
        await bot.settle()

    [update] = helpdesk.updates
    assert (update.type, update.ticket_id, update.agent["slack_user_id"]) == ("ticket.reply", "T-300", AGENT)
    assert update.body == "Here is a fresh link: https://shop.example/dl"
    replies = thread(slack, card)
    assert any("replied" in r and "Here is a fresh link" in r for r in replies), replies  # the agent's message
    assert any(f"<@{AGENT}> replied through the help desk" in r for r in replies), replies
    assert has_button(card, ActionId.REPLY) and "closed" not in shown(card)
    assert await audit_trail(database_url) == [("reply", "attempted", AGENT), ("reply", "succeeded", AGENT)]


async def test_a_reply_that_closes_the_ticket_closes_it_at_the_help_desk_and_on_the_card(
    database_url, slack: FakeSlack, helpdesk: FakeHelpDesk
):
    settings = bot_settings(database_url, slack, **provider_settings(helpdesk=helpdesk))
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-310", callback_url=helpdesk.callback_url)
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        await bot.submit(modal, user=OWNER, body="Sorted, closing this.", close=["yes"])
        await bot.settle()

    assert [u.type for u in helpdesk.updates] == ["ticket.reply", "ticket.closed"]
    assert helpdesk.closed_tickets == {"T-310"}
    assert "*closed*" in shown(card)
    assert not has_button(card, ActionId.TAKE_OVER) and not has_button(card, ActionId.REPLY)
    assert any("closed the ticket" in r for r in thread(slack, card))
    assert (await ticket_row(database_url, "T-310")).status == "closed"


async def test_a_reply_to_an_email_only_ticket_is_sent_by_smtp(database_url, slack: FakeSlack, smtp: FakeSmtp):
    settings = bot_settings(database_url, slack, **provider_settings(smtp=smtp))
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-400", subject="Invoice needed")
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "by email to ann@example.com" in view_text(modal)
        await bot.submit(modal, user=AGENT, body="Your invoice is attached to your account page.")
        await bot.settle()

    [mail] = smtp.messages
    assert mail.message["Subject"] == "Re: Invoice needed"
    assert mail.rcpt_tos == ["ann@example.com"] and "ann@example.com" in mail.message["To"]
    assert SMTP_FROM in mail.message["From"] and mail.login == "supportbot"
    assert "Your invoice is attached" in mail.message.get_content()
    replies = thread(slack, card)
    assert any("Your invoice is attached" in r for r in replies), replies
    assert any(f"<@{AGENT}> replied by email" in r for r in replies), replies


async def test_without_smtp_or_a_callback_no_reply_is_offered_and_asking_anyway_is_explained(
    database_url, slack: FakeSlack
):
    settings = bot_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-500")
        assert has_button(card, ActionId.TAKE_OVER) and not has_button(card, ActionId.REPLY)
        # A Reply button from an older card, or a forged click, is answered with what is missing.
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.TAKE_OVER), user=AGENT)
        await slack.wait_for(lambda s: "click" in s.responses)
        # An email-only ticket taken over: nobody else to tell.
        await bot.click(slack, ActionId.TAKE_OVER, button_value(card, ActionId.TAKE_OVER), user=AGENT, reply_to="t")
        await slack.wait_for(lambda s: f"<@{AGENT}> has it" in shown(card))
        await bot.settle()

    [answer] = slack.responses["click"]
    assert "SMTP is not configured" in answer["text"] and "SUPPORTBOT_SMTP_HOST" in answer["text"]
    assert not slack.views
    assert f"<@{AGENT}> has it" in shown(card)
    [took] = thread(slack, card)
    assert f"<@{AGENT}> took the ticket over" in took


# -- who may do what -----------------------------------------------------------------------------------------------


async def test_an_agent_may_take_over_and_reply_but_nothing_that_costs_the_shop(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, keygen, mailchimp, helpdesk: FakeHelpDesk
):
    stripe_api.add_payment_intent("pi_perm0001", 4900, "usd")
    keygen.add_licence("PERM-KEY-0001", "ann@example.com", "Pro")
    mailchimp.subscribe("ann@example.com")
    providers = provider_settings(stripe=stripe_api, keygen=keygen, mailchimp=mailchimp, helpdesk=helpdesk)
    settings = bot_settings(database_url, slack, **providers)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_perm0001")))
        card = await open_ticket(bot, slack, "T-600", callback_url=helpdesk.callback_url)
        value = button_value(card, ActionId.TAKE_OVER)
        for action_id in (ActionId.REFUND, ActionId.REVOKE, ActionId.UNSUBSCRIBE, ActionId.PART_WAYS):
            assert has_button(card, action_id)
            await bot.click(slack, action_id, value, user=AGENT, reply_to=f"agent-{action_id}")
        for command, text in (
            (Command.REFUND, "pi_perm0001"),
            (Command.REVOKE, "ann@example.com"),
            (Command.UNSUBSCRIBE, "ann@example.com"),
            (Command.PARTWAYS, "T-600"),
        ):
            await bot.slash(slack, command, text, user=AGENT, reply_to=f"agent-{command[1:]}")
        refused = {f"agent-{a}" for a in (ActionId.REFUND, ActionId.REVOKE, ActionId.UNSUBSCRIBE, ActionId.PART_WAYS)}
        refused |= {f"agent-{c[1:]}" for c in (Command.REFUND, Command.REVOKE, Command.UNSUBSCRIBE, Command.PARTWAYS)}
        await slack.wait_for(lambda s: refused <= set(s.responses), timeout=2)
        assert not slack.views

        await bot.click(slack, ActionId.TAKE_OVER, value, user=AGENT)
        await slack.wait_for(lambda s: f"<@{AGENT}> has it" in shown(card))
        await bot.click(slack, ActionId.REPLY, value, user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        await bot.submit(modal, user=AGENT, body="On it.")
        await bot.settle()

    for name in refused:
        [answer] = slack.responses[name]
        assert "is for the shop's owners" in answer["text"] and answer["response_type"] == "ephemeral", name
    assert not stripe_api.refunds and keygen.status_of("PERM-KEY-0001") == "active"
    assert mailchimp.status_of("ann@example.com") == "subscribed"
    assert [u.type for u in helpdesk.updates] == ["ticket.assigned", "ticket.reply"]
    trail = await audit_trail(database_url)
    refusals = [action for action, outcome, actor in trail if outcome == "refused" and actor == AGENT]
    assert sorted(refusals) == sorted(["refund", "revoke-licence", "unsubscribe", "part-ways"] * 2)
    assert ("take-over", "succeeded", AGENT) in trail and ("reply", "succeeded", AGENT) in trail


async def test_a_stranger_may_do_nothing_and_every_refusal_is_audited(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, keygen, mailchimp, helpdesk: FakeHelpDesk
):
    stripe_api.add_payment_intent("pi_strange01", 4900, "usd")
    providers = provider_settings(stripe=stripe_api, keygen=keygen, mailchimp=mailchimp, helpdesk=helpdesk)
    settings = bot_settings(database_url, slack, **providers)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_strange01")))
        card = await open_ticket(bot, slack, "T-700", callback_url=helpdesk.callback_url)
        value = button_value(card, ActionId.TAKE_OVER)
        buttons = (
            ActionId.TAKE_OVER,
            ActionId.REPLY,
            ActionId.REFUND,
            ActionId.REVOKE,
            ActionId.UNSUBSCRIBE,
            ActionId.PART_WAYS,
            ActionId.RETRY_STEPS,
        )
        for action_id in buttons:
            await bot.click(slack, action_id, value, user=STRANGER, reply_to=f"click-{action_id}")
        commands = (
            (Command.TAKEOVER, "T-700"),
            (Command.REFUND, "pi_strange01"),
            (Command.REVOKE, "ann@example.com"),
            (Command.UNSUBSCRIBE, "ann@example.com"),
            (Command.PARTWAYS, "ann@example.com"),
            (Command.CUSTOMER, "ann@example.com"),
            (Command.AUDIT, ""),
        )
        for command, text in commands:
            await bot.slash(slack, command, text, user=STRANGER, reply_to=f"cmd-{command[1:]}")
        expected = {f"click-{a}" for a in buttons} | {f"cmd-{c[1:]}" for c, _ in commands}
        await slack.wait_for(lambda s: expected <= set(s.responses))
        await bot.settle()

    for name in expected:
        [answer] = slack.responses[name]
        assert "is for the support team" in answer["text"], (name, answer)
        assert answer["response_type"] == "ephemeral"
    assert not slack.views and not stripe_api.refunds and not helpdesk.requests
    assert "has it" not in shown(card) and not thread(slack, card)
    trail = await audit_trail(database_url)
    assert all(outcome == "refused" and actor == STRANGER for _, outcome, actor in trail), trail
    assert sorted(action for action, _, _ in trail) == sorted(
        [
            "take-over",
            "reply",
            "refund",
            "revoke-licence",
            "unsubscribe",
            "part-ways",
            "part-ways",  # the retry button
            "take-over",
            "refund",
            "revoke-licence",
            "unsubscribe",
            "part-ways",
            "look-up",
            "view-audit",
        ]
    )


async def test_a_ticket_passed_back_and_forth_goes_to_whoever_takes_it_last(database_url, slack: FakeSlack):
    settings = bot_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-800")
        for turn, user in enumerate((AGENT, OWNER, AGENT, OWNER), start=1):
            await bot.slash(slack, Command.TAKEOVER, "T-800", user=user, reply_to=f"turn{turn}")
            await slack.wait_for(lambda s: f"turn{turn}" in s.responses)  # noqa: B023 - awaited within the turn
            await bot.settle()
            assert f"<@{user}> has it" in shown(card), turn

    for turn in range(1, 5):
        assert "You have taken over ticket T-800." in [r["text"] for r in slack.responses[f"turn{turn}"]]
    assert (await ticket_row(database_url, "T-800")).assignee_id == OWNER
    assert len(thread(slack, card)) == 4
