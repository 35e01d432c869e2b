"""Freshdesk's API v2: reading a ticket back for a webhook, and the write-back as the acting agent.

Basic auth with the API key as the user name. Freshdesk has no idempotency key: a reply or note is first looked
for among the ticket's conversations (the same text by the same agent, as their latest) and not added twice;
assigning and closing are idempotent by nature.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.core.errors import ProviderError
from bot.integrations.contracts import DeskOutcome, TicketUpdate
from bot.integrations.desk_events import freshdesk as events
from bot.integrations.desk_events.text import html_to_text
from bot.integrations.desk_threads import as_html
from bot.integrations.http import JsonHttp, http_status_error, short

NAME = "Freshdesk"
CLOSED = 5
_PAGE, _MAX_PAGES = 100, 20


class FreshdeskDesk:
    name = NAME

    def __init__(self, api_base: str, api_key: str, *, timeout: float):
        self._base = api_base.rstrip("/")
        basic = base64.b64encode(f"{api_key}:X".encode()).decode()
        self._http = JsonHttp(NAME, timeout=timeout, headers={"Authorization": f"Basic {basic}"})

    async def lookup(self, event: dict[str, Any]) -> dict[str, Any]:
        """The ticket as it stands: its fields and requester, its conversations, and its agents' names."""
        number = events.ticket_id(event)
        ticket = await self._call(
            "reading the ticket", "GET", f"/api/v2/tickets/{number}", params={"include": "requester"}
        )
        conversations = await self._conversations(number)
        wanted = {str(c.get("user_id")) for c in conversations or [] if not c.get("incoming") and c.get("user_id")}
        if ticket.get("responder_id"):
            wanted.add(str(ticket["responder_id"]))
        agents: dict[str, str] = {}
        for agent_id in sorted(wanted):
            agent = await self._call("looking the agent up", "GET", f"/api/v2/agents/{agent_id}", missing={})
            agents[agent_id] = (agent.get("contact") or {}).get("name") or ""
        return {"ticket": ticket, "conversations": conversations or [], "agents": agents}

    async def agent_for(self, email: str) -> str | None:
        found = await self._call("finding the agent", "GET", "/api/v2/agents", params={"email": email})
        for agent in found or []:
            if str((agent.get("contact") or {}).get("email", "")).lower() == email.lower():
                return str(agent["id"])
        return None

    async def check(self) -> str:
        me = await self._call("reading the API user", "GET", "/api/v2/agents/me")
        return f"signed in as {(me.get('contact') or {}).get('email') or me.get('id')}"

    async def send(self, ticket_ref: str, update: TicketUpdate, agent_ref: str) -> DeskOutcome:
        path = f"/api/v2/tickets/{ticket_ref}"
        if update.kind == "assigned":
            await self._call("assigning the ticket", "PUT", path, body={"responder_id": int(agent_ref)})
            return DeskOutcome(ticket_ref)
        if update.kind == "closed":
            await self._call("closing the ticket", "PUT", path, body={"status": CLOSED})
            return DeskOutcome(ticket_ref)
        if update.kind not in ("reply", "note") or not update.body:
            raise ValueError(f"Freshdesk cannot take a {update.kind!r} update without a body")
        note = update.kind == "note"
        conversations = await self._conversations(ticket_ref)
        if (done := _already_posted(conversations, agent_ref, update.body, private=note)) is not None:
            return DeskOutcome(done, f"freshdesk:{done}")
        body: dict[str, Any] = {"body": as_html(update.body), "user_id": int(agent_ref)}
        if note:
            body["private"] = True
        action = "adding the note" if note else "posting the reply"
        made = await self._call(action, "POST", f"{path}/{'notes' if note else 'reply'}", body=body, expect=(201,))
        made_id = str(made["id"]) if isinstance(made, dict) and made.get("id") is not None else None
        return DeskOutcome(made_id or ticket_ref, f"freshdesk:{made_id}" if made_id else None)

    async def close(self) -> None:
        await self._http.close()

    async def _conversations(self, number: str) -> list[dict[str, Any]]:
        """All of a ticket's conversations, oldest first: Freshdesk pages them, at most 100 a page."""
        found: list[dict[str, Any]] = []
        for page in range(1, _MAX_PAGES + 1):
            params = {"per_page": str(_PAGE), "page": str(page)}
            batch = await self._call(
                "reading the ticket's conversations", "GET", f"/api/v2/tickets/{number}/conversations", params=params
            )
            found += [c for c in batch or [] if isinstance(c, dict)]
            if len(batch or []) < _PAGE:
                break
        return found

    async def _call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
        missing: Any = ...,
    ) -> Any:
        raw = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if raw is not None else None
        answer = await self._http.send(action, method, self._base + path, params=params, body=raw, headers=headers)
        if answer.status in expect:
            return answer.body
        if answer.status == 404:
            if missing is not ...:
                return missing
            raise ProviderError(NAME, f"{action} failed: Freshdesk does not know that ticket or agent")
        raise http_status_error(NAME, action, answer, _detail(answer.body), rejected="SUPPORTBOT_FRESHDESK_API_KEY")


def _already_posted(conversations: Any, agent_ref: str, text: str, *, private: bool) -> str | None:
    mine = [
        c
        for c in conversations or []
        if str(c.get("user_id")) == agent_ref and not c.get("incoming") and bool(c.get("private")) == private
    ]
    if not mine:
        return None
    latest = max(mine, key=lambda c: (str(c.get("created_at") or ""), c.get("id") or 0))
    said = html_to_text(str(latest.get("body") or "")) or str(latest.get("body_text") or "")
    return str(latest["id"]) if " ".join(said.split()) == " ".join(text.split()) else None


def _detail(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    errors = body.get("errors") or []
    parts = [f"{e.get('field')}: {e.get('message')}" for e in errors if isinstance(e, dict)]
    message = "; ".join(parts) or body.get("description") or body.get("message")
    return short(str(message)) if message else None
