"""A modal's state comes back only as the bot sealed it: edited metadata, someone else's modal, a forged
`response_url` or a negative amount refund nothing, and long ticket ids still fit Slack's 3,000 characters."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

from bot.core.slack_ids import ActionId, Command
from bot.fakes.slack import FakeSlack, fake_slack_api
from bot.fakes.slack_requests import button_value, click_body, signed, view_text
from bot.fakes.stripe import FakeStripe
from tests.builders import stripe_charge, stripe_event, ticket_event
from tests.harness import bot_settings, provider_settings, running_bot

OWNER, OWNER2 = "U0OWNER", "U0OWNER2"


def newest_view(slack: FakeSlack) -> dict[str, Any]:
    return list(slack.views.values())[-1]


def state_of(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON the bot sealed (after its signature)."""
    return json.loads(view["private_metadata"].partition(".")[2])


def edited(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The view with its state changed and the signature left as it was: what a tampering client would send."""
    signature, _, body = view["private_metadata"].partition(".")
    state = json.loads(body) | changes
    return view | {"private_metadata": f"{signature}.{json.dumps(state, separators=(',', ':'))}"}


async def two_sales(bot: Any, stripe_api: FakeStripe) -> None:
    for pi in ("pi_mine0001", "pi_other001"):
        stripe_api.add_payment_intent(pi, 4900, "usd")
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi=pi, email=f"{pi}@example.com")))
    await bot.settle()


async def open_refund(bot: Any, slack: FakeSlack, pi: str, user: str = OWNER) -> dict[str, Any]:
    [card] = [m for m in slack.channel_messages("C0SALES") if pi in str(m.blocks) or pi in m.text]
    before = len(slack.views)
    assert await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=user) == 200
    await slack.wait_for(lambda s: len(s.views) > before)
    return newest_view(slack)


async def test_edited_modal_state_refunds_nothing(database_url, slack: FakeSlack, stripe_api: FakeStripe):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await two_sales(bot, stripe_api)
        [theirs] = state_of(await open_refund(bot, slack, "pi_other001"))["refunded"]
        modal = await open_refund(bot, slack, "pi_mine0001")
        [mine] = state_of(modal)["refunded"]

        # Another payment than the modal showed; an "already refunded" figure that would make a fresh key.
        for tampered, chosen in (
            (edited(modal, refunded={theirs: 0}), theirs),
            (edited(modal, refunded={mine: 1}), mine),
        ):
            status, answer = await bot.submit(tampered, user=OWNER, payment=chosen)
            assert status == 200
            assert "changed on the way" in view_text(answer["view"])
        # Someone else's modal, unchanged, submitted by another owner.
        status, answer = await bot.submit(modal, user=OWNER2)
        assert "opened by someone else" in view_text(answer["view"])
        await bot.settle()
    assert stripe_api.refunds == []


async def test_a_forged_response_url_is_never_posted_to(database_url, slack: FakeSlack, stripe_api: FakeStripe):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with fake_slack_api() as elsewhere, running_bot(settings, backoff_base=0.05) as bot:
        await two_sales(bot, stripe_api)
        [card] = [m for m in slack.channel_messages("C0SALES") if "pi_mine0001" in str(m.blocks)]
        # A click whose response_url names another host (here another server on this machine).
        body = parse_qs(click_body(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER))
        payload = json.loads(body["payload"][0]) | {"response_url": elsewhere.response_url("stolen")}
        raw = urlencode({"payload": json.dumps(payload)})
        status, _ = await bot.post("/slack/events", raw.encode(), signed(raw, timestamp=bot.now()))
        assert status == 200
        await slack.wait_for(lambda s: bool(s.views))
        modal = newest_view(slack)
        assert state_of(modal).get("response_url") is None  # left out of the state, as every empty field
        status, _answer = await bot.submit(modal, user=OWNER, amount="10.00")
        await bot.settle()
    assert [r["amount"] for r in stripe_api.refunds] == [1000]
    assert elsewhere.responses == {}


async def test_a_negative_or_zero_amount_is_refused_in_the_modal(database_url, slack, stripe_api: FakeStripe):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await two_sales(bot, stripe_api)
        modal = await open_refund(bot, slack, "pi_mine0001")
        for typed in ("-7.00", "0", "NaN", "99999999999999"):
            status, answer = await bot.submit(modal, user=OWNER, amount=typed)
            assert status == 200 and answer["response_action"] == "errors", (typed, answer)
            assert "amount" in answer["errors"]
        await bot.settle()
    assert stripe_api.refunds == []


async def test_a_long_ticket_id_still_fits_the_modal_state(database_url, slack: FakeSlack, stripe_api: FakeStripe):
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    # The longest ticket id the door lets in (the column holds 255 characters, on either database).
    long_id = "T-" + "9" * 253
    async with running_bot(settings) as bot:
        stripe_api.add_payment_intent("pi_long0001", 4900, "usd")
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_long0001", email="ann@example.com")))
        event = ticket_event("ticket.created", ticket_id=long_id, message_id="M-1", body="Refund please")
        assert (await bot.tickets(event))[0] == 200
        await bot.settle()
        assert await bot.slash(slack, Command.REFUND, long_id, user=OWNER) == 200
        await slack.wait_for(lambda s: bool(s.views))
        modal = newest_view(slack)
        assert len(modal["private_metadata"]) <= 3000
        status, answer = await bot.submit(modal, user=OWNER)
        assert status == 200 and "errors" not in answer and "view" not in answer, answer
        await bot.settle()
    assert [r["payment_intent"] for r in stripe_api.refunds] == ["pi_long0001"]
