"""Choices an owner makes from Slack, kept in the database so every replica and restart sees them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.storage.models.tone import Preference


class Choice(StrEnum):
    # Abusive messages are hidden behind a "Show message" button: staff need not read insults to work a ticket.
    HIDE_ABUSIVE = "hide_abusive"


DEFAULTS: dict[Choice, bool] = {Choice.HIDE_ABUSIVE: True}


async def preference(session: AsyncSession, choice: Choice) -> bool:
    row = await session.get(Preference, choice.value)
    return DEFAULTS[choice] if row is None else bool(row.value.get("on"))


async def set_preference(
    session: AsyncSession, choice: Choice, on: bool, actor_id: str, actor_name: str | None, now: datetime
) -> bool:
    """Record the owner's choice (audited); False if it was already so."""
    if await preference(session, choice) == on:
        return False
    row = await session.get(Preference, choice.value)
    if row is None:
        session.add(Preference(name=choice.value, value={"on": on}, set_by=actor_id, set_at=now))
    else:
        row.value, row.set_by, row.set_at = {"on": on}, actor_id, now
    entry = audit.Entry(
        actor_id=actor_id,
        actor_name=actor_name,
        action="preference",
        outcome=Outcome.SUCCEEDED,
        subject=choice.value,
        parameters={"choice": choice.value, "on": on},
    )
    await audit.append(session, entry, now)
    return True
