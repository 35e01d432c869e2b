"""Two-person approval of big refunds, end to end: asked by one owner, approved, declined or left to expire, carried
out once by the worker only after a second owner approved; the card and the requester told each outcome."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from bot.core.slack_ids import ActionId
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.licences import FakeKeygen
from bot.fakes.mailing_lists import FakeMailchimp
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import button_value, view_text
from bot.fakes.stripe import FakeStripe
from tests.builders import stripe_charge, stripe_event
from tests.clocks import SteadyClock
from tests.e2e.test_home import button_value_in, open_home, text_of
from tests.e2e.test_part_ways import LICENCE, confirm_part_ways, customer_everywhere, summaries
from tests.harness import (
    audit_trail,
    bot_settings,
    open_ticket,
    provider_settings,
    running_bot,
    shown,
    thread,
    unpaced,
)

OWNER, SECOND, AGENT = "U0OWNER", "U0OWNER2", "U0AGENT"


def approval_settings(database_url: str, slack: FakeSlack, stripe_api: FakeStripe, **extra: Any) -> Any:
    return bot_settings(
        database_url,
        slack,
        owners=(OWNER, SECOND),
        refund_approval_at=Decimal(100),  # $100.00
        **(provider_settings(stripe=stripe_api) | extra),
    )


async def ask_for_refund(bot, slack: FakeSlack, pi: str, amount: str | None = None) -> dict[str, Any]:
    """OWNER presses Refund on the sale's card and confirms; returns what the modal showed after."""
    await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi=pi, amount=49000)))
    await bot.settle()
    [card] = [m for m in slack.channel_messages("C0SALES") if pi in shown(m)]
    before = len(slack.views)
    await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER)
    await slack.wait_for(lambda s: len(s.views) > before)
    modal = list(slack.views.values())[-1]
    typed = {"amount": amount} if amount else {}
    status, answer = await bot.submit(modal, user=OWNER, **typed)
    assert status == 200, answer
    await bot.settle()
    return answer


def approval_cards(slack: FakeSlack) -> list[Any]:
    return [m for m in slack.channel_messages("C0SALES") if "Refund of" in m.text]


def sale_card(slack: FakeSlack, pi: str) -> Any:
    [card] = [m for m in slack.channel_messages("C0SALES") if pi in shown(m) and "Refund of" not in m.text]
    return card


