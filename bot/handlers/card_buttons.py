"""The buttons on cards: Take over, Reply, Refund, Revoke licence, Unsubscribe, Part ways, the dispute's answers;
and Retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.answers import Answer
from bot.actions.confirm import retry_reply, take_over
from bot.actions.dispute_answers import DISPUTE_OFFERS
from bot.actions.kinds import PERMISSION
from bot.actions.offers import OFFERS, Origin
from bot.actions.part_ways import retry_failed_steps
from bot.actions.targets import scope_of_button
from bot.cards.text import escape
from bot.core.action_kinds import Kind
from bot.core.errors import UsageError
from bot.core.slack_ids import ActionId
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import actor_of, require, response_url_of
from bot.handlers.offers import open_offer
from bot.policies.routing import Topic, channel_for

_OPENS = {
    ActionId.REPLY: Kind.REPLY,
    ActionId.NOTE: Kind.NOTE,
    ActionId.REFUND: Kind.REFUND,
    ActionId.REVOKE: Kind.REVOKE_LICENCE,
    ActionId.UNSUBSCRIBE: Kind.UNSUBSCRIBE,
    ActionId.PART_WAYS: Kind.PART_WAYS,
    ActionId.DISPUTE_EVIDENCE: Kind.DISPUTE_EVIDENCE,
    ActionId.DISPUTE_SUBMIT: Kind.DISPUTE_SUBMIT,
    ActionId.DISPUTE_ACCEPT: Kind.DISPUTE_ACCEPT,
}
_OFFERS = OFFERS | DISPUTE_OFFERS
_BY_ACTION_ID = {action_id.value: kind for action_id, kind in _OPENS.items()}


def register(app: AsyncApp) -> None:
    for action_id in _OPENS:
        app.action(action_id)(answered(handle_card_button))
    app.action(ActionId.TAKE_OVER)(answered(handle_takeover_button))
    app.action(ActionId.RETRY_STEPS)(answered(handle_retry_button))
    app.action(ActionId.RETRY_REPLY)(answered(handle_retry_reply_button))


async def handle_card_button(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    await ack()
    kind = _BY_ACTION_ID[action["action_id"]]
    await require(deps, body, PERMISSION[kind], subject=action.get("value"))
    origin = Origin(
        body["trigger_id"],
        response_url_of(deps, body),
        button_value=str(action.get("value")),
        requester=actor_of(body).id,
    )
    await open_offer(client, origin.trigger_id, await _OFFERS[kind](deps, origin))


async def handle_takeover_button(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    await require(deps, body, PERMISSION[Kind.TAKE_OVER], subject=action.get("value"))
    answer = await deps.db.run(lambda session: _take_over(session, str(action.get("value")), body, deps))
    deps.wake_actions()
    if answer.notice:
        await respond(response_type="ephemeral", replace_original=False, text=escape(answer.notice))


async def _take_over(session: AsyncSession, value: str, body: dict[str, Any], deps: Deps) -> Answer:
    scope = await scope_of_button(session, value)
    if scope.ticket is None:
        raise UsageError("Only a ticket can be taken over.")
    report = {"subject": "ticket", "id": scope.ticket.id, "subject_label": scope.label}
    support = channel_for(Topic.TICKET, deps.channels)
    return await take_over(session, scope.ticket, actor_of(body), deps.clock.now(), report, support)


async def handle_retry_button(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    await ack()

    async def retry(session: AsyncSession, action_id: int) -> str:
        retried = await retry_failed_steps(session, action_id, actor_of(body), deps.clock.now(), deps.approvals)
        return (
            f"Retrying {retried} step(s); the outcome follows in the thread." if retried else "Nothing left to retry."
        )

    await _retry(body, action, respond, deps, PERMISSION[Kind.PART_WAYS], "retry failed steps", retry)


async def handle_retry_reply_button(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    await ack()

    async def retry(session: AsyncSession, action_id: int) -> str:
        answer = await retry_reply(session, action_id, actor_of(body), deps.clock.now())
        return answer.notice or "Sending the reply again; the outcome follows in the thread."

    await _retry(body, action, respond, deps, PERMISSION[Kind.REPLY], "retry a reply", retry)


async def _retry(
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    deps: Deps,
    permission: Any,
    subject: str,
    retry: Callable[[AsyncSession, int], Awaitable[str]],
) -> None:
    """A retry button, whatever it retries: permission, the action id from the button, the retry, one answer."""
    await require(deps, body, permission, subject=subject)
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise UsageError("That retry button is from an unknown version of the bot.")
    text = await deps.db.run(lambda session: retry(session, int(value)))
    deps.wake_actions()
    await respond(response_type="ephemeral", replace_original=False, text=text)
