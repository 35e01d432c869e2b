"""A fake Help Scout on 127.0.0.1: the Mailbox API v2 calls the bot makes, and webhooks signed like Help Scout's.

Tokens come from the OAuth2 client-credentials endpoint; every other call needs one (`expire_tokens` makes the
next call answer 401, as an expired token does). Conversations start from a documented sample and change as
Help Scout would change them (bot/fakes/conversation_desk.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from bot.fakes.conversation_desk import STATUSES, FakeConversationDesk


class FakeHelpScout(FakeConversationDesk):
    event_header = "X-HelpScout-Event"
    signature_header = "X-HelpScout-Signature"
    customer_field = "primaryCustomer"
    first, last = "first", "last"
    reply_type = "reply"
    thread_count = "threads"
    mailbox_id = 85

    def __init__(self, app_id: str = "hs-app-1", app_secret: str = "hs-secret-1", webhook_secret: str = "hs-hook-1"):  # noqa: S107
        super().__init__(webhook_secret)
        self.app_id = app_id
        self.app_secret = app_secret
        self._tokens: set[str] = set()

    def expire_tokens(self) -> None:
        self._tokens.clear()

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/oauth2/token", self._token)
        app.router.add_get("/v2/users", self._list_users)
        app.router.add_get("/v2/mailboxes", self._mailboxes)
        app.router.add_get("/v2/conversations/{id}", self._get)
        app.router.add_patch("/v2/conversations/{id}", self._patch)
        app.router.add_post("/v2/conversations/{id}/reply", self._reply)
        app.router.add_post("/v2/conversations/{id}/notes", self._note)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        if request.path == "/v2/oauth2/token":
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            return self._error(401, "Unauthorized")
        return None

    def _error_body(self, status: int, message: str) -> Any:
        return {"message": message, "logRef": "fake-helpscout", "_embedded": {"errors": []}}

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        given = (form.get("grant_type"), form.get("client_id"), form.get("client_secret"))
        if given != ("client_credentials", self.app_id, self.app_secret):
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_hex(16)
        self._tokens.add(token)
        return web.json_response({"token_type": "bearer", "access_token": token, "expires_in": 172800})

    async def _patch(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        change = await request.json()
        if change.get("op") != "replace":
            return self._error(400, "Unsupported op")
        if change.get("path") == "/assignTo":
            if change.get("value") not in self.users:
                return self._invalid("value", "User not found")
            self.assign(conversation["id"], change["value"])
        elif change.get("path") == "/status":
            if change.get("value") not in STATUSES:
                return self._invalid("value", "Invalid status")
            self.set_status(conversation["id"], change["value"])
        else:
            return self._invalid("path", "Unsupported path")
        return web.Response(status=204)

    async def _reply(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        body = await request.json()
        if (body.get("customer") or {}).get("id") != conversation["primaryCustomer"]["id"]:
            return self._invalid("customer", "Customer is required")
        return self._add_thread(conversation, "reply", body)

    async def _note(self, request: web.Request) -> web.Response:
        return self._add_thread(self._conversation(request), "note", await request.json())
