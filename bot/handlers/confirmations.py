"""Confirmed modals: record the action, then close the modal; the worker carries it out after the answer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.actions import confirm
from bot.actions.confirm import Answer
from bot.actions.kinds import PERMISSION, Kind
from bot.cards.modals import metadata_of, notice
from bot.deps import Deps
from bot.errors import UsageError
from bot.handlers.guard import actor_of, permitted
from bot.slack_ids import ViewId

log = logging.getLogger(__name__)

_KINDS = {
    ViewId.REFUND: Kind.REFUND,
    ViewId.REVOKE: Kind.REVOKE_LICENCE,
    ViewId.UNSUBSCRIBE: Kind.UNSUBSCRIBE,
    ViewId.PART_WAYS: Kind.PART_WAYS,
    ViewId.REPLY: Kind.REPLY,
    ViewId.REPLY_HELD: Kind.REPLY,
}


def register(app: AsyncApp) -> None:
    for view_id in _KINDS:
        app.view(view_id)(handle_confirmation_submission)


async def handle_confirmation_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    kind = _KINDS[ViewId(view["callback_id"])]
    label = metadata_of(view).get("label")
    # Checked again on submit: the modal may have been opened before the person's role changed.
    if (refusal := await permitted(deps, body, PERMISSION[kind], subject=label)) is not None:
        await ack(response_action="update", view=notice("Not allowed", refusal))
        return
    actor = actor_of(body)
    try:
        answer = await deps.db.run(lambda session: _record(kind, session, view, actor, deps), urgent=True)
    except UsageError as exc:
        await ack(response_action="update", view=notice("Cannot do that", str(exc)))
        return
    await ack(**answer.ack_arguments())
    if answer.recorded:
        deps.wake_actions()


async def _record(kind: Kind, session: Any, view: dict[str, Any], actor: confirm.Actor, deps: Deps) -> Answer:
    now = deps.clock.now()
    providers = deps.providers
    list_name = providers.mailing_list.name if providers.mailing_list else None
    match kind:
        case Kind.REFUND:
            return await confirm.confirm_refund(session, view, actor, now)
        case Kind.REVOKE_LICENCE:
            return await confirm.confirm_revoke(session, view, actor, now)
        case Kind.UNSUBSCRIBE:
            if list_name is None:
                raise UsageError("No mailing list is configured any more.")
            return await confirm.confirm_unsubscribe(session, view, actor, now, list_name)
        case Kind.PART_WAYS:
            return await confirm.confirm_part_ways(session, view, actor, now, list_name)
        case _ if view["callback_id"] == ViewId.REPLY_HELD:
            return await confirm.confirm_held_reply(session, view, actor, now)
        case _:
            return await confirm.confirm_reply(session, view, actor, now)
