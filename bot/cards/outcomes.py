"""How an action's outcome reads in Slack: a line in the card's thread, a mark on the card, a part-ways summary."""

from __future__ import annotations

from bot.cards.blocks import Block, Card, actions, button, context, escape, section
from bot.cards.text import Mrkdwn, md, mention
from bot.core.action_kinds import Kind
from bot.core.slack_ids import ActionId
from bot.storage.models.actions import ActionRecord, ActionStatus

NOUNS: dict[str, str] = {  # by Kind; the column holds its value
    Kind.REFUND: "refund",
    Kind.REVOKE_LICENCE: "licence revocation",
    Kind.UNSUBSCRIBE: "unsubscribe",
    Kind.TAKE_OVER: "take-over",
    Kind.REPLY: "reply",
    Kind.NOTE: "note",
    Kind.CLOSE_TICKET: "closing of the ticket",
    Kind.PART_WAYS: "parting of ways",
    Kind.DISPUTE_EVIDENCE: "dispute evidence",
    Kind.DISPUTE_SUBMIT: "submission of the evidence",
    Kind.DISPUTE_ACCEPT: "acceptance of the dispute",
}
MARKS: dict[str, str] = {
    Kind.REFUND: "↩️",
    Kind.REVOKE_LICENCE: "🔑",
    Kind.UNSUBSCRIBE: "📭",
    Kind.TAKE_OVER: "🙋",
    Kind.REPLY: "✉️",
    Kind.NOTE: "📝",
    Kind.CLOSE_TICKET: "🗂️",
    Kind.PART_WAYS: "👋",
    Kind.DISPUTE_EVIDENCE: "📎",
    Kind.DISPUTE_SUBMIT: "🏦",
    Kind.DISPUTE_ACCEPT: "🏳️",
}


def who(action: ActionRecord) -> Mrkdwn:
    return mention(action.actor_id)


def succeeded_text(action: ActionRecord, summary: str, reference: str | None) -> str:
    ref = f" · `{escape(reference)}`" if reference and action.kind == Kind.REFUND else ""
    previous = action.params.get("previous_assignee")
    if action.kind == Kind.TAKE_OVER and previous:
        # Taking a ticket from someone tells them, in the thread, by mentioning them: "took the ticket over from
        # <@them>; the help desk knows", not "…; the help desk knows from <@them>".
        took, sep, rest = escape(summary).partition(";")
        return f"{MARKS[Kind.TAKE_OVER]} {who(action)} {took} from {mention(previous)}{sep}{rest}{ref}"
    approved = f" (approved by {mention(by)})" if (by := action.params.get("approved_by")) else ""
    return f"{MARKS.get(action.kind, '✅')} {who(action)} {escape(summary)}{ref}{approved}"


def failed_text(action: ActionRecord, reason: str) -> str:
    return f"❌ The {NOUNS.get(action.kind, action.kind)} asked by {who(action)} failed: {escape(reason)}"


def failed_reply_blocks(action: ActionRecord, text: str) -> list[Block]:
    """A reply that could not be sent, with a button to send the same text again (nobody retypes it)."""
    retry = button(ActionId.RETRY_REPLY, "Retry sending", str(action.id), "primary")
    return [section(text), actions(retry)]


def already_text(action: ActionRecord) -> Mrkdwn:
    """What a second request for the same thing is told."""
    noun = NOUNS.get(action.kind, action.kind)
    if action.status == ActionStatus.SUCCEEDED:
        summary = (action.result or {}).get("summary") or "done"
        return md("That was already done: {} {}.", who(action), summary)
    if action.status == ActionStatus.FAILED:
        return md("The same {} failed before: {}.", noun, action.error or "no reason given")
    if action.status == ActionStatus.AWAITING:
        return md("That {} was already asked for by {} and waits for a second owner's approval.", noun, who(action))
    return md("That {} was already asked for by {} and is under way; the outcome will follow.", noun, who(action))


def part_ways_card(parent: ActionRecord, steps: list[ActionRecord]) -> Card:
    lines = [_step_line(step) for step in steps]
    lines += [f"↺ {line}" for line in parent.params.get("earlier") or []]  # written by already_text, escaped
    failed = [step for step in steps if step.status == ActionStatus.FAILED]
    if failed:
        what, outcome = "Parting ways", f"{len(steps) - len(failed)} of {len(steps)} steps done"
    else:
        what, outcome = "Parted ways", "every step done"
    headline = md("👋 *{}* ({}): {}", what, who(parent), outcome)
    blocks: list[Block] = [section(headline + "\n" + "\n".join(lines))]
    if failed:
        retry = button(ActionId.RETRY_STEPS, f"Retry {len(failed)} failed step(s)", str(parent.id), "primary")
        blocks.append(actions(retry))
        blocks.append(context("Steps that worked are not repeated."))
    return Card(md("👋 {} ({}): {}", what, who(parent), outcome), blocks)


def _step_line(step: ActionRecord) -> str:
    noun = NOUNS.get(step.kind, step.kind).capitalize()
    if step.status == ActionStatus.SUCCEEDED:
        return f"✅ {noun}: {escape((step.result or {}).get('summary') or 'done')}"
    if step.status == ActionStatus.FAILED:
        return f"❌ {noun}: {escape(step.error or 'failed')}"
    if step.status == ActionStatus.AWAITING:
        return f"⏳ {noun}: waiting for a second owner's approval"
    return f"⏳ {noun}: under way"


def done_marks(actions: list[ActionRecord]) -> list[str]:
    """What people did about this customer or ticket from Slack, newest last, for the card's marks."""
    marks = []
    for action in actions:
        # The ticket card names its assignee; replies are in the thread; a part-ways is its steps.
        if action.status != ActionStatus.SUCCEEDED or action.kind in (Kind.REPLY, Kind.PART_WAYS, Kind.TAKE_OVER):
            continue
        summary = (action.result or {}).get("summary") or NOUNS.get(action.kind, action.kind)
        marks.append(f"{MARKS.get(action.kind, '✅')} {escape(summary)} by {who(action)}")
    return marks[-6:]


def masked(licence: str) -> str:
    """Enough of a licence key to recognise it, not enough to use it."""
    return licence if len(licence) <= 8 else f"{licence[:4]}…{licence[-4:]}"
