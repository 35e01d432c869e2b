"""`/refund`, `/revoke`, `/unsubscribe`, `/partways`, `/takeover`: the same actions as the cards' buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.actions.confirm import take_over
from bot.actions.kinds import PERMISSION
from bot.actions.offers import OFFERS, Origin
from bot.actions.targets import TargetKind, read_target, scope_of_words
from bot.cards.text import escape, md
from bot.core.action_kinds import Kind
from bot.core.errors import UsageError, quoted
from bot.core.slack_ids import Command
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import actor_of, require, response_url_of
from bot.handlers.offers import open_offer
from bot.policies.routing import Topic, channel_for

USAGE = {
    Command.REFUND: "/refund <payment id | email> [amount] [note]",
    Command.REVOKE: "/revoke <licence key | email>",
    Command.UNSUBSCRIBE: "/unsubscribe <email>",
    Command.PARTWAYS: "/partways <email | ticket id>",
    Command.TAKEOVER: "/takeover <ticket id>",
}
_KINDS = {
    Command.REFUND: Kind.REFUND,
    Command.REVOKE: Kind.REVOKE_LICENCE,
    Command.UNSUBSCRIBE: Kind.UNSUBSCRIBE,
    Command.PARTWAYS: Kind.PART_WAYS,
}


def register(app: AsyncApp) -> None:
    for command in _KINDS:
        app.command(command)(answered(handle_action_command))
    app.command(Command.TAKEOVER)(answered(handle_takeover_command))


async def handle_action_command(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    name = Command(command["command"])
    kind = _KINDS[name]
    words = (command.get("text") or "").split()
    if not words or words[0] in ("help", "-h", "--help"):
        await respond(response_type="ephemeral", text=f"Usage: `{USAGE[name]}`")
        return
    await require(deps, command, PERMISSION[kind], subject=words[0])
    target = read_target(words[0])
    if name == Command.UNSUBSCRIBE and target.kind != TargetKind.EMAIL:
        await respond(response_type="ephemeral", text=f"Give an email address. Usage: `{USAGE[name]}`")
        return
    amount, note = _amount_and_note(words[1:]) if name == Command.REFUND else (None, None)
    origin = Origin(
        command["trigger_id"],
        response_url_of(deps, command),
        target=target,
        amount=amount,
        note=note,
        requester=actor_of(command).id,
    )
    try:
        await open_offer(client, origin.trigger_id, await OFFERS[kind](deps, origin))
    except UsageError as exc:
        await respond(response_type="ephemeral", text=md("{}\nUsage: `{}`", str(exc), USAGE[name]))


async def handle_takeover_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, deps: Deps) -> None:
    await ack()
    words = (command.get("text") or "").split()
    if not words:
        await respond(response_type="ephemeral", text=f"Usage: `{USAGE[Command.TAKEOVER]}`")
        return
    await require(deps, command, PERMISSION[Kind.TAKE_OVER], subject=words[0])
    try:
        async with deps.db.transaction() as session:
            scope = await scope_of_words(session, read_target(words[0]))
            if scope.ticket is None:
                raise UsageError(f"No open ticket is on record for {quoted(words[0])}.")
            report = {
                "subject": "ticket",
                "id": scope.ticket.id,
                "subject_label": scope.label,
                "response_url": response_url_of(deps, command),
            }
            support = channel_for(Topic.TICKET, deps.channels)
            answer = await take_over(session, scope.ticket, actor_of(command), deps.clock.now(), report, support)
    except UsageError as exc:
        await respond(response_type="ephemeral", text=md("{}\nUsage: `{}`", str(exc), USAGE[Command.TAKEOVER]))
        return
    deps.wake_actions()
    await respond(response_type="ephemeral", text=escape(answer.notice) or md("You have taken over {}.", scope.label))


def _amount_and_note(words: list[str]) -> tuple[str | None, str | None]:
    """`/refund x 12.50 wrong product` -> ("12.50", "wrong product"); an amount is optional."""
    if words and any(ch.isdigit() for ch in words[0]) and not any(ch.isalpha() for ch in words[0].strip("€$£")):
        return words[0], " ".join(words[1:]) or None
    return None, " ".join(words) or None
