"""Confirmed modals: record the action, then close the modal; the worker carries it out after the answer."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.actions import confirm, dispute_answers
from bot.actions.answers import Answer
from bot.actions.kinds import PERMISSION
from bot.actions.modal_state import ModalContext, TamperedStateError, modal_state_for
from bot.actions.notes import confirm_note
from bot.actions.part_ways import confirm_part_ways
from bot.actions.record import Actor
from bot.actions.submission import Submission
from bot.cards.modals import VALUE, notice
from bot.core.action_kinds import Kind
from bot.core.errors import UsageError
from bot.core.slack_ids import ViewId
from bot.handlers.deps import Deps
from bot.handlers.errors import answered
from bot.handlers.guard import actor_of, permitted

log = logging.getLogger(__name__)

_KINDS = {
    ViewId.REFUND: Kind.REFUND,
    ViewId.REVOKE: Kind.REVOKE_LICENCE,
    ViewId.UNSUBSCRIBE: Kind.UNSUBSCRIBE,
    ViewId.PART_WAYS: Kind.PART_WAYS,
    ViewId.REPLY: Kind.REPLY,
    ViewId.REPLY_HELD: Kind.REPLY,
    ViewId.NOTE: Kind.NOTE,
    ViewId.DISPUTE_EVIDENCE: Kind.DISPUTE_EVIDENCE,
    ViewId.DISPUTE_SUBMIT: Kind.DISPUTE_SUBMIT,
    ViewId.DISPUTE_ACCEPT: Kind.DISPUTE_ACCEPT,
}


def register(app: AsyncApp) -> None:
    for view_id in _KINDS:
        app.view(view_id)(answered(handle_confirmation_submission))


async def handle_confirmation_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    kind = _KINDS[ViewId(view["callback_id"])]
    actor = actor_of(body)
    state = modal_state_for(deps.settings)
    try:
        # What the bot decided when it opened the modal (which payments, what they showed as refunded, where to
        # report): only as the bot sealed it, and only for the person it was opened for.
        submission = submission_of(view, state.open(view, actor.id))
    except TamperedStateError as exc:
        log.warning("modal %s: refused state from %s: %s", view.get("callback_id"), actor.id, exc)
        await ack(response_action="update", view=notice("Cannot do that", str(exc)))
        return
    # Checked again on submit: the modal may have been opened before the person's role changed.
    label = submission.context.label
    if (refusal := await permitted(deps, body, PERMISSION[kind], subject=label)) is not None:
        await ack(response_action="update", view=notice("Not allowed", refusal))
        return
    held = view["callback_id"] == ViewId.REPLY_HELD
    try:
        answer = await deps.db.run(lambda session: _record(kind, held, session, submission, actor, deps), urgent=True)
    except UsageError as exc:
        await ack(response_action="update", view=notice("Cannot do that", str(exc)))
        return
    if answer.push is not None:
        answer = replace(answer, push=state.seal(answer.push, actor.id))
    await ack(**_ack_arguments(answer))
    if answer.recorded:
        deps.wake_actions()
    deps.wake_outbox()  # an approval card to post, a Home tab to redraw


def submission_of(view: dict[str, Any], context: ModalContext) -> Submission:
    """A `view_submission`'s view as the actions read it: each input's value by its block id (every input's
    action_id is VALUE), and the state the bot sealed."""
    texts: dict[str, str] = {}
    ticked: dict[str, tuple[str, ...]] = {}
    for block_id, inputs in ((view.get("state") or {}).get("values") or {}).items():
        entered = (inputs or {}).get(VALUE) or {}
        if "selected_options" in entered:
            ticked[block_id] = tuple(str(option["value"]) for option in entered["selected_options"] or ())
        elif (chosen := entered.get("selected_option")) is not None:
            texts[block_id] = str(chosen.get("value") or "")
        elif isinstance(value := entered.get("value"), str):
            texts[block_id] = value
    view_id = view.get("id")
    return Submission(context, str(view_id) if view_id else None, texts, ticked)


async def _record(kind: Kind, held: bool, session: Any, submission: Submission, actor: Actor, deps: Deps) -> Answer:
    now = deps.clock.now()
    providers = deps.providers
    list_name = providers.mailing_list.name if providers.mailing_list else None
    match kind:
        case Kind.REFUND:
            return await confirm.confirm_refund(session, submission, actor, now, deps.approvals)
        case Kind.REVOKE_LICENCE:
            return await confirm.confirm_revoke(session, submission, actor, now)
        case Kind.UNSUBSCRIBE:
            if list_name is None:
                raise UsageError("No mailing list is configured any more.")
            return await confirm.confirm_unsubscribe(session, submission, actor, now, list_name)
        case Kind.PART_WAYS:
            return await confirm_part_ways(session, submission, actor, now, list_name, deps.approvals)
        case Kind.NOTE:
            return await confirm_note(session, submission, actor, now)
        case Kind.DISPUTE_EVIDENCE:
            return await dispute_answers.confirm_evidence(session, submission, actor, now)
        case Kind.DISPUTE_SUBMIT:
            return await dispute_answers.confirm_submit(session, submission, actor, now)
        case Kind.DISPUTE_ACCEPT:
            return await dispute_answers.confirm_accept(session, submission, actor, now)
        case _ if held:
            return await confirm.confirm_held_reply(session, submission, actor, now)
        case _:
            return await confirm.confirm_reply(session, submission, actor, now)


def _ack_arguments(answer: Answer) -> dict[str, Any]:
    """The answer as Slack's view_submission response: field errors, a view pushed over, a notice, or close."""
    if answer.errors:
        return {"response_action": "errors", "errors": answer.errors}
    if answer.push:
        return {"response_action": "push", "view": answer.push}
    if answer.notice:
        return {"response_action": "update", "view": notice(answer.notice_title, answer.notice)}
    return {"response_action": "clear"} if answer.close_all else {}
