"""Disputes answered from Slack: evidence prepared from what the bot knows, staged and submitted at Stripe, sent
to PayPal, or the dispute accepted; each step permission-checked, idempotent, audited and told in the thread."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pypdf
from sqlalchemy import select

from bot.core.slack_ids import ActionId
from bot.fakes.licences import FakeKeygen
from bot.fakes.paypal import FakePayPal, capture_completed_event, dispute_event, dispute_resource
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import button_value
from bot.fakes.stripe import FakeStripe
from bot.storage.db import Database
from bot.storage.models.sales import Dispute
from tests.builders import stripe_charge, stripe_dispute, stripe_event
from tests.clocks import START, SteadyClock
from tests.harness import (
    BotUnderTest,
    audit_trail,
    bot_settings,
    has_button,
    open_ticket,
    provider_settings,
    running_bot,
    shown,
    thread,
)

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"
POLICY = "Refunds within 14 days of purchase, on request."


def newest_view(slack: FakeSlack) -> dict:
    return list(slack.views.values())[-1]


def view_text(view: dict) -> str:
    """Everything a modal shows, pre-filled inputs included."""
    return json.dumps(view["blocks"], ensure_ascii=False)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


async def evidence_state(database_url: str, provider_dispute_id: str) -> str | None:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return await session.scalar(
                select(Dispute.evidence_state).where(Dispute.provider_dispute_id == provider_dispute_id)
            )
    finally:
        await db.dispose()


async def stripe_dispute_card(bot: BotUnderTest, slack: FakeSlack, stripe_api: FakeStripe, dispute_id: str, pi: str):
    stripe_api.add_payment_intent(pi, 4900, "usd")
    stripe_api.disputes.add_dispute(dispute_id, payment_intent=pi, amount=4900)  # due in a week of its own clock
    await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi=pi)))
    await open_ticket(bot, slack, f"T-{dispute_id}")
    dispute = stripe_dispute(dispute_id=dispute_id, pi=pi, due_by=bot.now() + 7 * 86400, created=bot.now())
    await bot.stripe(stripe_event("charge.dispute.created", dispute, created=bot.now()))
    await bot.settle()
    return slack.channel_messages("C0DISPUTES")[-1]


async def test_a_stripe_dispute_is_staged_from_slack_then_submitted_to_the_bank(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, keygen: FakeKeygen
):
    licence = keygen.add_licence("PRO-KEY-0001-ANN", "ann@example.com", "Pro licence")
    keygen.add_machine(licence, "fp-3c9a0e77d1", "Ann's MacBook", "macOS", START)
    providers = provider_settings(stripe=stripe_api, keygen=keygen)
    settings = bot_settings(database_url, slack, refund_policy=POLICY, **providers)
    async with running_bot(settings, backoff_base=0.05) as bot:
        card = await stripe_dispute_card(bot, slack, stripe_api, "dp_ev01", "pi_ev01")
        assert has_button(card, ActionId.DISPUTE_EVIDENCE) and not has_button(card, ActionId.DISPUTE_SUBMIT)
        assert not has_button(card, ActionId.REFUND)  # a disputed payment is settled through the dispute
        assert has_button(card, ActionId.REVOKE) and has_button(card, ActionId.PART_WAYS)  # the customer's, as before
        await bot.click(slack, ActionId.DISPUTE_EVIDENCE, button_value(card, ActionId.DISPUTE_EVIDENCE), user=OWNER)
        # The modal opens at once; the licence activity is looked up after and filled in.
        await slack.wait_for(lambda s: bool(s.views) and "activated on" in view_text(newest_view(s)))
        modal = newest_view(slack)
        text = view_text(modal)
        assert "$49.00 for Pro licence, paid <!date^" in text and POLICY in text and "ann@example.com" in text
        assert "1 messages in 1 ticket(s)" in text and "draft" in text
        statement = "Ann downloaded the Pro licence the day she bought it and activated it twice."
        status, answer = await bot.submit(modal, user=OWNER, statement=statement)
        assert status == 200 and answer.get("response_action") is None, answer
        await bot.settle()
        await slack.wait_for(lambda s: len(thread(s, card)) >= 1)
        assert "staged evidence at Stripe" in thread(slack, card)[-1], thread(slack, card)
        await slack.wait_for(lambda s: has_button(card, ActionId.DISPUTE_SUBMIT))

        staged = stripe_api.disputes.disputes["dp_ev01"]
        assert staged.status == "needs_response" and staged.submission_count == 0
        assert staged.evidence["uncategorized_text"].startswith(statement)
        assert staged.evidence["refund_policy_disclosure"] == POLICY
        assert staged.evidence["product_description"] == "Pro licence"
        assert staged.evidence["customer_email_address"] == "ann@example.com"
        activity = staged.evidence["access_activity_log"]
        assert "Licence PRO-…-ANN (Pro licence): activated on Ann's MacBook (macOS)" in activity
        assert "PRO-KEY-0001-ANN" not in activity  # the key is named, never given away
        pdf = stripe_api.disputes.file_content(staged.evidence["customer_communication"])
        assert "The download link has expired." in pdf_text(pdf) and "Ann Example" in pdf_text(pdf)
        [upload] = [c for c in stripe_api.calls if c.path == "/v1/files"]
        [update] = [c for c in stripe_api.calls if c.path == "/v1/disputes/dp_ev01"]
        assert upload.form == {"purpose": "dispute_evidence"}  # the file itself went to the fake, not as a field
        assert update.form["submit"] == "false"
        assert upload.idempotency_key == f"{update.idempotency_key}:file"
        assert update.idempotency_key is not None and update.idempotency_key.startswith("dispute-evidence:")
        assert "staged evidence at Stripe" in thread(slack, card)[-1] and f"<@{OWNER}>" in thread(slack, card)[-1]
        assert "Staged, not yet submitted to the bank" in shown(card)
        assert await evidence_state(database_url, "dp_ev01") == "staged"

        await bot.click(slack, ActionId.DISPUTE_SUBMIT, button_value(card, ActionId.DISPUTE_SUBMIT), user=OWNER)
        await slack.wait_for(lambda s: "Submit the staged evidence" in view_text(newest_view(s)))
        submit_modal = newest_view(slack)
        await bot.submit(submit_modal, user=OWNER)
        await bot.submit(submit_modal, user=OWNER)  # a double click: one submission
        await bot.settle()
        await slack.wait_for(lambda s: "submitted the evidence" in thread(s, card)[-1])

    assert stripe_api.disputes.disputes["dp_ev01"].status == "under_review"
    assert stripe_api.disputes.disputes["dp_ev01"].submission_count == 1
    submits = [c for c in stripe_api.calls if c.path == "/v1/disputes/dp_ev01" and c.form.get("submit") == "true"]
    assert {c.idempotency_key for c in submits} == {"dispute-submit:dp_ev01"}
    assert not has_button(card, ActionId.DISPUTE_EVIDENCE) and not has_button(card, ActionId.DISPUTE_ACCEPT)
    assert await evidence_state(database_url, "dp_ev01") == "submitted"
    trail = [(action, outcome) for action, outcome, _ in await audit_trail(database_url)]
    assert trail == [
        ("dispute-evidence", "attempted"),
        ("dispute-evidence", "succeeded"),
        ("dispute-submit", "attempted"),
        ("dispute-submit", "already-done"),
        ("dispute-submit", "succeeded"),
    ] or trail == [
        ("dispute-evidence", "attempted"),
        ("dispute-evidence", "succeeded"),
        ("dispute-submit", "attempted"),
        ("dispute-submit", "succeeded"),
        ("dispute-submit", "already-done"),
    ]


async def paypal_dispute_card(bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal, dispute_id: str):
    t0 = (bot.runtime.clock.now() - timedelta(minutes=10)).replace(microsecond=0)
    capture = "CAPEV000000000001"
    await bot.paypal(capture_completed_event(capture, "30.00", "USD", "ann@example.com", at=START), paypal)
    await open_ticket(bot, slack, f"T-{dispute_id}")
    common = {"transaction_id": capture, "value": "30.00", "buyer_email": "ann@example.com"}
    paypal.add_dispute(dispute_resource(dispute_id, at=t0, status="WAITING_FOR_SELLER_RESPONSE", **common))
    await bot.paypal(dispute_event("UPDATED", dispute_id, at=t0, **common), paypal)
    await bot.settle()
    return slack.channel_messages("C0DISPUTES")[-1]


async def test_a_paypal_dispute_is_answered_from_slack_with_proof_of_delivery(
    database_url, slack: FakeSlack, paypal: FakePayPal
):
    settings = bot_settings(database_url, slack, paypal, refund_policy=POLICY)
    async with running_bot(settings, backoff_base=0.05) as bot:
        card = await paypal_dispute_card(bot, slack, paypal, "PP-D-EV1")
        await bot.click(slack, ActionId.DISPUTE_EVIDENCE, button_value(card, ActionId.DISPUTE_EVIDENCE), user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        modal = newest_view(slack)
        assert "takes this as your answer" in view_text(modal)
        await bot.submit(modal, user=OWNER, statement="The course was delivered and watched.")
        await bot.settle()
        await slack.wait_for(lambda s: "sent evidence to PayPal" in thread(s, card)[-1])

    [received] = paypal.dispute_desk.evidence
    [evidence] = received.evidences
    assert evidence["evidence_type"] == "PROOF_FOR_SOFTWARE_OR_SERVICE_DELIVERED"
    assert evidence["notes"].startswith("The course was delivered and watched.") and POLICY in evidence["notes"]
    name, content = received.files["file1"]
    assert name == "ticket-conversation.pdf" and "The download link has expired." in pdf_text(content)
    assert received.request_id is not None and received.request_id.startswith("dispute-evidence:")
    paths = [c.path for c in paypal.calls if "PP-D-EV1" in c.path]
    assert paths == ["/v1/customer/disputes/PP-D-EV1", "/v1/customer/disputes/PP-D-EV1/provide-evidence"]
    assert await evidence_state(database_url, "PP-D-EV1") == "submitted"
    assert not has_button(card, ActionId.DISPUTE_EVIDENCE)


async def test_disputes_are_accepted_from_slack_at_stripe_and_paypal(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, paypal: FakePayPal
):
    settings = bot_settings(database_url, slack, paypal, **provider_settings(stripe=stripe_api))
    async with running_bot(settings, backoff_base=0.05) as bot:
        stripe_card = await stripe_dispute_card(bot, slack, stripe_api, "dp_acc01", "pi_acc01")
        await bot.click(slack, ActionId.DISPUTE_ACCEPT, button_value(stripe_card, ActionId.DISPUTE_ACCEPT), user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 1)
        await bot.submit(newest_view(slack), user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "accepted the dispute" in thread(s, stripe_card)[-1])

        pp_capture = "CAPACC00000000001"
        await bot.paypal(capture_completed_event(pp_capture, "30.00", "USD", "pat@example.com", at=START), paypal)
        at = bot.runtime.clock.now().replace(microsecond=0)
        common = {"transaction_id": pp_capture, "value": "30.00", "buyer_email": "pat@example.com"}
        paypal.add_dispute(dispute_resource("PP-D-ACC", at=at, status="WAITING_FOR_SELLER_RESPONSE", **common))
        await bot.paypal(dispute_event("UPDATED", "PP-D-ACC", at=at, **common), paypal)
        await bot.settle()
        pp_card = slack.channel_messages("C0DISPUTES")[-1]
        await bot.click(slack, ActionId.DISPUTE_ACCEPT, button_value(pp_card, ActionId.DISPUTE_ACCEPT), user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 2)
        await bot.submit(newest_view(slack), user=OWNER, note="Sorry for the trouble; refund accepted.")
        await bot.settle()
        await slack.wait_for(lambda s: "accepted the dispute" in thread(s, pp_card)[-1])

    assert stripe_api.disputes.disputes["dp_acc01"].status == "lost"
    [close] = [c for c in stripe_api.calls if c.path == "/v1/disputes/dp_acc01/close"]
    assert close.idempotency_key == "dispute-accept:dp_acc01"
    assert paypal.dispute_desk.accepted == [("PP-D-ACC", "Sorry for the trouble; refund accepted.")]
    [accept] = [c for c in paypal.calls if c.path.endswith("/accept-claim")]
    assert accept.headers["PayPal-Request-Id"] == "dispute-accept:PP-D-ACC"
    assert await evidence_state(database_url, "dp_acc01") == "accepted"
    assert not has_button(stripe_card, ActionId.DISPUTE_ACCEPT) and not has_button(pp_card, ActionId.DISPUTE_ACCEPT)


async def test_a_dispute_no_longer_taking_evidence_fails_clearly_and_sends_nothing(
    database_url, slack: FakeSlack, stripe_api: FakeStripe, paypal: FakePayPal
):
    settings = bot_settings(database_url, slack, paypal, **provider_settings(stripe=stripe_api))
    async with running_bot(settings, backoff_base=0.05) as bot:
        pp_card = await paypal_dispute_card(bot, slack, paypal, "PP-D-LATE")
        # Meanwhile the buyer escalated and PayPal moved the dispute on: the bot's record is behind.
        paypal.add_dispute(dispute_resource("PP-D-LATE", status="UNDER_REVIEW", at=bot.runtime.clock.now()))
        await bot.click(slack, ActionId.DISPUTE_EVIDENCE, button_value(pp_card, ActionId.DISPUTE_EVIDENCE), user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 1)
        await bot.submit(newest_view(slack), user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "failed" in thread(s, pp_card)[-1])

        stripe_card = await stripe_dispute_card(bot, slack, stripe_api, "dp_late01", "pi_late01")
        stripe_api.disputes.disputes["dp_late01"].status = "under_review"
        value = button_value(stripe_card, ActionId.DISPUTE_EVIDENCE)
        await bot.click(slack, ActionId.DISPUTE_EVIDENCE, value, user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 2)
        await bot.submit(newest_view(slack), user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "failed" in thread(s, stripe_card)[-1])

    assert "PayPal no longer takes evidence for this dispute (it is under review)" in thread(slack, pp_card)[-1]
    assert not paypal.dispute_desk.evidence
    assert not any(c.path.endswith("/provide-evidence") for c in paypal.calls)
    assert "no longer accepts changes" in thread(slack, stripe_card)[-1]
    assert stripe_api.disputes.disputes["dp_late01"].evidence == {}
    assert await evidence_state(database_url, "PP-D-LATE") is None
    assert await evidence_state(database_url, "dp_late01") is None
    outcomes = [(action, outcome) for action, outcome, _ in await audit_trail(database_url)]
    assert outcomes.count(("dispute-evidence", "failed")) == 2


async def test_only_owners_answer_disputes_and_refusals_are_audited(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        card = await stripe_dispute_card(bot, slack, stripe_api, "dp_who01", "pi_who01")
        value = button_value(card, ActionId.DISPUTE_EVIDENCE)
        await bot.click(slack, ActionId.DISPUTE_EVIDENCE, value, user=AGENT, reply_to="agent")
        await bot.click(slack, ActionId.DISPUTE_ACCEPT, value, user=STRANGER, reply_to="stranger")
        await slack.wait_for(lambda s: "agent" in s.responses and "stranger" in s.responses)

    assert not slack.views
    assert "answering disputes is for the shop's owners" in slack.responses["agent"][0]["text"]
    assert "for the support team" in slack.responses["stranger"][0]["text"]
    assert not [c for c in stripe_api.calls if c.path.startswith(("/v1/files", "/v1/disputes"))]
    trail = await audit_trail(database_url)
    assert [(a, o, who) for a, o, who in trail] == [
        ("answer-dispute", "refused", AGENT),
        ("answer-dispute", "refused", STRANGER),
    ]
    assert json.dumps(slack.responses["agent"][0]).count("ephemeral") == 1


async def test_reminders_say_the_evidence_is_staged_and_stop_once_it_is_submitted(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    clock = SteadyClock()
    async with running_bot(settings, backoff_base=0.05, clock=clock) as bot:
        stripe_api.add_payment_intent("pi_rem01", 4900, "usd")
        stripe_api.disputes.add_dispute("dp_rem01", payment_intent="pi_rem01", amount=4900)
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_rem01")))
        # Due in 28 hours: the next reminder is 24 hours before, 4 hours from now, then 6 hours before.
        dispute = stripe_dispute(dispute_id="dp_rem01", pi="pi_rem01", due_by=bot.now() + 28 * 3600, created=bot.now())
        await bot.stripe(stripe_event("charge.dispute.created", dispute, created=bot.now()))
        await bot.settle()
        card = slack.channel_messages("C0DISPUTES")[-1]
        await bot.click(slack, ActionId.DISPUTE_EVIDENCE, button_value(card, ActionId.DISPUTE_EVIDENCE), user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        await bot.submit(newest_view(slack), user=OWNER, statement="Delivered at once.")
        await bot.settle()
        await slack.wait_for(lambda s: has_button(card, ActionId.DISPUTE_SUBMIT))

        clock.advance(4 * 3600)
        await bot.runtime.timers.tick()
        await bot.settle()
        reminder = thread(slack, card)[-1]
        assert "Evidence due in" in reminder and "staged but not submitted" in reminder

        await bot.click(slack, ActionId.DISPUTE_SUBMIT, button_value(card, ActionId.DISPUTE_SUBMIT), user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 2)
        await bot.submit(newest_view(slack), user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "submitted the evidence" in thread(s, card)[-1])
        clock.advance(18 * 3600)  # past the 6-hour reminder
        await bot.runtime.timers.tick()
        await bot.settle()

    assert "submitted the evidence" in thread(slack, card)[-1]
    assert sum("Evidence due in" in reply for reply in thread(slack, card)) == 1
