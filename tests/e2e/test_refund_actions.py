"""Refunds from Slack: a button or /refund, a confirmation modal, one refund at Stripe, the outcome on record."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core.slack_ids import ActionId, Command
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import button_value, inputs, view_text
from bot.fakes.stripe import FakeStripe
from bot.storage.db import Database
from bot.storage.models.actions import AuditRecord
from bot.storage.models.sales import Payment
from tests.builders import stripe_charge, stripe_event
from tests.harness import bot_settings, provider_settings, running_bot

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"


def newest_view(slack: FakeSlack) -> dict:
    return list(slack.views.values())[-1]


async def audit_outcomes(database_url: str) -> list[tuple[str, str]]:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return [(r.action, r.outcome) for r in await session.scalars(select(AuditRecord).order_by(AuditRecord.seq))]
    finally:
        await db.dispose()


async def refunded_in_db(database_url: str, pi: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return (
                await session.scalars(select(Payment.amount_refunded_minor).where(Payment.provider_payment_id == pi))
            ).one()
    finally:
        await db.dispose()


async def test_an_owner_refunds_part_of_a_sale_from_its_card(database_url, slack: FakeSlack, stripe_api: FakeStripe):
    stripe_api.add_payment_intent("pi_card01", 4900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings, backoff_base=0.05) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_card01")))
        await bot.settle()
        [card] = slack.channel_messages("C0SALES")
        assert await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER) == 200
        await slack.wait_for(lambda s: bool(s.views))
        modal = newest_view(slack)
        assert "$49.00" in view_text(modal) and "pi_card01" in view_text(modal)
        status, answer = await bot.submit(modal, user=OWNER, amount="10.00")
        assert (status, answer) == (200, {"raw": ""}) or answer == {}
        await bot.settle()

    assert [(r["amount"], r["payment_intent"]) for r in stripe_api.refunds] == [(1000, "pi_card01")]
    [outcome] = slack.replies("C0SALES", card.ts)
    assert f"<@{OWNER}> refunded $10.00" in outcome.text
    assert "Partly refunded* $10.00" in str(card.blocks) and f"by <@{OWNER}>" in str(card.blocks)
    assert await refunded_in_db(database_url, "pi_card01") == 1000
    assert await audit_outcomes(database_url) == [("refund", "attempted"), ("refund", "succeeded")]


async def test_a_double_submit_and_a_second_owner_make_one_refund(database_url, slack, stripe_api):
    stripe_api.add_payment_intent("pi_twice01", 2500, "eur")
    settings = bot_settings(database_url, slack, owners=(OWNER, "U0OWNER2"), **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_twice01", amount=2500, currency="eur")))
        await bot.settle()
        [card] = slack.channel_messages("C0SALES")
        value = button_value(card, ActionId.REFUND)
        # One modal open after the other, so each owner submits their own (their order is not what is tested).
        await bot.click(slack, ActionId.REFUND, value, user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 1)
        await bot.click(slack, ActionId.REFUND, value, user="U0OWNER2")
        await slack.wait_for(lambda s: len(s.views) == 2)
        first, second = list(slack.views.values())
        answers = await asyncio.gather(
            bot.submit(first, user=OWNER), bot.submit(first, user=OWNER), bot.submit(second, user="U0OWNER2")
        )
        await bot.settle()

    assert len(stripe_api.refunds) == 1
    notices = [answer for _, answer in answers if answer.get("response_action") == "update"]
    assert len(notices) == 2 and all("already" in view_text(n["view"]).lower() for n in notices)
    assert len(slack.replies("C0SALES", card.ts)) == 1
    assert await refunded_in_db(database_url, "pi_twice01") == 2500
    outcomes = await audit_outcomes(database_url)
    assert outcomes.count(("refund", "succeeded")) == 1 and outcomes.count(("refund", "already-done")) == 2


async def test_an_agent_is_refused_politely_and_the_refusal_is_audited(database_url, slack, stripe_api):
    stripe_api.add_payment_intent("pi_agent01", 4900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_agent01")))
        await bot.settle()
        [card] = slack.channel_messages("C0SALES")
        await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=AGENT, reply_to="agent")
        await bot.slash(slack, Command.REFUND, "pi_agent01", user=STRANGER, reply_to="stranger")
        await slack.wait_for(lambda s: "agent" in s.responses and "stranger" in s.responses)

    assert not slack.views and not stripe_api.refunds
    assert "for the shop's owners" in slack.responses["agent"][0]["text"]
    assert "for the support team" in slack.responses["stranger"][0]["text"]
    assert slack.responses["agent"][0]["response_type"] == "ephemeral"
    assert await audit_outcomes(database_url) == [("refund", "refused"), ("refund", "refused")]


async def test_a_declined_refund_is_told_audited_with_the_reason_and_records_nothing(database_url, slack, stripe_api):
    stripe_api.add_payment_intent("pi_decl01", 4900, "usd")
    stripe_api.decline_refunds_for("pi_decl01", "expired_or_canceled_card")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_decl01")))
        await bot.settle()
        await bot.slash(slack, Command.REFUND, "pi_decl01", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        await bot.submit(newest_view(slack), user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: len(s.responses.get("cmd", [])) == 1)

    [card] = slack.channel_messages("C0SALES")
    [outcome] = slack.replies("C0SALES", card.ts)
    assert "failed" in outcome.text and "expired_or_canceled_card" in outcome.text
    assert "failed" in slack.responses["cmd"][0]["text"]
    assert await refunded_in_db(database_url, "pi_decl01") == 0
    assert await audit_outcomes(database_url) == [("refund", "attempted"), ("refund", "failed")]


async def test_stripe_errors_are_retried_with_the_same_idempotency_key(database_url, slack, stripe_api):
    stripe_api.add_payment_intent("pi_retry01", 4900, "usd")
    stripe_api.fail_next("/v1/refunds", times=2, status=500)
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings, backoff_base=0.05) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_retry01")))
        await bot.settle()
        await bot.slash(slack, Command.REFUND, "pi_retry01 12.50 asked nicely", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        modal = newest_view(slack)
        assert inputs(modal)["amount"]["initial_value"] == "12.50"
        await bot.submit(modal, user=OWNER)
        await bot.settle(timeout=20)

    keys = {call.idempotency_key for call in stripe_api.calls if call.path == "/v1/refunds"}
    assert len([c for c in stripe_api.calls if c.path == "/v1/refunds"]) >= 3 and len(keys) == 1
    assert [r["amount"] for r in stripe_api.refunds] == [1250]
    assert await refunded_in_db(database_url, "pi_retry01") == 1250


async def test_an_email_with_several_payments_asks_which_and_checks_the_amount(database_url, slack, stripe_api):
    for pi, amount in (("pi_many01", 4900), ("pi_many02", 1900)):
        stripe_api.add_payment_intent(pi, amount, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        for pi, amount in (("pi_many01", 4900), ("pi_many02", 1900)):
            await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi=pi, amount=amount)))
        await bot.settle()
        await bot.slash(slack, Command.REFUND, "Ann@Example.com", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        modal = newest_view(slack)
        choices = inputs(modal)["payment"]["options"]
        assert len(choices) == 2
        small = next(c["value"] for c in choices if c["text"]["text"].startswith("$19.00"))
        _, not_a_number = await bot.submit(modal, user=OWNER, payment=small, amount="lots")
        _, too_much = await bot.submit(modal, user=OWNER, payment=small, amount="20.00")
        _, unchosen = await bot.submit(modal, user=OWNER, payment=None)
        _, fine = await bot.submit(modal, user=OWNER, payment=small, amount="19")
        await bot.settle()

    assert not_a_number["errors"]["amount"].startswith("Type an amount")
    assert too_much["errors"]["amount"] == "That is more than what is left to refund."
    assert "payment" in unchosen["errors"]
    assert fine.get("response_action") is None
    assert [(r["payment_intent"], r["amount"]) for r in stripe_api.refunds] == [("pi_many02", 1900)]
    [request] = [c for c in stripe_api.calls if c.path == "/v1/refunds"]
    assert "amount" not in request.form  # the whole rest: Stripe works it out, no stale amount sent


async def test_bad_input_gets_a_usage_line(database_url, slack, stripe_api):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await bot.slash(slack, Command.REFUND, "", user=OWNER, reply_to="empty")
        await bot.slash(slack, Command.REFUND, "nobody@example.com", user=OWNER, reply_to="unknown")
        await bot.slash(slack, Command.UNSUBSCRIBE, "pi_123456", user=OWNER, reply_to="not-email")
        await slack.wait_for(lambda s: {"empty", "unknown", "not-email"} <= set(s.responses))

    assert slack.responses["empty"][0]["text"].startswith("Usage: `/refund <payment id | email>")
    assert "No customer with the email nobody@example.com" in slack.responses["unknown"][0]["text"]
    assert "Usage:" in slack.responses["unknown"][0]["text"]
    assert "Give an email address" in slack.responses["not-email"][0]["text"]
