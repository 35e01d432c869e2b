"""A fake FreeScout (with its API & Webhooks module) on 127.0.0.1: the API calls the bot makes, checked against
the module's API key, and webhooks signed like the module's (base64 HMAC-SHA1 of PHP's json_encode of the
conversation). Conversations start from a documented sample and change as FreeScout would change them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.fakes.conversation_desk import STATUSES, FakeConversationDesk


class FakeFreeScout(FakeConversationDesk):
    event_header = "X-FreeScout-Event"
    signature_header = "X-FreeScout-Signature"
    customer_field = "customer"
    first, last = "firstName", "lastName"
    reply_type = "message"
    php_json = True
    thread_count = "threadsCount"
    mailbox_id = 15

    def __init__(self, api_key: str = "fs-api-key-1", webhook_secret: str = "fs-hook-1"):  # noqa: S107
        super().__init__(webhook_secret)
        self.api_key = api_key

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/api/users", self._list_users)
        app.router.add_get("/api/mailboxes", self._mailboxes)
        app.router.add_get("/api/conversations/{id}", self._get)
        app.router.add_put("/api/conversations/{id}", self._update)
        app.router.add_post("/api/conversations/{id}/threads", self._new_thread)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        if request.headers.get("X-FreeScout-API-Key") != self.api_key:
            return self._error(401, "API Key is either not provided or not valid")
        return None

    def _error_body(self, status: int, message: str) -> Any:
        return {"message": message, "_embedded": {"errors": []}}

    async def _update(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        change = await request.json()
        if change.get("byUser") not in self.users:
            return self._invalid("byUser", "byUser is required to change the assignee or status")
        if "assignTo" in change:
            if change["assignTo"] not in self.users:
                return self._invalid("assignTo", "User not found")
            self.assign(conversation["id"], change["assignTo"])
        if "status" in change:
            if change["status"] not in STATUSES:
                return self._invalid("status", "Invalid status")
            self.set_status(conversation["id"], change["status"])
        return web.Response(status=204)

    async def _new_thread(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        body = await request.json()
        if body.get("type") not in ("customer", "message", "note", "phone"):
            return self._invalid("type", "Invalid thread type")
        return self._add_thread(conversation, body["type"], body)
