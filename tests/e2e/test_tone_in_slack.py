"""Tone in Slack, end to end: a customer's messages turning abusive, threats, corrections, hiding and risk."""

from __future__ import annotations

from typing import Any

from bot.core.slack_ids import ActionId, Command, Shortcut, ViewId
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from tests.builders import ticket_event
from tests.harness import (
    BotUnderTest,
    audit_trail,
    bot_settings,
    button_value,
    has_button,
    provider_settings,
    running_bot,
    shown,
    unpaced,
)

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"
CALM = "Hi, I bought the course yesterday but the download link gives a 404. Could you send a new one?"
FRUSTRATED = "This is the third time I'm writing. I paid and still have nothing. Please fix this today."
ABUSIVE = "You are a bunch of idiots and your programmer is a liar. Refund me now."
ABUSIVE_AGAIN = "Fine, you liars. Enjoy your scam."
CHARGEBACK = "Still nothing?! If I don't hear back by tomorrow I will file a chargeback with my bank."
THREAT = "I know where you live."


class Ticket:
    """One help-desk ticket, written to by its customer message after message."""

    def __init__(self, bot: BotUnderTest, slack: FakeSlack, ticket_id: str, **extra: Any):
        self.bot, self.slack, self.id, self.extra, self.sent = bot, slack, ticket_id, extra, 0

    async def says(self, body: str) -> None:
        self.sent += 1
        kind = "ticket.created" if self.sent == 1 else "ticket.message"
        event = ticket_event(kind, ticket_id=self.id, message_id=f"{self.id}-M{self.sent}", body=body, **self.extra)
        status, answer = await self.bot.tickets(event)
        assert status == 200, answer
        await self.bot.settle()

    @property
    def card(self) -> Any:
        [card] = [m for m in self.slack.channel_messages("C0SUPPORT") if f"Ticket {self.id}" in shown(m)]
        return card

    def replies(self) -> list[Any]:
        return self.slack.replies(self.card.channel, self.card.ts)


def oncall(slack: FakeSlack) -> list[str]:
    return [shown(m) for m in slack.channel_messages("C0ONCALL")]


def told(slack: FakeSlack, name: str = "click") -> list[str]:
    return [answer["text"] for answer in slack.responses.get(name, [])]


