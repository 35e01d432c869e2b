"""On-call alerts: raised with a fixed escalation plan, acknowledged from Slack, escalated by a durable timer.

The plan (who is paged, and when) is decided when the alert is raised and kept on its row; `next_due` is the
timer. A step is taken by a conditional update on the row's `step`, in the same transaction as the messages it
asks for, so a restart loses no step and two processes never take the same one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.actions.record import Actor
from bot.cards.text import mention
from bot.core.errors import UsageError
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.oncall_escalation import EscalationPolicy, EscalationStep, escalation_plan
from bot.policies.oncall_rotation import Rotation
from bot.storage.models.oncall import Alert, AlertDetails, AlertStatus
from bot.storage.models.outbox import OutboxMessage


@dataclass(frozen=True)
class OnCall:
    """Who answers urgent news out of hours, and how long each person has to acknowledge."""

    channel: str | None
    rotation: Rotation | None
    owners: tuple[str, ...]
    policy: EscalationPolicy = field(default_factory=EscalationPolicy)

    def plan(self, raised_at: datetime) -> tuple[EscalationStep, ...]:
        if self.rotation is None:
            return (EscalationStep(raised_at, self.owners, "owners"),) if self.owners else ()
        return escalation_plan(self.policy, self.rotation, self.owners, raised_at)


def alert_key(alert_id: int) -> str:
    """The on-call message that shows an alert."""
    return f"alert:{alert_id}"


async def raise_alert(
    session: AsyncSession,
    oncall: OnCall,
    key: str,
    kind: str,
    *,
    about: Subject,
    about_id: int,
    details: AlertDetails,
    now: datetime,
) -> Alert | None:
    """Page whoever is on call about something urgent; None without an on-call channel. Raised once per key."""
    if oncall.channel is None:
        return None
    existing = await session.scalar(select(Alert).where(Alert.key == key))
    if existing is not None:
        return existing
    plan = oncall.plan(now)
    alert = Alert(
        key=key,
        kind=kind,
        about_type=about,
        about_id=about_id,
        details=details,
        status=AlertStatus.OPEN,
        step=0,
        paged={"plan": [_step_json(step) for step in plan]},
        raised_at=now,
        next_due=plan[1].due if len(plan) > 1 else None,
    )
    session.add(alert)
    await session.flush()
    queue.alert(session, alert_key(alert.id), about=Subject.ALERT, about_id=alert.id, channel=oncall.channel, now=now)
    return alert


async def page_about(
    session: AsyncSession,
    oncall: OnCall,
    key: str,
    kind: str,
    *,
    about: Subject,
    about_id: int,
    details: AlertDetails,
    also: str,
    now: datetime,
) -> Alert | None:
    """Like `raise_alert`, but one page per subject at a time: while an earlier alert about the same ticket or
    dispute is still open or acknowledged, this news goes under it (`also`, a thread reply) instead of
    paging again; whoever has that alert has this too."""
    if oncall.channel is None:
        return None
    if (own := await session.scalar(select(Alert).where(Alert.key == key))) is not None:
        return own
    earlier = await session.scalar(
        select(Alert)
        .where(
            Alert.about_type == about,
            Alert.about_id == about_id,
            Alert.status.in_([AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]),
        )
        .order_by(Alert.id)
        .limit(1)
    )
    if earlier is None:
        return await raise_alert(session, oncall, key, kind, about=about, about_id=about_id, details=details, now=now)
    if not await queue.is_queued(session, key):
        queue.reply(
            session, key, parent=Subject.ALERT, parent_id=earlier.id, channel=oncall.channel, text=also, now=now
        )
    return earlier


def plan_of(alert: Alert) -> list[EscalationStep]:
    return [
        EscalationStep(datetime.fromisoformat(s["due"]), tuple(s["mention"]), s["label"])
        for s in alert.paged.get("plan", [])
    ]


async def acknowledge(session: AsyncSession, alert_id: int, actor: Actor, now: datetime, channel: str) -> str:
    """Stop the alert's escalation and record who took it; returns what to tell the person who clicked."""
    taken = await session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == AlertStatus.OPEN)
        .values(status=AlertStatus.ACKNOWLEDGED, acknowledged_by=actor.id, acknowledged_at=now, next_due=None)
    )
    alert = await session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        raise UsageError("That alert is no longer on record.")
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return f"<@{alert.acknowledged_by}> already acknowledged this alert."
    entry = audit.Entry(
        actor_id=actor.id,
        actor_name=actor.name,
        action="acknowledge",
        outcome=Outcome.SUCCEEDED,
        subject=f"alert {alert.id} ({alert.kind})",
        parameters={"alert_id": alert.id, "kind": alert.kind, "step": alert.step},
    )
    await audit.append(session, entry, now)
    queue.update_reply(session, alert_key(alert.id), parent=Subject.ALERT, parent_id=alert.id, channel=channel, now=now)
    return "Acknowledged: the escalation has stopped, and the alert shows that you have it."


async def escalate_due(session: AsyncSession, alert_id: int, now: datetime, channel: str) -> bool:
    """Take the alert's next escalation step if it is due and nobody took it: page the next people."""
    alert = await session.get(Alert, alert_id, populate_existing=True)
    if alert is None or alert.status != AlertStatus.OPEN or alert.next_due is None or alert.next_due > now:
        return False
    plan = plan_of(alert)
    step = alert.step + 1
    following = plan[step + 1].due if step + 1 < len(plan) else None
    taken = await session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.step == alert.step, Alert.status == AlertStatus.OPEN)
        .values(step=step, next_due=following)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another process took this step, or someone acknowledged meanwhile
    paged = " ".join(mention(user) for user in plan[step].mention)
    minutes = int((plan[step].due - plan[step - 1].due).total_seconds() // 60)
    text = f"⏫ Not acknowledged within {minutes} min: {paged} ({plan[step].label}), please take this."
    queue.reply(
        session,
        f"{alert_key(alert.id)}:step:{step}",
        parent=Subject.ALERT,
        parent_id=alert.id,
        channel=channel,
        text=text,
        now=now,
    )
    queue.update_reply(session, alert_key(alert.id), parent=Subject.ALERT, parent_id=alert.id, channel=channel, now=now)
    return True


async def resolve_alerts(
    session: AsyncSession,
    about: Subject,
    about_id: int,
    resolution: str,
    now: datetime,
    *,
    kinds: Sequence[str] | None = None,
) -> int:
    """What the alerts about `about` were raised for is over: stop their escalation and redraw them in place to
    say so. Acknowledged ones are resolved too, so the night's record shows how each alert ended."""
    query = select(Alert.id).where(
        Alert.about_type == about,
        Alert.about_id == about_id,
        Alert.status.in_([AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]),
    )
    if kinds is not None:
        query = query.where(Alert.kind.in_(list(kinds)))
    resolved = 0
    for alert_id in list(await session.scalars(query)):
        taken = await session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.status.in_([AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]))
            .values(status=AlertStatus.RESOLVED, resolved_at=now, resolution=resolution[:300], next_due=None)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        resolved += 1
        channel = await session.scalar(
            select(OutboxMessage.channel).where(OutboxMessage.dedupe_key == alert_key(alert_id))
        )
        if channel is not None:
            queue.update_reply(
                session, alert_key(alert_id), parent=Subject.ALERT, parent_id=alert_id, channel=channel, now=now
            )
    return resolved


def _step_json(step: EscalationStep) -> dict:
    return {"due": step.due.isoformat(), "mention": list(step.mention), "label": step.label}
