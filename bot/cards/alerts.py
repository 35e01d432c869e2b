"""An on-call alert as it shows in Slack: what happened, who is paged, and Acknowledge or who acknowledged."""

from __future__ import annotations

from bot.cards.blocks import Card, actions, archive_link, button, context, escape, section, slack_date
from bot.cards.text import Mrkdwn, link, md, mention
from bot.core.money import format_money
from bot.core.slack_ids import ActionId
from bot.core.wording import humanise, provider_name
from bot.policies.oncall_escalation import AlertKind, EscalationStep
from bot.storage.models.customers import Customer
from bot.storage.models.oncall import Alert, AlertStatus, DisputeAlertDetails
from bot.storage.models.sales import Dispute


def dispute_alert_body(
    dispute: Dispute, customer: Customer | None, kind: AlertKind, details: DisputeAlertDetails
) -> Card:
    """What the on-call person needs to judge a dispute at night: how much, why, and how long is left."""
    amount = format_money(dispute.amount_minor, dispute.currency)
    who = (customer.email or customer.name or "a customer") if customer else "a customer"
    if kind == AlertKind.DISPUTE_OPENED:
        mark, what = "⚖️", f"Dispute opened: {amount}"
    elif details.level:
        mark, what = "⏰", f"Dispute evidence due soon ({details.level}): {amount}"
    else:
        mark, what = "⚖️", f"Dispute deadline set: {amount}"
    lines = [md("{} *{}* by {}", mark, what, who)]
    if dispute.reason:
        lines.append(md("Reason: {}", humanise(dispute.reason) or ""))
    if dispute.evidence_due_at:
        lines.append(md("Evidence due {}", slack_date(dispute.evidence_due_at)))
    about = [provider_name(dispute.provider)]
    if where := archive_link(dispute.slack_channel, dispute.slack_ts):
        about.append(link(where, "open the dispute"))
    if dispute.provider_url:
        about.append(link(dispute.provider_url, "respond at the provider"))
    return Card(f"Urgent: {mark} {what} by {who}", [section("\n".join(lines)), context(*about)])


def alert_card(body: Card, alert: Alert, plan: list[EscalationStep]) -> Card:
    """`body` tells what happened; this adds the paging and the acknowledgement."""
    blocks = list(body.blocks)
    paged = plan[: alert.step + 1]
    mentions = Mrkdwn(" ".join(mention(user) for step in paged for user in step.mention))
    if alert.status == AlertStatus.RESOLVED and alert.resolved_at is not None:
        acked = f" · acknowledged by {mention(alert.acknowledged_by)}" if alert.acknowledged_by else ""
        resolution = escape(alert.resolution or "resolved")
        blocks.append(context(f"☑️ Resolved {slack_date(alert.resolved_at)}: {resolution}{acked}"))
        return Card(md("Resolved: {}", body.text), blocks)
    if alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_at is not None:
        blocks.append(
            context(f"✅ Acknowledged by {mention(alert.acknowledged_by)} {slack_date(alert.acknowledged_at)}")
        )
        return Card(md("Acknowledged: {}", body.text), blocks)
    if mentions:
        later = plan[alert.step + 1] if alert.step + 1 < len(plan) else None
        then = f" · if nobody acknowledges, {later.label} {slack_date(later.due, '{time}')}" if later else ""
        blocks.append(context(f"📟 {mentions}, please acknowledge{then}"))
    blocks.append(actions(button(ActionId.ACKNOWLEDGE, "Acknowledge", str(alert.id), "primary")))
    # The mention in the fallback text is what makes a phone buzz.
    return Card(md("{} {}", mentions, body.text) if mentions else body.text, blocks)
