"""Zendesk's REST API: looking up what its ticket events leave out, and the write-back as the acting agent.

Plain HTTP through `JsonHttp` rather than `zenpy`: zenpy is maintained but synchronous (requests), so it would
need a thread per call and its own timeouts, for the six calls we make. Auth is an API token:
Basic `{email}/token:{token}`.

Ticket updates have no idempotency key in Zendesk (only ticket creation has), so a comment is first looked for
among the ticket's comments (the same text by the same agent, as their latest) and not added twice. Assigning
and solving are idempotent by nature.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.core.errors import ProviderError
from bot.integrations.contracts import DeskOutcome, TicketUpdate
from bot.integrations.desk_events import zendesk as events
from bot.integrations.desk_events.text import html_to_text
from bot.integrations.http import JsonHttp, http_status_error, short, unreadable

NAME = "Zendesk"
_AGENT_ROLES = frozenset({"agent", "admin"})


class ZendeskDesk:
    name = NAME

    def __init__(self, api_base: str, email: str, api_token: str, *, timeout: float):
        self._base = api_base.rstrip("/")
        basic = base64.b64encode(f"{email}/token:{api_token}".encode()).decode()
        self._http = JsonHttp(NAME, timeout=timeout, headers={"Authorization": f"Basic {basic}"})

    async def lookup(self, event: dict[str, Any]) -> dict[str, Any]:
        """What the event leaves out: its people (requester, new assignee) and, for a new ticket, its comments."""
        users: dict[str, dict[str, Any]] = {}
        for user_id in sorted(events.people_to_look_up(event)):
            found = await self._call("looking the person up", "GET", f"/api/v2/users/{user_id}.json", missing=None)
            user = (found or {}).get("user") or {}
            users[user_id] = {"name": user.get("name"), "email": user.get("email")}
        needed: dict[str, Any] = {"users": users}
        if event.get("type") == events.CREATED:
            ticket = events.ticket_id(event)
            answer = await self._call("reading the ticket's comments", "GET", f"/api/v2/tickets/{ticket}/comments.json")
            needed["comments"] = [_comment(c, users) for c in (answer or {}).get("comments") or []]
        return needed

    async def agent_for(self, email: str) -> str | None:
        answer = await self._call(
            "finding the agent", "GET", "/api/v2/users/search.json", params={"query": f"email:{email}"}
        )
        for user in (answer or {}).get("users") or []:
            if str(user.get("email", "")).lower() == email.lower() and user.get("role") in _AGENT_ROLES:
                return str(user["id"])
        return None

    async def check(self) -> str:
        answer = await self._call("reading the API user", "GET", "/api/v2/users/me.json")
        me = (answer or {}).get("user") or {}
        if not me.get("id"):  # Zendesk answers an anonymous user to bad credentials on some accounts
            raise ProviderError(NAME, "Zendesk did not accept the email and API token")
        return f"signed in as {me.get('email') or me.get('name')}"

    async def send(self, ticket_ref: str, update: TicketUpdate, agent_ref: str) -> DeskOutcome:
        path = f"/api/v2/tickets/{ticket_ref}.json"
        if update.kind == "assigned":
            await self._put(path, {"assignee_id": int(agent_ref)}, "assigning the ticket")
            return DeskOutcome(ticket_ref)
        if update.kind == "closed":
            await self._put(path, {"status": "solved"}, "solving the ticket")
            return DeskOutcome(ticket_ref)
        if update.kind not in ("reply", "note") or not update.body:
            raise ValueError(f"Zendesk cannot take a {update.kind!r} update without a body")
        public = update.kind == "reply"
        comments = await self._call(
            "reading the ticket's comments", "GET", f"/api/v2/tickets/{ticket_ref}/comments.json"
        )
        if (done := _already_commented(comments, agent_ref, update.body, public)) is not None:
            return DeskOutcome(done, f"zendesk:{done}")
        comment = {"body": update.body, "public": public, "author_id": int(agent_ref)}
        action = "posting the reply" if public else "adding the note"
        answer = await self._put(path, {"comment": comment}, action)
        comment_id = _new_comment_id(answer)
        return DeskOutcome(comment_id or ticket_ref, f"zendesk:{comment_id}" if comment_id else None)

    async def close(self) -> None:
        await self._http.close()

    async def _put(self, path: str, ticket: dict[str, Any], action: str) -> Any:
        return await self._call(action, "PUT", path, body={"ticket": ticket})

    async def _call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        missing: Any = ...,
    ) -> Any:
        raw = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if raw is not None else None
        answer = await self._http.send(action, method, self._base + path, params=params, body=raw, headers=headers)
        if 200 <= answer.status < 300:
            if answer.body is None and method == "GET":
                raise unreadable(NAME, action)
            return answer.body
        if answer.status == 404:
            if missing is not ...:
                return missing  # a deleted user: the ticket is shown without their name
            raise ProviderError(NAME, f"{action} failed: Zendesk does not know that ticket or user")
        detail = _detail(answer.body)
        raise http_status_error(NAME, action, answer, detail, rejected="SUPPORTBOT_ZENDESK_EMAIL and _API_TOKEN")


def _comment(comment: dict[str, Any], users: dict[str, dict[str, Any]]) -> dict[str, Any]:
    author = str(comment.get("author_id"))
    return {
        "id": comment.get("id"),
        "body": comment.get("html_body") or comment.get("body"),
        "public": comment.get("public", True),
        "author_id": author,
        "author_name": (users.get(author) or {}).get("name"),
        "staff": author not in users,  # the requester is looked up; any other author is taken as staff
        "created_at": comment.get("created_at"),
    }


def _already_commented(answer: Any, agent_ref: str, text: str, public: bool) -> str | None:
    mine = [
        c
        for c in (answer or {}).get("comments") or []
        if str(c.get("author_id")) == agent_ref and bool(c.get("public", True)) == public
    ]
    if not mine:
        return None
    latest = max(mine, key=lambda c: (str(c.get("created_at") or ""), c.get("id") or 0))
    said = html_to_text(str(latest.get("html_body") or latest.get("body") or ""))
    return str(latest["id"]) if " ".join(said.split()) == " ".join(text.split()) else None


def _new_comment_id(answer: Any) -> str | None:
    audit = (answer or {}).get("audit") or {}
    for change in audit.get("events") or []:
        if change.get("type") == "Comment" and change.get("id") is not None:
            return str(change["id"])
    return None


def _detail(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    details = body.get("details")
    if isinstance(details, dict):
        parts = [f"{k}: {d.get('description')}" for k, v in details.items() for d in v if isinstance(d, dict)]
        if parts:
            return short("; ".join(parts))
    message = body.get("description") or body.get("error")
    if isinstance(message, dict):
        message = message.get("message") or message.get("title")
    return short(str(message)) if message else None
