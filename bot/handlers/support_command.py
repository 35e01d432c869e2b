"""`/support`: help, and how the bot's delivery is doing."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from sqlalchemy import func, select

from bot.core.slack_ids import Command, Event
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import actor_of, permitted
from bot.policies.permissions import Action
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus
from bot.tone.preferences import Choice, preference, set_preference
from bot.tone.retrain import status_line

HELP = """*supportbot* posts sales, tickets and disputes here as they happen.
• `/support help` — this help
• `/support status` — what is waiting to be posted, and anything that failed (agents and owners)
• `/customer <email>` — the customer's purchases, refunds, disputes and tickets
• `/takeover <ticket id>` — make a ticket yours (agents and owners)
• `/refund <payment id | email> [amount] [note]` — refund, after a confirmation (owners)
• `/revoke <licence key | email>` — revoke a licence (owners)
• `/unsubscribe <email>` — take someone off the mailing list (owners)
• `/partways <email | ticket id>` — refund, revoke, unsubscribe, a courteous goodbye and close the ticket (owners)
• `/audit [email | @person | ticket id] [since]` — who did what, from the audit trail
• `/support hide-abusive on|off` — hide abusive messages behind a *Show message* button (owners; on by default)
The cards' buttons do the same. Every action asks for confirmation, runs once and is written to the audit trail.
A message the bot missed: *Mark as abusive* in the message's ⋮ menu. A warning it got wrong: *Not abusive*."""


def register(app: AsyncApp) -> None:
    app.command(Command.SUPPORT)(answered(handle_support_command))
    app.event(Event.APP_MENTION)(answered(handle_app_mention))


async def handle_support_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, deps: Deps) -> None:
    await ack()
    words = (command.get("text") or "").lower().split()
    if words[:1] == ["status"]:
        # Queue sizes and failures are the support team's business, not the whole workspace's.
        refusal = await permitted(deps, command, Action.VIEW_STATUS, subject="delivery status")
        await respond(response_type="ephemeral", text=refusal or await _status(deps))
    elif words[:1] == ["hide-abusive"]:
        await respond(response_type="ephemeral", text=await _hide_abusive(deps, command, words[1:]))
    else:
        await respond(response_type="ephemeral", text=HELP)


async def _hide_abusive(deps: Deps, command: dict[str, Any], words: list[str]) -> str:
    if words not in (["on"], ["off"]):
        async with deps.db.transaction(read_only=True) as session:
            on = await preference(session, Choice.HIDE_ABUSIVE)
        return f"Abusive messages are {'hidden' if on else 'shown'}. Use `/support hide-abusive on` or `off`."
    if (refusal := await permitted(deps, command, Action.CHOOSE_PREFERENCES, subject=Choice.HIDE_ABUSIVE)) is not None:
        return refusal
    on, actor = words == ["on"], actor_of(command)
    async with deps.db.transaction() as session:
        changed = await set_preference(session, Choice.HIDE_ABUSIVE, on, actor.id, actor.name, deps.clock.now())
    state = "hidden behind a *Show message* button" if on else "shown as written"
    if not changed:
        return f"Abusive messages were already {state}."
    return f"From now on, abusive messages are {state}. Messages already posted stay as they are."


async def handle_app_mention(event: dict[str, Any], say: AsyncSay) -> None:
    await say(text=HELP, thread_ts=event.get("thread_ts") or event.get("ts"))


async def _status(deps: Deps) -> str:
    async with deps.db.transaction(read_only=True) as session:
        waiting = await session.scalar(
            select(func.count()).where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        )
        failed_posts = await session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.FAILED))
        unapplied = await session.scalar(select(func.count()).where(InboundEvent.status == InboundStatus.PENDING))
        set_aside = await session.scalar(select(func.count()).where(InboundEvent.status == InboundStatus.QUARANTINED))
        tone_model = await status_line(session)
    return (
        f"*Delivery*: {waiting} message(s) waiting, {failed_posts} failed for good\n"
        f"*Webhooks*: {unapplied} event(s) being applied, {set_aside} set aside as unusable (`supportbot doctor`)\n"
        f"*Tone model*: {tone_model}"
    )
