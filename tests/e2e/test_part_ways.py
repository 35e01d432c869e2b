"""Parting ways with a customer: every step once, one summary with a retry for what failed; and an action cut short
by a stop is finished by the next process, once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core.slack_ids import ActionId, Command
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.licences import FakeKeygen
from bot.fakes.mailing_lists import FakeMailchimp
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import inputs, view_text
from bot.fakes.stripe import FakeStripe
from bot.storage.db import Database
from bot.storage.models.sales import Payment, Refund
from tests.builders import stripe_charge, stripe_event
from tests.harness import (
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

OWNER = "U0OWNER"
LICENCE = "AAAA-1111-BBBB-2222"
SUSPEND = "/v1/accounts/demo-account/licenses/"  # …/<id>/actions/suspend; the listing has no trailing slash


def customer_everywhere(stripe_api: FakeStripe, keygen: FakeKeygen, mailchimp: FakeMailchimp) -> None:
    stripe_api.add_payment_intent("pi_partways1", 4900, "usd")
    keygen.add_licence(LICENCE, "ann@example.com", "Pro")
    mailchimp.subscribe("ann@example.com")


async def confirm_part_ways(bot, slack: FakeSlack, card) -> None:
    """Click Part ways on the card, wait for the modal to list the licences, confirm it as offered."""
    await bot.click(slack, ActionId.PART_WAYS, button_value(card, ActionId.PART_WAYS), user=OWNER)
    await slack.wait_for(lambda s: bool(s.views) and "licences" in inputs(next(iter(s.views.values()))))
    [modal] = slack.views.values()
    offered = inputs(modal)
    assert [o["value"] for o in offered["licences"]["initial_options"]] == [LICENCE]
    assert len(offered["refunds"]["initial_options"]) == 1 and "$49.00" in view_text(modal)
    assert offered["unsubscribe"]["initial_options"] and offered["close"]["initial_options"]
    assert offered["message"]["initial_value"].startswith("Hello Ann,")
    status, answer = await bot.submit(modal, user=OWNER)
    assert status == 200 and "errors" not in answer, answer


def summaries(slack: FakeSlack, card) -> list[str]:
    return [reply for reply in thread(slack, card) if "ways*" in reply]


async def test_parting_ways_does_every_step_once_and_sums_them_up_in_one_message(
    database_url,
    slack: FakeSlack,
    stripe_api: FakeStripe,
    keygen: FakeKeygen,
    mailchimp: FakeMailchimp,
    helpdesk: FakeHelpDesk,
):
    customer_everywhere(stripe_api, keygen, mailchimp)
    providers = provider_settings(stripe=stripe_api, keygen=keygen, mailchimp=mailchimp, helpdesk=helpdesk)
    settings = bot_settings(database_url, slack, **providers)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_partways1")))
        card = await open_ticket(bot, slack, "T-50", callback_url=helpdesk.callback_url)
        await confirm_part_ways(bot, slack, card)
        await bot.settle()
        await slack.wait_for(lambda s: "click" in s.responses)

    assert [(r["payment_intent"], r["amount"]) for r in stripe_api.refunds] == [("pi_partways1", 4900)]
    assert len([c for c in stripe_api.calls if c.path == "/v1/refunds"]) == 1
    assert keygen.status_of(LICENCE) == "suspended"
    assert len([c for c in keygen.calls if c.method == "POST"]) == 1
    assert mailchimp.status_of("ann@example.com") == "unsubscribed"
    assert len([c for c in mailchimp.calls if c.method == "PATCH"]) == 1
    assert [u.type for u in helpdesk.updates] == ["ticket.reply", "ticket.closed"]
    reply = helpdesk.updates[0].body
    assert reply is not None and reply.startswith("Hello Ann,") and "refunded your purchase" in reply

    [summary] = summaries(slack, card)
    assert f"👋 *Parted ways* (<@{OWNER}>): every step done" in summary
    for line in (
        "✅ Refund: refunded $49.00",
        "✅ Licence revocation: licence `AAAA…2222` suspended",
        "✅ Unsubscribe: unsubscribed from Mailchimp list a1b2c3d4e5",
        "✅ Reply: replied through the help desk and closed the ticket",
    ):
        assert line in summary, line
    assert ActionId.RETRY_STEPS not in summary
    replies = thread(slack, card)
    assert len(replies) == 2 and any("Hello Ann," in r for r in replies)  # the summary, and the message sent
    assert "every step done" in slack.responses["click"][0]["text"]
    assert "*closed*" in shown(card)  # closed, refunded in full: nothing to take over, reply to or refund
    assert not any(has_button(card, b) for b in (ActionId.TAKE_OVER, ActionId.REPLY, ActionId.REFUND))
    assert "↩️ refunded $49.00 by <@U0OWNER>" in shown(card) and "🔑 licence `AAAA…2222` suspended" in shown(card)
    trail = [(action, outcome) for action, outcome, _ in await audit_trail(database_url)]
    steps = ("refund", "revoke-licence", "unsubscribe", "reply")
    assert sorted(trail) == sorted(
        [("part-ways", "attempted"), ("part-ways", "succeeded")]
        + [(step, "attempted") for step in steps]
        + [(step, "succeeded") for step in steps]
    )


async def test_a_step_that_fails_for_good_gets_a_retry_that_repeats_only_that_step(
    database_url,
    slack: FakeSlack,
    stripe_api: FakeStripe,
    keygen: FakeKeygen,
    mailchimp: FakeMailchimp,
    helpdesk: FakeHelpDesk,
):
    customer_everywhere(stripe_api, keygen, mailchimp)
    keygen.fail_next(SUSPEND, times=5, status=500, method="POST")  # as many times as the worker tries
    providers = provider_settings(stripe=stripe_api, keygen=keygen, mailchimp=mailchimp, helpdesk=helpdesk)
    settings = bot_settings(database_url, slack, **providers)
    async with running_bot(settings, pacer=unpaced(), backoff_base=0.01) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_partways1")))
        card = await open_ticket(bot, slack, "T-51", callback_url=helpdesk.callback_url)
        await confirm_part_ways(bot, slack, card)
        await bot.settle(timeout=15)
        [failed] = summaries(slack, card)
        [summary_message] = [m for m in slack.replies(card.channel, card.ts) if "ways*" in shown(m)]
        assert has_button(summary_message, ActionId.RETRY_STEPS)
        assert len([c for c in keygen.calls if c.method == "POST"]) == 5

        retry = button_value(summary_message, ActionId.RETRY_STEPS)
        await bot.click(slack, ActionId.RETRY_STEPS, retry, user=OWNER, reply_to="retry")
        await slack.wait_for(lambda s: len(summaries(s, card)) == 2)
        await bot.settle()
        await bot.click(slack, ActionId.RETRY_STEPS, retry, user=OWNER, reply_to="2nd")
        await slack.wait_for(lambda s: "2nd" in s.responses)

    assert f"👋 *Parting ways* (<@{OWNER}>): 3 of 4 steps done" in failed
    assert "❌ Licence revocation: " in failed and "Keygen had an error (HTTP 500)" in failed
    assert "✅ Refund: refunded $49.00" in failed and "✅ Unsubscribe" in failed and "✅ Reply" in failed
    assert "Retry 1 failed step(s)" in failed
    retried = summaries(slack, card)[1]
    retried_head = retried.split("\n")[0].replace("*", "")
    assert "every step done" in retried and "✅ Licence revocation: licence `AAAA…2222` suspended" in retried
    assert "Retrying 1 step(s)" in slack.responses["retry"][0]["text"]
    assert [r["text"] for r in slack.responses["click"]] == [failed.split("\n")[0].replace("*", ""), retried_head]
    assert slack.responses["2nd"][0]["text"] == "Nothing left to retry."

    # Only the failed step ran again: one refund, one unsubscribe, one reply and close at the help desk.
    assert len(stripe_api.refunds) == 1 and len([c for c in stripe_api.calls if c.path == "/v1/refunds"]) == 1
    assert len([c for c in mailchimp.calls if c.method == "PATCH"]) == 1
    assert [u.type for u in helpdesk.updates] == ["ticket.reply", "ticket.closed"]
    assert keygen.status_of(LICENCE) == "suspended"
    trail = [(action, outcome) for action, outcome, _ in await audit_trail(database_url)]
    assert trail.count(("revoke-licence", "failed")) == 1 and trail.count(("revoke-licence", "succeeded")) == 1
    assert trail.count(("refund", "succeeded")) == 1
    assert trail.count(("part-ways", "failed")) == 1 and trail.count(("part-ways", "succeeded")) == 1


async def test_a_message_is_offered_only_where_it_can_reach_the_customer(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, keygen: FakeKeygen
):
    keygen.add_licence(LICENCE, "ann@example.com", "Pro")
    stripe_api.add_payment_intent("pi_bobonly01", 1900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api, keygen=keygen))  # no SMTP
    async with running_bot(settings, pacer=unpaced()) as bot:
        await open_ticket(bot, slack, "T-60")  # email-only: no callback, and no SMTP to send by
        await bot.slash(slack, Command.PARTWAYS, "ann@example.com", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views) and "licences" in inputs(next(iter(s.views.values()))))
        [modal] = slack.views.values()
        assert "message" not in inputs(modal)
        assert "SMTP is not configured" in view_text(modal)
        await bot.submit(modal, user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "cmd" in s.responses)

        # A sale with no ticket: there is nothing to send a message through either.
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_bobonly01", email="bob@example.com")))
        await bot.settle()
        [sale] = slack.channel_messages("C0SALES")
        await bot.click(slack, ActionId.PART_WAYS, button_value(sale, ActionId.PART_WAYS), user=OWNER)
        await slack.wait_for(lambda s: len([c for c in s.calls if c.method == "views.update"]) == 2)
        offered = inputs(list(slack.views.values())[-1])
        assert "refunds" in offered and "message" not in offered

    [summary] = [r["text"] for r in slack.responses["cmd"]]
    assert "every step done" in summary
    assert keygen.status_of(LICENCE) == "suspended"
    trail = [(action, outcome) for action, outcome, _ in await audit_trail(database_url)]
    assert ("close-ticket", "succeeded") in trail and not any(action == "reply" for action, _ in trail)


# -- an action cut short ---------------------------------------------------------------------------------------------


async def refund_rows(database_url: str) -> tuple[int, int]:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            refunded = (await session.scalars(select(Payment.amount_refunded_minor))).one()
            rows = len(list(await session.scalars(select(Refund))))
            return refunded, rows
    finally:
        await db.dispose()


async def test_a_refund_whose_answer_is_lost_in_a_stop_is_recorded_once_by_the_next_process(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_crash0001", 4900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings, pacer=unpaced(), action_lease_seconds=0.5) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_crash0001")))
        await bot.settle()
        [card] = slack.channel_messages("C0SALES")
        await bot.slash(slack, Command.REFUND, "pi_crash0001 10.00", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        # Stripe refunds, but its answer comes too late: this process is stopped while waiting for it.
        stripe_api.fail_next("/v1/refunds", status=None, delay=1.5)
        await bot.submit(next(iter(slack.views.values())), user=OWNER)
        await slack.wait_for(lambda _: bool(stripe_api.refunds))
        await bot.runtime.actions.stop(grace_seconds=0, cancel_grace_seconds=2.0)
    assert not slack.replies("C0SALES", card.ts) and "cmd" not in slack.responses

    async with running_bot(settings, pacer=unpaced(), action_lease_seconds=0.5) as bot:
        await asyncio.sleep(0.1)
        await bot.settle()
        await slack.wait_for(lambda s: "cmd" in s.responses)

    assert len(stripe_api.refunds) == 1 and stripe_api.refunded("pi_crash0001") == 1000
    calls = [c for c in stripe_api.calls if c.path == "/v1/refunds"]
    assert len(calls) == 2 and len({c.idempotency_key for c in calls}) == 1
    [outcome] = slack.replies("C0SALES", card.ts)
    assert f"<@{OWNER}> refunded $10.00" in outcome.text
    assert [r["text"] for r in slack.responses["cmd"]] == [outcome.text]
    assert await refund_rows(database_url) == (1000, 1)
    assert [(a, o) for a, o, _ in await audit_trail(database_url)] == [("refund", "attempted"), ("refund", "succeeded")]
