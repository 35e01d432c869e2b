"""Acknowledge on an on-call alert: stops its escalation and shows who has it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.core.errors import UsageError
from bot.core.slack_ids import ActionId
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import actor_of, require
from bot.oncall.alerts import acknowledge
from bot.policies.permissions import Action


def register(app: AsyncApp) -> None:
    app.action(ActionId.ACKNOWLEDGE)(answered(handle_acknowledge))


async def handle_acknowledge(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    value = str(action.get("value") or "")
    await require(deps, body, Action.ACKNOWLEDGE, subject=f"alert {value}")
    channel = deps.channels.oncall
    actor, now = actor_of(body), deps.clock.now()
    if not value.isdigit() or channel is None:
        raise UsageError("That alert is from an unknown version of the bot.")
    told = await deps.db.run(lambda session: acknowledge(session, int(value), actor, now, channel), urgent=True)
    deps.wake_outbox()
    await respond(response_type="ephemeral", replace_original=False, text=told)
