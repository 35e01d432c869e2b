"""Help Scout's Mailbox API v2, for the write-back: assign, reply, close and add notes as the acting agent.

Plain HTTP through `JsonHttp`: Help Scout's Python clients are stale, and we need five calls. The app's
credentials (an OAuth2 "client credentials" app made under Your Profile > My Apps) get a token that lasts two
days; it is fetched on first use and again whenever Help Scout answers 401.

Help Scout has no idempotency key, so a reply or note is first looked for among the conversation's threads (the
same text by the same user, as its latest thread of that kind) and not posted twice. Assigning and closing are
idempotent by nature.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.core.errors import ProviderError
from bot.integrations.contracts import DeskOutcome, TicketUpdate
from bot.integrations.desk_threads import already_posted, as_html, error_detail
from bot.integrations.http import Answer, JsonHttp, http_status_error, unreadable

NAME = "Help Scout"
_JSON = {"Content-Type": "application/json"}


class HelpScoutDesk:
    name = NAME

    def __init__(self, app_id: str, app_secret: str, *, api_base: str, timeout: float):
        self._app_id = app_id
        self._app_secret = app_secret
        self._base = api_base.rstrip("/")
        self._http = JsonHttp(NAME, timeout=timeout, headers={"Accept": "application/json"})
        self._token: str | None = None

    async def agent_for(self, email: str) -> str | None:
        answer = await self._call("finding the agent", "GET", "/v2/users", params={"email": email})
        users = ((answer.body or {}).get("_embedded") or {}).get("users") or []
        for user in users:
            if isinstance(user, dict) and str(user.get("email", "")).lower() == email.lower():
                return str(user["id"])
        return None

    async def check(self) -> str:
        """A harmless read for `doctor`: the mailboxes the app can see."""
        answer = await self._call("listing mailboxes", "GET", "/v2/mailboxes")
        mailboxes = ((answer.body or {}).get("_embedded") or {}).get("mailboxes") or []
        return f"{len(mailboxes)} mailbox(es) visible"

    async def send(self, ticket_ref: str, update: TicketUpdate, agent_ref: str) -> DeskOutcome:
        path = f"/v2/conversations/{ticket_ref}"
        if update.kind == "assigned":
            await self._patch(path, "/assignTo", int(agent_ref), "assigning the conversation")
            return DeskOutcome(ticket_ref)
        if update.kind == "closed":
            await self._patch(path, "/status", "closed", "closing the conversation")
            return DeskOutcome(ticket_ref)
        if update.kind not in ("reply", "note") or not update.body:
            raise ValueError(f"Help Scout cannot take a {update.kind!r} update without a body")
        conversation = (await self._call("reading the conversation", "GET", path, params={"embed": "threads"})).body
        if not isinstance(conversation, dict):
            raise unreadable(NAME, "reading the conversation")
        thread_type = "reply" if update.kind == "reply" else "note"
        if (done := already_posted(conversation, thread_type, agent_ref, update.body)) is not None:
            return DeskOutcome(done, f"helpscout:{done}")
        body: dict[str, Any] = {"text": as_html(update.body), "user": int(agent_ref)}
        if update.kind == "reply":
            customer = conversation.get("primaryCustomer") or {}
            if customer.get("id") is None:
                raise ProviderError(NAME, "the conversation has no customer to reply to")
            body["customer"] = {"id": customer["id"]}
        action = "posting the reply" if update.kind == "reply" else "adding the note"
        suffix = "reply" if update.kind == "reply" else "notes"
        answer = await self._call(action, "POST", f"{path}/{suffix}", body=body, expect=(201,))
        thread_id = answer.resource_id or ""
        return DeskOutcome(thread_id or ticket_ref, f"helpscout:{thread_id}" if thread_id else None)

    async def close(self) -> None:
        await self._http.close()

    async def _patch(self, path: str, field: str, value: Any, action: str) -> None:
        await self._call(action, "PATCH", path, body={"op": "replace", "path": field, "value": value}, expect=(204,))

    async def _call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> _Answer:
        raw = json.dumps(body).encode() if body is not None else None
        for fresh in (False, True):
            token = await self._access_token(refresh=fresh)
            headers = {"Authorization": f"Bearer {token}"} | (_JSON if raw is not None else {})
            answer = await self._http.send(action, method, self._base + path, params=params, body=raw, headers=headers)
            if answer.status != 401:
                break
        if answer.status in expect:
            return _Answer(answer)
        if answer.status == 404:
            raise ProviderError(NAME, f"{action} failed: Help Scout does not know that conversation or user")
        raise http_status_error(NAME, action, answer, error_detail(answer.body), rejected="SUPPORTBOT_HELPSCOUT_APP_*")

    async def _access_token(self, *, refresh: bool) -> str:
        if self._token is not None and not refresh:
            return self._token
        form = urlencode(
            {"grant_type": "client_credentials", "client_id": self._app_id, "client_secret": self._app_secret}
        ).encode()
        answer = await self._http.send(
            "signing in",
            "POST",
            f"{self._base}/v2/oauth2/token",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        token = (answer.body or {}).get("access_token") if isinstance(answer.body, dict) else None
        if answer.status != 200 or not isinstance(token, str):
            if answer.status in (400, 401):
                raise ProviderError(NAME, "signing in failed: check SUPPORTBOT_HELPSCOUT_APP_ID and _APP_SECRET")
            raise http_status_error(NAME, "signing in", answer, None, rejected="SUPPORTBOT_HELPSCOUT_APP_*")
        self._token = token
        return token


class _Answer:
    """JsonHttp's answer plus Help Scout's `Resource-ID` header (the id of a thread it just made)."""

    def __init__(self, answer: Answer):
        self.status = answer.status
        self.body = answer.body
        self.resource_id = answer.headers.get("Resource-ID") if answer.headers else None
