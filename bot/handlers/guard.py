"""Permission checks for Slack requests: the pure policy decides, a refusal is audited and told politely."""

from __future__ import annotations

from typing import Any

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.actions.record import Actor
from bot.core.errors import UsageError
from bot.handlers.deps import Deps
from bot.policies.permissions import Action, may
from bot.policies.urls import is_response_url


async def permitted(deps: Deps, body: dict[str, Any], action: Action, *, subject: str | None = None) -> str | None:
    """None if the requesting user may do `action`; else the refusal to show them (already audited)."""
    actor = actor_of(body)
    decision = may(actor.id, action, deps.settings.owners, deps.settings.agents)
    if decision.allowed:
        return None
    # Urgent: a modal's submission is checked before its ack(), which Slack (and Bolt, with a 404) wants within
    # 3 s; queued behind the workers' writes on SQLite, a refusal could miss that under load.
    async with deps.db.transaction(urgent=True) as session:
        entry = audit.Entry(
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            outcome=Outcome.REFUSED,
            subject=subject,
            note=decision.reason,
        )
        await audit.append(session, entry, deps.clock.now())
    return decision.reason


class NotAllowedError(UsageError):
    """The person may not do what they asked; already audited. Told to them as written (handlers.errors)."""


async def require(deps: Deps, body: dict[str, Any], action: Action, *, subject: str | None = None) -> None:
    """Go on only if the requesting user may do `action`; else the refusal, audited, is raised to be told."""
    if (refusal := await permitted(deps, body, action, subject=subject)) is not None:
        raise NotAllowedError(refusal)


def actor_of(body: dict[str, Any]) -> Actor:
    """Who sent a slash command or an interaction payload."""
    if "user_id" in body:
        return Actor(str(body["user_id"]), body.get("user_name"))
    user = body.get("user") or {}
    return Actor(str(user.get("id", "")), user.get("username") or user.get("name"))


def response_url_of(deps: Deps, body: dict[str, Any]) -> str | None:
    """The payload's `response_url`, if it is one of Slack's (or the stand-in Slack's): the bot posts outcomes
    there, so a forged one must not aim it at another host."""
    url = body.get("response_url")
    return url if isinstance(url, str) and is_response_url(url, deps.settings.slack_api_url) else None
