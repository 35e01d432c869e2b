"""FreeScout's API (its API & Webhooks module), for the write-back: assign, reply, close and add notes as the
acting agent. Every call carries the module's API key in `X-FreeScout-API-Key`.

FreeScout has no idempotency key: a reply or note is first looked for among the conversation's threads (the same
text by the same user, as its latest thread of that kind) and not posted twice. Assigning and closing are
idempotent by nature; FreeScout needs `byUser` to record who changed them.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.errors import ProviderError
from bot.integrations.contracts import DeskOutcome, TicketUpdate
from bot.integrations.desk_threads import already_posted, as_html, error_detail
from bot.integrations.http import JsonHttp, http_status_error, unreadable

NAME = "FreeScout"


class FreeScoutDesk:
    name = NAME

    def __init__(self, url: str, api_key: str, *, timeout: float):
        self._base = url.rstrip("/")
        self._http = JsonHttp(
            NAME,
            timeout=timeout,
            headers={"Accept": "application/json", "X-FreeScout-API-Key": api_key},
        )

    async def agent_for(self, email: str) -> str | None:
        answer = await self._call("finding the agent", "GET", "/api/users", params={"email": email})
        users = ((answer or {}).get("_embedded") or {}).get("users") or []
        for user in users:
            if isinstance(user, dict) and str(user.get("email", "")).lower() == email.lower():
                return str(user["id"])
        return None

    async def check(self) -> str:
        answer = await self._call("listing mailboxes", "GET", "/api/mailboxes")
        mailboxes = ((answer or {}).get("_embedded") or {}).get("mailboxes") or []
        return f"{len(mailboxes)} mailbox(es) visible"

    async def send(self, ticket_ref: str, update: TicketUpdate, agent_ref: str) -> DeskOutcome:
        path = f"/api/conversations/{ticket_ref}"
        agent = int(agent_ref)
        if update.kind == "assigned":
            body: dict[str, Any] = {"byUser": agent, "assignTo": agent}
            await self._call("assigning the conversation", "PUT", path, body=body, expect=(204, 200))
            return DeskOutcome(ticket_ref)
        if update.kind == "closed":
            body = {"byUser": agent, "status": "closed"}
            await self._call("closing the conversation", "PUT", path, body=body, expect=(204, 200))
            return DeskOutcome(ticket_ref)
        if update.kind not in ("reply", "note") or not update.body:
            raise ValueError(f"FreeScout cannot take a {update.kind!r} update without a body")
        conversation = await self._call("reading the conversation", "GET", path, params={"embed": "threads"})
        if not isinstance(conversation, dict):
            raise unreadable(NAME, "reading the conversation")
        thread_type = "message" if update.kind == "reply" else "note"
        if (done := already_posted(conversation, thread_type, agent_ref, update.body)) is not None:
            return DeskOutcome(done, f"freescout:{done}")
        action = "posting the reply" if update.kind == "reply" else "adding the note"
        body = {"type": thread_type, "text": as_html(update.body), "user": agent}
        headers = await self._call(action, "POST", f"{path}/threads", body=body, expect=(201,), want_headers=True)
        thread_id = (headers or {}).get("Resource-ID") or ""
        return DeskOutcome(thread_id or ticket_ref, f"freescout:{thread_id}" if thread_id else None)

    async def close(self) -> None:
        await self._http.close()

    async def _call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
        want_headers: bool = False,
    ) -> Any:
        raw = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if raw is not None else None
        answer = await self._http.send(action, method, self._base + path, params=params, body=raw, headers=headers)
        if answer.status in expect:
            return answer.headers if want_headers else answer.body
        if answer.status == 404:
            raise ProviderError(NAME, f"{action} failed: FreeScout does not know that conversation or user")
        detail = error_detail(answer.body)
        raise http_status_error(NAME, action, answer, detail, rejected="SUPPORTBOT_FREESCOUT_API_KEY")
