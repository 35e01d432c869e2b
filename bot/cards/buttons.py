"""The buttons a card offers, where they apply: what can still be done about this sale, ticket or dispute."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.cards.blocks import Block, actions, button
from bot.core.slack_ids import ActionId


@dataclass(frozen=True)
class Offered:
    """What this installation can do, from its configuration: a button for an unconfigured service would only
    lead to an error."""

    refund_providers: frozenset[str] = field(default_factory=frozenset)
    licences: bool = False
    mailing_list: bool = False
    replies: bool = False  # SMTP configured (tickets with a callback can always be answered)
    dispute_providers: frozenset[str] = field(default_factory=frozenset)  # whose disputes can be answered


def action_buttons(
    subject: str,
    subject_id: int,
    offered: Offered,
    *,
    ticket_open: bool = False,
    ticket_has_callback: bool = False,
    ticket_from_desk: bool = False,
    refundable: bool = False,
    customer_email: bool = False,
) -> Block | None:
    value = f"{subject}:{subject_id}"
    buttons: list[tuple[ActionId, str, str | None]] = []
    if ticket_open:
        buttons.append((ActionId.TAKE_OVER, "Take over", None))
        if ticket_has_callback or offered.replies:
            buttons.append((ActionId.REPLY, "Reply", None))
        if ticket_from_desk:
            buttons.append((ActionId.NOTE, "Note", None))
    if refundable:
        buttons.append((ActionId.REFUND, "Refund…", None))
    if customer_email and offered.licences:
        buttons.append((ActionId.REVOKE, "Revoke licence…", None))
    if customer_email and offered.mailing_list:
        buttons.append((ActionId.UNSUBSCRIBE, "Unsubscribe…", None))
    if customer_email and (refundable or offered.licences or offered.mailing_list or ticket_open):
        buttons.append((ActionId.PART_WAYS, "Part ways…", "danger"))
    if not buttons:
        return None
    elements = [button(action_id, label, value, style) for action_id, label, style in buttons]
    return actions(*elements, block_id=f"actions:{value}")


def dispute_buttons(dispute_id: int, *, answerable: bool, staged: bool) -> list[Block]:
    """An open dispute's answers: prepare the evidence, submit what is staged (Stripe), or concede."""
    if not answerable:
        return []
    value = f"dispute:{dispute_id}"
    buttons = [button(ActionId.DISPUTE_EVIDENCE, "Prepare evidence…", value, None if staged else "primary")]
    if staged:
        buttons.append(button(ActionId.DISPUTE_SUBMIT, "Submit to the bank…", value, "primary"))
    buttons.append(button(ActionId.DISPUTE_ACCEPT, "Accept dispute…", value, "danger"))
    return buttons
