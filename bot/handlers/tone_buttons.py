"""Tone in Slack: "Show message", "Not abusive" / "Yes, abusive", and the "Mark as abusive" message shortcut."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.cards.blocks import quote
from bot.core.errors import UsageError
from bot.core.slack_ids import ActionId, Shortcut
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import actor_of, require
from bot.policies.permissions import Action
from bot.storage.models.tickets import TicketMessage
from bot.storage.store import customer_message_shown_at
from bot.tone.review import review_tone


def register(app: AsyncApp) -> None:
    app.action(ActionId.SHOW_MESSAGE)(answered(handle_show_message))
    app.action(ActionId.NOT_ABUSIVE)(answered(handle_review_button))
    app.action(ActionId.IS_ABUSIVE)(answered(handle_review_button))
    app.shortcut(Shortcut.MARK_ABUSIVE)(answered(handle_mark_abusive))


async def handle_show_message(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    await require(deps, body, Action.LOOK_UP, subject="a hidden message")
    async with deps.db.transaction(read_only=True) as session:
        message = await session.get(TicketMessage, _message_id(action))
    if message is None:
        text = "That message is no longer on record."
    else:
        text = f"Only you can see this. The customer wrote:\n{quote(message.body, 2800)}"
    await respond(response_type="ephemeral", replace_original=False, text=text)


async def handle_review_button(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    await _review(deps, body, _message_id(action), action["action_id"] == ActionId.IS_ABUSIVE, respond)


async def handle_mark_abusive(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, deps: Deps) -> None:
    await ack()
    channel = (body.get("channel") or {}).get("id")
    ts = (body.get("message") or {}).get("ts")
    async with deps.db.transaction(read_only=True) as session:
        message_id = await customer_message_shown_at(session, channel, ts)
    if message_id is None:
        await respond(
            response_type="ephemeral",
            text="Use *Mark as abusive* on a customer's message in a ticket's thread, or on the ticket's card.",
        )
        return
    await _review(deps, body, message_id, True, respond)


async def _review(deps: Deps, body: dict[str, Any], message_id: int, abusive: bool, respond: AsyncRespond) -> None:
    await require(deps, body, Action.REVIEW_TONE, subject=f"ticket message {message_id}")
    actor, now = actor_of(body), deps.clock.now()
    reviewed = await deps.db.run(
        lambda session: review_tone(session, message_id, abusive, actor, now, deps.channels), urgent=True
    )
    deps.wake_outbox()
    await respond(response_type="ephemeral", replace_original=False, text=reviewed.notice)


def _message_id(action: dict[str, Any]) -> int:
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise UsageError("That button is from an unknown version of the bot.")
    return int(value)
