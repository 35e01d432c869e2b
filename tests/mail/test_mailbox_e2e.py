"""The support mailbox end to end: mail APPENDed to Dovecot -> card and thread in the fake Slack -> a reply from
Slack -> what the customer's mail server (aiosmtpd) received, threaded -> the customer's answer joins the ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import func, select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import view_text
from bot.fakes.smtp import FakeSmtp
from bot.privacy.forget import forget
from bot.storage.db import Database
from bot.storage.models.mail import MailThreadEntry
from tests.harness import SMTP_FROM, bot_settings, button_value, provider_settings, running_bot, shown, thread, unpaced
from tests.mail.conftest import MailFolder, sample

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
AGENT = "U0AGENT"
FIRST = "<CAJx8Qm2Vw7n4F+kqP1=Xd9sT0aH6yB3rLm@mail.gmail.com>"


def cards(slack: FakeSlack) -> list:
    return [m for m in slack.channel_messages("C0SUPPORT") if "Ticket mail-" in shown(m)]


async def test_mail_becomes_a_card_a_reply_goes_back_threaded_and_the_answer_joins_the_thread(
    database_url, slack: FakeSlack, smtp: FakeSmtp, mail_folder: MailFolder
):
    mail_folder.append(sample("gmail_new.eml"), NOW - timedelta(minutes=20))
    settings = bot_settings(database_url, slack, **provider_settings(smtp=smtp), **mail_folder.settings())
    async with running_bot(settings, pacer=unpaced(), clock=FakeClock(NOW)) as bot:
        await slack.wait_for(lambda s: bool(cards(s)), timeout=20)
        await bot.settle()
        [card] = cards(slack)
        assert "Order #4417 - licence key not working" in shown(card)
        assert "I bought the Pro licence yesterday (order #4417)" in shown(card)

        # A reply from Slack goes out by SMTP, from the shop, threaded under the customer's mail.
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "by email to dana.whitfield@gmail.com" in view_text(modal)
        await bot.submit(modal, user=AGENT, body="Sorry about that: here is a new key, ABCD-1234.")
        await bot.settle()
        [sent] = smtp.messages
        assert sent.message["Subject"] == "Re: Order #4417 - licence key not working"
        assert sent.message["In-Reply-To"] == FIRST and sent.message["References"] == FIRST
        assert SMTP_FROM in sent.message["From"] and sent.rcpt_tos == ["dana.whitfield@gmail.com"]
        ours = str(sent.message["Message-ID"])
        assert ours.endswith("@shop.example>")
        assert any(f"<@{AGENT}> replied by email" in r for r in thread(slack, card))

        # The customer answers from Gmail: In-Reply-To names our reply; it joins the ticket, quote stripped.
        mail_folder.append(sample("gmail_reply.eml", PARENT=ours), NOW - timedelta(minutes=5))
        await slack.wait_for(lambda s: any("That worked, thank you so much!" in r for r in thread(s, card)), timeout=20)
        # Her out-of-office and a bounce answering our reply, and a copy of our own mail: never a card or a line.
        for name in ("outlook_out_of_office.eml", "dsn_bounce.eml", "own_address.eml"):
            mail_folder.append(sample(name), NOW - timedelta(minutes=1))
        mail_folder.append(sample("html_only_encoded_subject.eml"), NOW)
        await slack.wait_for(lambda s: len(cards(s)) == 2, timeout=20)
        await bot.settle()
        replies = thread(slack, card)
        assert not any("On Tue, Dec 1, 2026" in r or "wrong product" in r for r in replies), replies
        assert not any("nicht im Büro" in r or "Address not found" in r or "webmail" in r for r in replies)
        assert "注文について / question about my order" in shown(cards(slack)[1])

        # A second reply threads under the customer's latest mail and carries the whole chain.
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: len(s.views) == 2)
        modal = list(slack.views.values())[-1]
        await bot.submit(modal, user=AGENT, body="Glad it works!")
        await bot.settle()
        second = smtp.messages[-1].message
        answer = "<CAJx8Qm0pZ3kT5u+Yh2Lw8vN4cR1eG7sDq@mail.gmail.com>"
        assert second["In-Reply-To"] == answer
        assert str(second["References"]).split() == [FIRST, ours, answer]

        async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as health:
            assert health.status == 200 and (await health.json())["mailbox"] == "watching"


async def test_a_reply_the_mail_server_refuses_is_shown_with_a_retry_that_sends_it_once(
    database_url, slack: FakeSlack, smtp: FakeSmtp, mail_folder: MailFolder
):
    mail_folder.append(sample("gmail_new.eml"), NOW - timedelta(minutes=20))
    settings = bot_settings(database_url, slack, **provider_settings(smtp=smtp), **mail_folder.settings())
    smtp.refuse_recipient("dana.whitfield@gmail.com", reply="550 5.2.1 Mailbox disabled")
    async with running_bot(settings, pacer=unpaced(), clock=FakeClock(NOW)) as bot:
        await slack.wait_for(lambda s: bool(cards(s)), timeout=20)
        [card] = cards(slack)
        await bot.click(slack, ActionId.REPLY, button_value(card, ActionId.REPLY), user=AGENT)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        await bot.submit(modal, user=AGENT, body="Here is your new key.")
        await bot.settle()
        assert smtp.messages == []
        [failure] = [m for m in slack.replies(card.channel, card.ts) if "failed" in shown(m)]
        assert "550 5.2.1 Mailbox disabled" in shown(failure)

        smtp.accept_recipient("dana.whitfield@gmail.com")
        retry = button_value(failure, ActionId.RETRY_REPLY)
        assert await bot.click(slack, ActionId.RETRY_REPLY, retry, user=AGENT, reply_to="first") == 200
        await slack.wait_for(lambda s: any("replied by email" in r for r in thread(s, card)), timeout=10)
        await bot.settle()
        # A second click on the old button finds the reply sent: it does not go out twice.
        await bot.click(slack, ActionId.RETRY_REPLY, retry, user=AGENT, reply_to="again")
        await slack.wait_for(lambda s: "again" in s.responses)
        await bot.settle()
        assert "Sending the reply again" in str(slack.responses["first"])
        assert "That was already done" in str(slack.responses["again"])
    [sent] = smtp.messages
    assert sent.message["In-Reply-To"] == FIRST and "Here is your new key." in sent.message.get_content()


async def test_a_refused_mailbox_login_makes_the_bot_unhealthy_and_shows_on_metrics(
    database_url, slack: FakeSlack, mail_folder: MailFolder
):
    settings = bot_settings(database_url, slack, **mail_folder.settings(imap_password="rotated-elsewhere"))
    async with running_bot(settings, pacer=unpaced(), clock=FakeClock(NOW)) as bot, aiohttp.ClientSession() as http:
        mailbox = bot.runtime.mailbox
        assert mailbox is not None, "the mail settings should start a mailbox watcher"
        await slack.wait_for(lambda _: mailbox.status.state == "login failed", timeout=10)
        async with http.get(f"{bot.url}/healthz") as health:
            body = await health.json()
            assert health.status == 503 and body["mailbox"].startswith("login failed: 127.0.0.1 refused the login")
        async with http.get(f"{bot.url}/metrics") as metrics:
            text = await metrics.text()
        assert "supportbot_mailbox_up 0.0" in text and 'supportbot_mailbox_state{state="login failed"} 1.0' in text


async def test_forgetting_a_customer_erases_the_mailbox_threading_records_of_her_mail(
    database_url, slack: FakeSlack, mail_folder: MailFolder
):
    mail_folder.append(sample("gmail_new.eml"), NOW - timedelta(minutes=20))
    async with running_bot(
        bot_settings(database_url, slack, **mail_folder.settings()), pacer=unpaced(), clock=FakeClock(NOW)
    ) as bot:
        await slack.wait_for(lambda s: bool(cards(s)), timeout=20)
        await bot.settle()
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(MailThreadEntry)) == 1
            erased = await forget(session, "Dana.Whitfield@gmail.com", NOW)
        async with db.transaction(read_only=True) as session:
            assert await session.scalar(select(func.count()).select_from(MailThreadEntry)) == 0
    finally:
        await db.dispose()
    assert erased.counts["mail threading records"] == 1
