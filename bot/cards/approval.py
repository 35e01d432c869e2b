"""The approval card: a big refund waiting for a second owner, with Approve and Decline, then how it ended.

The same buttons appear on the owners' Home tab (`approval_buttons`), so both work exactly alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cards.blocks import (
    Block,
    Card,
    actions,
    button,
    context,
    customer_label,
    escape,
    fields,
    header,
    link,
    section,
    slack_date,
)
from bot.cards.text import Mrkdwn, md, mention
from bot.core.money import format_money
from bot.core.slack_ids import ActionId
from bot.core.wording import humanise, provider_name
from bot.storage.models.actions import ActionRecord, ActionStatus, ApprovalStatus, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Payment


def approval_card(
    approval: RefundApproval,
    action: ActionRecord,
    payment: Payment | None,
    customer: Customer | None,
    now: datetime,
    *,
    part_of: str | None = None,
) -> Card:
    amount = format_money(approval.amount_minor, approval.currency)
    status = ApprovalStatus(approval.status)
    whole = action.params.get("amount_minor") is None
    blocks: list[Block] = [
        header(f"{_MARK[status]} Refund of {amount}: {_HEADLINE[status]}"),
        fields(
            ("Asked by", md("{} {}", mention(approval.requested_by), slack_date(approval.requested_at))),
            ("Amount", escape(f"{amount} ({'all that is left' if whole else 'part'} of the payment)")),
            ("Payment", _payment(payment)),
            ("Customer", customer_label(customer.email if customer else None, customer.name if customer else None)),
        ),
    ]
    reason = humanise(action.params.get("reason")) or "not given"
    why = md("*Reason:* {}", reason)
    if note := action.params.get("note"):
        why = md("{}\n*Note:* {}", why, note)
    if part_of:
        why = md("{}\nPart of parting ways: {}.", why, part_of)
    blocks.append(section(why))
    if approval.status == ApprovalStatus.WAITING:
        blocks.append(approval_buttons(approval.id, amount))
        blocks.append(
            context(
                md(
                    "Any owner but {} may approve. If nobody does, it is closed {} and nothing is refunded.",
                    mention(approval.requested_by),
                    slack_date(approval.expires_at),
                )
            )
        )
    else:
        blocks.append(context(outcome_line(approval, action)))
    text = md("Refund of {} {}, asked by {}", amount, _HEADLINE[status], mention(approval.requested_by))
    return Card(text, blocks)


def approval_buttons(approval_id: int, amount: str, *, requester: bool = False) -> Block:
    """Approve (with Slack's own "are you sure?", since it moves money) and Decline; the value is the approval id.
    Shown to the requester (their Home tab), only Decline, as "Withdraw": they cannot approve their own."""
    decline = button(ActionId.DECLINE_REFUND, "Withdraw" if requester else "Decline", str(approval_id), "danger")
    if requester:
        return actions(decline, block_id=f"approval-{approval_id}")
    approve = button(ActionId.APPROVE_REFUND, "Approve", str(approval_id), "primary")
    approve["confirm"] = _confirm(amount)
    return actions(approve, decline, block_id=f"approval-{approval_id}")


def outcome_line(approval: RefundApproval, action: ActionRecord) -> Mrkdwn:
    by = mention(approval.decided_by) if approval.decided_by else Mrkdwn("")
    when = slack_date(approval.decided_at) if approval.decided_at else Mrkdwn("")
    match approval.status:
        case ApprovalStatus.APPROVED:
            return md("✅ Approved by {} {} · {}", by, when, refund_state(action))
        case ApprovalStatus.DECLINED if approval.decided_by == approval.requested_by:
            return md("↩️ Withdrawn by {} {} · nothing was refunded", by, when)
        case ApprovalStatus.DECLINED:
            return md("🚫 Declined by {} {} · nothing was refunded", by, when)
    return md("⌛ Nobody approved it by {} · nothing was refunded", slack_date(approval.expires_at))


def refund_state(action: ActionRecord) -> Mrkdwn:
    if action.status == ActionStatus.SUCCEEDED:
        result = action.result or {}
        reference = f" · `{escape(result['refund_id'])}`" if result.get("refund_id") else ""
        return Mrkdwn(md("{}", result.get("summary") or "refunded") + reference)
    if action.status == ActionStatus.FAILED:
        return md("the refund failed: {}", action.error or "no reason given")
    return Mrkdwn("being carried out")


def _payment(payment: Payment | None) -> Mrkdwn:
    if payment is None:
        return Mrkdwn("no longer on record")
    label = f"{payment.provider_payment_id} · {provider_name(payment.provider)}"
    paid = format_money(payment.amount_minor, payment.currency)
    product = f" · {payment.product}" if payment.product else ""
    return md("{}\n{} paid {}{}", link(payment.provider_url, label), paid, slack_date(payment.paid_at), product)


def _confirm(amount: str) -> dict[str, Any]:
    return {
        "title": {"type": "plain_text", "text": "Approve this refund?"},
        "text": {"type": "plain_text", "text": f"{amount} goes back to the customer. This cannot be undone."},
        "confirm": {"type": "plain_text", "text": "Approve and refund"},
        "deny": {"type": "plain_text", "text": "Not yet"},
    }


_MARK = {
    ApprovalStatus.WAITING: "🔐",
    ApprovalStatus.APPROVED: "✅",
    ApprovalStatus.DECLINED: "🚫",
    ApprovalStatus.EXPIRED: "⌛",
}
_HEADLINE = {
    ApprovalStatus.WAITING: "waiting for a second owner",
    ApprovalStatus.APPROVED: "approved",
    ApprovalStatus.DECLINED: "declined",
    ApprovalStatus.EXPIRED: "expired",
}
