"""An on-call alert as it shows in Slack: what happened, who is paged, and Acknowledge or who acknowledged."""

from __future__ import annotations

from bot.cards.blocks import Card, context, slack_date
from bot.models import Alert, AlertStatus
from bot.policies.oncall import EscalationStep
from bot.slack_ids import ActionId


def alert_card(body: Card, alert: Alert, plan: list[EscalationStep]) -> Card:
    """`body` tells what happened; this adds the paging and the acknowledgement."""
    blocks = list(body.blocks)
    paged = plan[: alert.step + 1]
    mentions = " ".join(f"<@{user}>" for step in paged for user in step.mention)
    if alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_at is not None:
        blocks.append(context(f"✅ Acknowledged by <@{alert.acknowledged_by}> {slack_date(alert.acknowledged_at)}"))
        return Card(f"Acknowledged: {body.text}", blocks)
    if mentions:
        later = plan[alert.step + 1] if alert.step + 1 < len(plan) else None
        then = f" · if nobody acknowledges, {later.label} {slack_date(later.due, '{time}')}" if later else ""
        blocks.append(context(f"📟 {mentions}, please acknowledge{then}"))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ActionId.ACKNOWLEDGE,
                    "text": {"type": "plain_text", "text": "Acknowledge"},
                    "style": "primary",
                    "value": str(alert.id),
                }
            ],
        }
    )
    # The mention in the fallback text is what makes a phone buzz.
    return Card(f"{mentions} {body.text}".strip(), blocks)