async def test_a_customer_turning_abusive_is_hidden_warned_badged_and_on_call_is_told(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-1")
        await ticket.says(CALM)
        await ticket.says(FRUSTRATED)
        assert "Tone worsening*: calm → frustrated" in shown(ticket.card)
        assert not oncall(slack)
        await ticket.says(ABUSIVE)

        frustrated, abusive, warning = ticket.replies()
        assert FRUSTRATED.split(".")[0] in shown(frustrated)
        # Staff need not read the insults to work the ticket: the message is there, its words are not.
        assert "idiots" not in shown(abusive) and "liar" not in shown(abusive)
        assert "Hidden: abusive (insult aimed at staff" in shown(abusive)
        assert "turned abusive" in shown(warning) and 'insult aimed at staff: \\"idiots\\"' in shown(warning)
        assert "Tone so far: calm → frustrated → abusive" in shown(warning)
        assert "never be abusive back" in shown(warning) and "<#C0ONCALL>" in shown(warning)
        assert has_button(warning, ActionId.NOT_ABUSIVE) and has_button(warning, ActionId.IS_ABUSIVE)
        assert "Abusive customer* · 1 of 3 messages · calm → frustrated → abusive" in shown(ticket.card)

        [alert] = oncall(slack)
        assert "Abusive message from ann@example.com* on ticket T-1" in alert
        assert f"https://slack.com/archives/C0SUPPORT/p{ticket.card.ts.replace('.', '')}" in alert

        # Whoever wants to read it may, and only they see it.
        await bot.click(slack, ActionId.SHOW_MESSAGE, button_value(abusive, ActionId.SHOW_MESSAGE), user=AGENT)
        await slack.wait_for(lambda s: bool(told(s)))
        [private] = told(slack)
        assert "Only you can see this" in private and "bunch of idiots" in private
        assert len(ticket.replies()) == 3


async def test_later_abuse_is_hidden_without_new_warnings_but_a_threat_of_harm_is_an_alert(
    database_url, slack: FakeSlack
):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-2")
        await ticket.says(CALM)
        await ticket.says(ABUSIVE)
        await ticket.says(ABUSIVE_AGAIN)
        assert len(oncall(slack)) == 1
        replies = [shown(r) for r in ticket.replies()]
        assert sum("turned abusive" in r for r in replies) == 1
        second = ticket.replies()[-1]
        assert "Hidden: abusive" in shown(second) and "liars" not in shown(second)
        # Without a warning of its own, the message carries the button to correct it.
        assert has_button(second, ActionId.NOT_ABUSIVE)
        assert "2 of 3 messages" in shown(ticket.card)

        await ticket.says(THREAT)
        alerts = oncall(slack)
        assert len(alerts) == 2 and "Threatening message from ann@example.com" in alerts[1]
        assert "threatens harm" in shown(ticket.card)


async def test_a_frustrated_customer_threatening_a_chargeback_is_not_called_abusive(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-3")
        await ticket.says(FRUSTRATED)
        await ticket.says(CHARGEBACK)
        card = shown(ticket.card)
        assert "The customer *threatens a chargeback*" in card
        assert "Abusive" not in card and "Hidden" not in card
        message, note = ticket.replies()
        assert "file a chargeback" in shown(message)
        assert "threatens a chargeback* in this message" in shown(note)
        assert not oncall(slack)


async def test_an_abusive_first_message_is_hidden_on_the_card_itself(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-4")
        await ticket.says(ABUSIVE)
        card = ticket.card
        assert "idiots" not in shown(card) and "The first message:" in shown(card)
        assert has_button(card, ActionId.SHOW_MESSAGE)
        [warning] = ticket.replies()
        assert "turned abusive" in shown(warning) and "Tone so far" not in shown(warning)
        assert len(oncall(slack)) == 1


async def test_marking_a_warning_not_abusive_shows_the_message_and_is_audited(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-5")
        await ticket.says(CALM)
        await ticket.says(ABUSIVE)
        message, warning = ticket.replies()
        value = button_value(warning, ActionId.NOT_ABUSIVE)

        await bot.click(slack, ActionId.NOT_ABUSIVE, value, user=STRANGER, reply_to="stranger")
        await slack.wait_for(lambda s: bool(told(s, "stranger")))
        assert "for the support team" in told(slack, "stranger")[0]

        await bot.click(slack, ActionId.NOT_ABUSIVE, value, user=AGENT)
        await slack.wait_for(lambda s: bool(told(s)))
        await bot.settle()
        assert "Marked not abusive" in told(slack)[0]
        message, warning = ticket.replies()  # redrawn in place: no new messages
        assert "bunch of idiots" in shown(message) and "Hidden" not in shown(message)
        assert f"<@{AGENT}> marked this message *not abusive*" in shown(warning)
        assert "Abusive customer" not in shown(ticket.card)

        await bot.click(slack, ActionId.NOT_ABUSIVE, value, user=OWNER, reply_to="again")
        await slack.wait_for(lambda s: bool(told(s, "again")))
        assert f"<@{AGENT}> already marked this message not abusive" in told(slack, "again")[0]

    trail = await audit_trail(database_url)
    assert trail == [("review-tone", "refused", STRANGER), ("tone-review", "succeeded", AGENT)]


async def test_a_message_the_classifier_missed_can_be_marked_abusive_from_its_menu(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-6")
        await ticket.says(CALM)
        await ticket.says(FRUSTRATED)
        [message] = ticket.replies()
        assert await bot.shortcut(slack, Shortcut.MARK_ABUSIVE, message, user=AGENT) == 200
        await slack.wait_for(lambda s: bool(told(s, "shortcut")))
        await bot.settle()
        message, note = ticket.replies()
        assert "Hidden: abusive" in shown(message)
        assert f"<@{AGENT}> marked a message in this thread *abusive*" in shown(note)
        assert "Abusive customer" in shown(ticket.card)

        # On anything else, the shortcut says where it works.
        await bot.shortcut(slack, Shortcut.MARK_ABUSIVE, note, user=AGENT)
        await slack.wait_for(lambda s: len(told(s, "shortcut")) == 2)
        assert "on a customer's message in a ticket's thread" in told(slack, "shortcut")[1]
    assert ("tone-review", "succeeded", AGENT) in await audit_trail(database_url)


async def test_an_owner_can_choose_to_show_abusive_messages_as_written(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        await bot.slash(slack, Command.SUPPORT, "hide-abusive off", user=AGENT, reply_to="agent")
        await bot.slash(slack, Command.SUPPORT, "hide-abusive off", user=OWNER)
        await slack.wait_for(lambda s: bool(told(s, "agent")) and bool(told(s, "cmd")))
        assert "for the shop's owners" in told(slack, "agent")[0]
        assert "abusive messages are shown as written" in told(slack, "cmd")[0]

        ticket = Ticket(bot, slack, "T-7")
        await ticket.says(CALM)
        await ticket.says(ABUSIVE)
        message, _warning = ticket.replies()
        assert "bunch of idiots" in shown(message) and "🛑 abusive" in shown(message)
    # The two commands are answered apart (a refusal at once, a change by the worker): either may be recorded first.
    trail = await audit_trail(database_url)
    assert sorted(trail) == [("choose-preferences", "refused", AGENT), ("preference", "succeeded", OWNER)]


async def test_a_customer_crossing_two_risk_thresholds_is_suggested_for_parting_ways(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-8")
        for body in (CALM, ABUSIVE, ABUSIVE_AGAIN):
            await ticket.says(body)
        assert "consider parting ways" in shown(ticket.card)
        await bot.slash(slack, Command.CUSTOMER, "ann@example.com", user=AGENT)
        await slack.wait_for(lambda s: bool(s.responses.get("cmd")))
        [looked_up] = slack.responses["cmd"]
        text = str(looked_up["blocks"])
        assert "High risk" in text and "2 abusive messages" in text and "parting ways is your decision" in text


async def test_a_sarcastic_reply_is_held_until_its_sender_confirms(
    database_url, slack: FakeSlack, helpdesk: FakeHelpDesk
):
    settings = bot_settings(database_url, slack, **provider_settings(helpdesk=helpdesk))
    async with running_bot(settings, pacer=unpaced()) as bot:
        ticket = Ticket(bot, slack, "T-9", callback_url=helpdesk.callback_url)
        await ticket.says(FRUSTRATED)
        await bot.click(slack, ActionId.REPLY, button_value(ticket.card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()

        status, answer = await bot.submit(modal, user=AGENT, body="As I already said, read the FAQ next time.")
        assert status == 200 and answer["response_action"] == "push"
        held = answer["view"]
        assert held["callback_id"] == ViewId.REPLY_HELD
        assert "Never be abusive back" in view_text(held)
        await bot.settle()
        assert not helpdesk.updates  # nothing went out while it was held

        status, answer = await bot.submit(held, user=AGENT)
        assert answer == {"response_action": "clear"}
        await bot.settle()
        [sent] = helpdesk.updates
        assert sent.type == "ticket.reply" and sent.body == "As I already said, read the FAQ next time."

        # A courteous reply is not held.
        await bot.click(slack, ActionId.REPLY, button_value(ticket.card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: len(s.views) == 2)
        modal = list(slack.views.values())[-1]
        status, answer = await bot.submit(modal, user=AGENT, body="Sorry about that! Here is a fresh download link.")
        assert status == 200 and "response_action" not in answer  # closed: nothing to check
        await bot.settle()
        assert len(helpdesk.updates) == 2
    trail = await audit_trail(database_url)
    assert trail.count(("reply", "succeeded", AGENT)) == 2