async def test_a_big_refund_waits_for_a_second_owner_and_is_made_once_when_approved(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_big01", 49000, "usd")
    async with running_bot(approval_settings(database_url, slack, stripe_api), backoff_base=0.05) as bot:
        answer = await ask_for_refund(bot, slack, "pi_big01")
        assert answer["response_action"] == "update"
        assert "waits for a second owner's approval" in view_text(answer["view"])
        await slack.wait_for(lambda s: bool(approval_cards(s)))
        [card] = approval_cards(slack)
        approval = button_value(card, ActionId.APPROVE_REFUND)
        assert not stripe_api.refunds  # nothing has moved yet

        # The requester may not approve their own refund, and is told why, privately.
        await bot.click(slack, ActionId.APPROVE_REFUND, approval, user=OWNER, reply_to="own")
        # An agent may not decide at all.
        await bot.click(slack, ActionId.APPROVE_REFUND, approval, user=AGENT, reply_to="agent")
        await slack.wait_for(lambda s: {"own", "agent"} <= set(s.responses))
        assert not stripe_api.refunds

        # The second owner approves; a double click and a second press decide once.
        await asyncio.gather(
            bot.click(slack, ActionId.APPROVE_REFUND, approval, user=SECOND, reply_to="second"),
            bot.click(slack, ActionId.APPROVE_REFUND, approval, user=SECOND, reply_to="second"),
        )
        await slack.wait_for(lambda s: len(s.responses.get("second", [])) == 2)
        await bot.settle()
        await slack.wait_for(
            lambda s: "Approved by" in shown(approval_cards(s)[0]) and "refunded" in shown(approval_cards(s)[0])
        )

    own, agent = slack.responses["own"][0], slack.responses["agent"][0]
    assert own["response_type"] == "ephemeral" and "another owner has to approve it" in own["text"]
    assert "for the shop's owners" in agent["text"]
    told = sorted(r["text"] for r in slack.responses["second"])
    assert told[0].startswith("Already approved by") and told[1].startswith("Approved: the refund of $490.00")

    assert [(r["payment_intent"], r["amount"]) for r in stripe_api.refunds] == [("pi_big01", 49000)]
    [card] = approval_cards(slack)  # the same message, updated in place
    assert f"Approved by <@{SECOND}>" in shown(card) and "refunded $490.00" in shown(card)
    assert ActionId.APPROVE_REFUND not in shown(card)  # no buttons once decided
    assert any(f"<@{OWNER}>: <@{SECOND}> approved your refund of $490.00" in line for line in thread(slack, card))
    [outcome] = thread(slack, sale_card(slack, "pi_big01"))
    assert f"<@{OWNER}> refunded $490.00" in outcome and f"(approved by <@{SECOND}>)" in outcome

    trail = await audit_trail(database_url)
    assert trail[0] == ("refund", "attempted", OWNER)
    assert ("approve-refund", "refused", OWNER) in trail
    assert ("decide-refund", "refused", AGENT) in trail
    assert trail.count(("approve-refund", "succeeded", SECOND)) == 1
    assert trail.count(("approve-refund", "already-done", SECOND)) == 1
    assert trail[-1] == ("refund", "succeeded", OWNER)


async def test_a_big_refund_nobody_approves_in_time_is_closed_and_never_made(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_late01", 49000, "usd")
    settings = approval_settings(database_url, slack, stripe_api, refund_approval_hours=2)
    clock = SteadyClock()
    async with running_bot(settings, clock=clock) as bot:
        await ask_for_refund(bot, slack, "pi_late01")
        await slack.wait_for(lambda s: bool(approval_cards(s)))
        approval = button_value(approval_cards(slack)[0], ActionId.APPROVE_REFUND)
        clock.advance(2 * 3600 + 1)
        await slack.wait_for(lambda s: "Nobody approved it" in shown(approval_cards(s)[0]), timeout=10)
        await bot.settle()
        await bot.click(slack, ActionId.APPROVE_REFUND, approval, user=SECOND, reply_to="late")
        await slack.wait_for(lambda s: "late" in s.responses)

    assert not stripe_api.refunds
    [card] = approval_cards(slack)
    assert "⌛" in card.text or "expired" in card.text
    assert any(f"<@{OWNER}>: nobody approved your refund of $490.00 in time" in line for line in thread(slack, card))
    [outcome] = thread(slack, sale_card(slack, "pi_late01"))
    assert "failed: not approved: no second owner approved it within 2 h" in outcome
    assert slack.responses["late"][0]["text"].startswith("Too late")
    trail = await audit_trail(database_url)
    assert ("expire-refund", "succeeded", "supportbot") in trail and ("refund", "failed", OWNER) in trail
    assert ("approve-refund", "already-done", SECOND) in trail


async def test_a_declined_refund_is_never_made_and_asking_again_waits_again(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_no01", 49000, "usd")
    async with running_bot(approval_settings(database_url, slack, stripe_api)) as bot:
        await ask_for_refund(bot, slack, "pi_no01")
        await slack.wait_for(lambda s: bool(approval_cards(s)))
        approval = button_value(approval_cards(slack)[0], ActionId.DECLINE_REFUND)
        await bot.click(slack, ActionId.DECLINE_REFUND, approval, user=SECOND, reply_to="decline")
        await bot.settle()
        await slack.wait_for(lambda s: "Declined by" in shown(approval_cards(s)[0]))
        # The same refund asked for again is a new request: it waits for a second owner again.
        [card] = [m for m in slack.channel_messages("C0SALES") if "pi_no01" in shown(m) and "Refund of" not in m.text]
        await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 2)
        await bot.submit(list(slack.views.values())[-1], user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: len(approval_cards(s)) == 2)

    assert not stripe_api.refunds
    first, second = approval_cards(slack)
    assert f"Declined by <@{SECOND}>" in shown(first) and ActionId.APPROVE_REFUND not in shown(first)
    assert any(f"<@{SECOND}> declined your refund of $490.00" in line for line in thread(slack, first))
    assert has_buttons(second)
    assert slack.responses["decline"][0]["text"].startswith("Declined: nothing will be refunded")
    outcome = thread(slack, sale_card(slack, "pi_no01"))
    assert any(f"failed: not approved: declined by name-{SECOND.lower()}" in line for line in outcome)
    trail = await audit_trail(database_url)
    assert ("decline-refund", "succeeded", SECOND) in trail and trail.count(("refund", "attempted", OWNER)) == 2


def has_buttons(message: Any) -> bool:
    return ActionId.APPROVE_REFUND in shown(message) and ActionId.DECLINE_REFUND in shown(message)


async def test_refunds_below_the_threshold_go_ahead_and_other_currencies_always_wait(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_small01", 49000, "usd")
    stripe_api.add_payment_intent("pi_euro01", 2000, "eur")
    async with running_bot(approval_settings(database_url, slack, stripe_api)) as bot:
        answer = await ask_for_refund(bot, slack, "pi_small01", amount="99.99")
        assert "response_action" not in answer  # the modal just closes, as without approval
        await bot.settle()
        await slack.wait_for(lambda s: bool(s.replies("C0SALES", sale_card(s, "pi_small01").ts)))
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_euro01", amount=2000, currency="eur")))
        await bot.settle()
        [card] = [m for m in slack.channel_messages("C0SALES") if "pi_euro01" in shown(m)]
        await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER)
        await slack.wait_for(lambda s: len(s.views) == 2)
        _, answer = await bot.submit(list(slack.views.values())[-1], user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: bool(approval_cards(s)))

    assert [(r["payment_intent"], r["amount"]) for r in stripe_api.refunds] == [("pi_small01", 9999)]
    assert "waits for a second owner's approval" in view_text(answer["view"])
    [approval] = approval_cards(slack)
    assert "€20.00" in shown(approval) or "20.00 EUR" in shown(approval)


async def test_a_part_ways_whose_refund_is_big_does_the_rest_and_refunds_once_approved(
    database_url,
    slack: FakeSlack,
    stripe_api: FakeStripe,
    keygen: FakeKeygen,
    mailchimp: FakeMailchimp,
    helpdesk: FakeHelpDesk,
):
    customer_everywhere(stripe_api, keygen, mailchimp)  # a $49.00 payment
    providers = provider_settings(stripe=stripe_api, keygen=keygen, mailchimp=mailchimp, helpdesk=helpdesk)
    settings = bot_settings(database_url, slack, owners=(OWNER, SECOND), refund_approval_at=Decimal(40), **providers)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_partways1")))
        card = await open_ticket(bot, slack, "T-60", callback_url=helpdesk.callback_url)
        await confirm_part_ways(bot, slack, card)
        await bot.settle()
        await slack.wait_for(lambda s: bool(approval_cards(s)))
        # Everything but the refund is done; the summary waits for it.
        assert keygen.status_of(LICENCE) == "suspended" and not stripe_api.refunds
        assert mailchimp.status_of("ann@example.com") == "unsubscribed"
        assert not summaries(slack, card)
        [approval_card] = approval_cards(slack)
        assert "Part of parting ways" in shown(approval_card)
        approval = button_value(approval_card, ActionId.APPROVE_REFUND)
        await bot.click(slack, ActionId.APPROVE_REFUND, approval, user=SECOND)
        await bot.settle()
        await slack.wait_for(lambda s: bool(summaries(s, card)))

    assert [(r["payment_intent"], r["amount"]) for r in stripe_api.refunds] == [("pi_partways1", 4900)]
    [summary] = summaries(slack, card)
    assert "every step done" in summary and "✅ Refund: refunded $49.00" in summary
    trail = await audit_trail(database_url)
    assert ("approve-refund", "succeeded", SECOND) in trail and ("part-ways", "succeeded", OWNER) in trail


async def test_the_owners_home_tab_lists_refunds_awaiting_approval_with_the_cards_buttons(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_home01", 49000, "usd")
    async with running_bot(approval_settings(database_url, slack, stripe_api), pacer=unpaced()) as bot:
        empty = text_of(await open_home(bot, slack, SECOND))
        await ask_for_refund(bot, slack, "pi_home01")
        await slack.wait_for(lambda s: bool(approval_cards(s)))
        second = await open_home(bot, slack, SECOND)
        requester = await open_home(bot, slack, OWNER)
        agent = text_of(await open_home(bot, slack, AGENT))
        approval = button_value_in(second, ActionId.APPROVE_REFUND)
        assert approval == button_value(approval_cards(slack)[0], ActionId.APPROVE_REFUND)
        await bot.click(slack, ActionId.APPROVE_REFUND, approval, user=SECOND, reply_to="home")
        await bot.settle()
        await slack.wait_for(lambda s: "No refund is waiting" in text_of(s.home_of(SECOND)), timeout=15)

    assert "No refund is waiting for a second owner." in empty
    assert "Refunds awaiting approval" in text_of(second) and "$490.00" in text_of(second)
    assert f"asked by <@{OWNER}>" in text_of(second) and "pi_home01" in text_of(second)
    # The requester sees their own request with Withdraw only; an agent does not see the section.
    assert "you asked; another owner approves it" in text_of(requester) and "Withdraw" in text_of(requester)
    with pytest.raises(LookupError):
        button_value_in(requester, ActionId.APPROVE_REFUND)
    assert "Refunds awaiting approval" not in agent
    assert [(r["payment_intent"], r["amount"]) for r in stripe_api.refunds] == [("pi_home01", 49000)]
    assert f"Approved by <@{SECOND}>" in shown(approval_cards(slack)[0])


async def test_two_owners_on_two_replicas_approve_and_decline_at_once_and_one_decision_stands(
    database_url, slack: FakeSlack, stripe_api: FakeStripe
):
    stripe_api.add_payment_intent("pi_race01", 49000, "usd")
    third = "U0OWNER3"
    settings = approval_settings(database_url, slack, stripe_api).model_copy(update={"owners": (OWNER, SECOND, third)})
    async with running_bot(settings) as first:
        await ask_for_refund(first, slack, "pi_race01")
        await slack.wait_for(lambda s: bool(approval_cards(s)))
        approval = button_value(approval_cards(slack)[0], ActionId.APPROVE_REFUND)
        async with running_bot(settings) as second:
            await asyncio.gather(
                first.click(slack, ActionId.APPROVE_REFUND, approval, user=SECOND, reply_to="a"),
                second.click(slack, ActionId.DECLINE_REFUND, approval, user=third, reply_to="b"),
                second.click(slack, ActionId.APPROVE_REFUND, approval, user=third, reply_to="c"),
            )
            await slack.wait_for(lambda s: {"a", "b", "c"} <= set(s.responses))
            await first.settle()
            await second.settle()

    told = [slack.responses[name][0]["text"] for name in ("a", "b", "c")]
    decided = [text for text in told if not text.startswith("Already")]
    assert len(decided) == 1, told
    trail = await audit_trail(database_url)
    assert len([e for e in trail if e[0] in ("approve-refund", "decline-refund") and e[1] == "succeeded"]) == 1
    assert len(stripe_api.refunds) == (1 if decided[0].startswith("Approved") else 0)
