"""A confirmed modal as the actions read it: what the person entered, and what the bot sealed when it opened it.

The handler builds it from Slack's `view_submission` (bot/handlers/confirmations.py), so nothing below the
handlers reads a view's nested `state.values` or its `private_metadata`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.actions.modal_state import ModalContext


@dataclass(frozen=True)
class Submission:
    context: ModalContext
    view_id: str | None = None  # Slack's id of the modal: one modal, one action, however often it is submitted
    texts: Mapping[str, str] = field(default_factory=dict)  # a text input or a single choice, by its block id
    ticked: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # checkboxes, by block id, as the form has

    def text(self, name: str) -> str | None:
        """What was typed or chosen; None when left empty."""
        return self.texts.get(name) or None

    def choices(self, name: str) -> tuple[str, ...] | None:
        """The boxes ticked; None when the form has no such checkboxes."""
        return self.ticked.get(name)

    def is_ticked(self, name: str, value: str = "yes") -> bool:
        return value in (self.ticked.get(name) or ())

    def draft_id(self, now: datetime) -> str:
        """What keys the action this modal asks for (a resubmission asks for the same one)."""
        return self.view_id or str(now.timestamp())
