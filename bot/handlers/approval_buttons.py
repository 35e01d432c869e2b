"""Approve and Decline, on an approval card or the owners' Home tab: one handler, so both work alike."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.actions.approvals import Verdict, decide
from bot.core.errors import UsageError
from bot.core.slack_ids import ActionId
from bot.handlers.deps import Deps
from bot.handlers.errors import answered, tell
from bot.handlers.guard import actor_of, require
from bot.policies.permissions import Action

_VERDICTS = {ActionId.APPROVE_REFUND.value: Verdict.APPROVE, ActionId.DECLINE_REFUND.value: Verdict.DECLINE}


def register(app: AsyncApp) -> None:
    app.action(ActionId.APPROVE_REFUND)(answered(handle_refund_decision))
    app.action(ActionId.DECLINE_REFUND)(answered(handle_refund_decision))


async def handle_refund_decision(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    deps: Deps,
) -> None:
    await ack()
    verdict = _VERDICTS[action["action_id"]]
    value = str(action.get("value") or "")
    await require(deps, body, Action.DECIDE_REFUND, subject=f"refund approval {value}")
    actor, now = actor_of(body), deps.clock.now()
    if not value.isdigit():
        raise UsageError("That approval button is from an unknown version of the bot.")
    told = await deps.db.run(
        lambda session: decide(session, int(value), verdict, actor, deps.settings.owners, now), urgent=True
    )
    deps.wake_actions()
    deps.wake_outbox()
    await tell(body, respond, client, told, "Refund approval")
