"""What recording an action answers the person who asked: recorded, nothing new (and why), or fields to fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.approvals import ApprovalDesk, waiting_text
from bot.actions.modal_state import ModalContext
from bot.actions.record import Asked
from bot.cards.outcomes import already_text
from bot.cards.text import Mrkdwn
from bot.storage.models.actions import ActionStatus, RefundApproval


@dataclass(frozen=True)
class Answer:
    """What a confirmed modal (or a button that records an action) should do next; handlers say it to Slack."""

    errors: dict[str, str] | None = None
    notice: str | None = None  # nothing new was recorded, and why: shown in the modal, or privately
    notice_title: str = "Already asked"
    recorded: bool = False  # something new is waiting for the worker
    push: dict[str, Any] | None = None  # a view to put over the modal, to confirm something first
    close_all: bool = False  # the modal was itself pushed over another: close both


def report_of(context: ModalContext) -> dict[str, Any]:
    """Where an action's outcome is reported, from the state its modal was opened with."""
    subject, subject_id = context.card or (None, None)
    return {
        "subject": subject,
        "id": subject_id,
        "response_url": context.response_url,
        "subject_label": context.label,
    }


def answer_for(asked: Asked) -> Answer:
    if asked.fresh:
        return Answer(recorded=True)
    return Answer(notice=already_text(asked.action))


async def waiting_for_approval(session: AsyncSession, asked: list[Asked], desk: ApprovalDesk) -> Mrkdwn | None:
    """What the requester is told when a refund they just asked for waits for a second owner."""
    for one in asked:
        if one.fresh and one.action.status == ActionStatus.AWAITING:
            approval = await session.get_one(RefundApproval, one.action.params["approval_id"])
            return waiting_text(approval.amount_minor, approval.currency, desk.rule.hours)
    return None
