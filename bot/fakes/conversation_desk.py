"""What the fake Help Scout and fake FreeScout share: conversations in their common shape, changed as the desk
would change them, rendered as signed `convo.*` webhooks, and the API calls both desks answer alike.

Timestamps advance a minute per change from the conversation's own, so nothing here reads the wall clock.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.fakes.http import FakeHttpServer
from bot.integrations.desk_events.conversations import sign

STATUSES = ("active", "pending", "closed", "spam")  # a conversation's, in both desks


class FakeConversationDesk(FakeHttpServer):
    # What differs between the desks' shapes and headers; set by each subclass.
    event_header = ""
    signature_header = ""
    customer_field = ""  # "primaryCustomer" | "customer"
    first, last = "first", "last"  # the name fields of a person
    reply_type = ""  # the thread type of an agent's reply: "reply" | "message"
    thread_count = ""  # the conversation's count of threads: "threads" | "threadsCount"
    mailbox_id = 0
    php_json = False  # FreeScout's body is PHP's json_encode: "\/" and "\uXXXX" escapes

    def __init__(self, webhook_secret: str) -> None:
        super().__init__()
        self.webhook_secret = webhook_secret
        self.users: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, dict[str, Any]] = {}
        self._next_id = 9_000_000_001

    def add_user(self, email: str, first: str, last: str = "") -> int:
        user_id = 700_000 + len(self.users) + 1
        self.users[user_id] = {"id": user_id, self.first: first, self.last: last, "email": email, "role": "user"}
        return user_id

    def add_conversation(self, conversation: dict[str, Any]) -> int:
        self.conversations[conversation["id"]] = copy.deepcopy(conversation)
        return int(conversation["id"])

    def customer_writes(self, conversation_id: int, html: str) -> int:
        conversation = self.conversations[conversation_id]
        customer = conversation[self.customer_field]
        person = {k: customer.get(k) for k in ("id", self.first, self.last, "email")} | {"type": "customer"}
        thread = self._thread(conversation, "customer", html, person)
        conversation["status"] = "active"
        conversation["customerWaitingSince"] = {"time": thread["createdAt"], "friendly": "Just now"}
        return int(thread["id"])

    def agent_replies(self, conversation_id: int, user_id: int, html: str) -> int:
        """A reply written in the desk itself."""
        conversation = self.conversations[conversation_id]
        thread = self._thread(conversation, self.reply_type, html, self._person(user_id))
        conversation["userUpdatedAt"] = thread["createdAt"]
        return int(thread["id"])

    def assign(self, conversation_id: int, user_id: int | None) -> None:
        conversation = self.conversations[conversation_id]
        if user_id is None:
            conversation.pop("assignee", None)
        else:
            conversation["assignee"] = self._person(user_id)
        conversation["userUpdatedAt"] = self._tick(conversation)

    def set_status(self, conversation_id: int, status: str) -> None:
        conversation = self.conversations[conversation_id]
        conversation["status"] = status
        conversation["userUpdatedAt"] = self._tick(conversation)

    def threads(self, conversation_id: int, thread_type: str | None = None) -> list[dict[str, Any]]:
        threads = self.conversations[conversation_id]["_embedded"]["threads"]
        return [t for t in threads if thread_type is None or t["type"] == thread_type]

    def webhook(self, conversation_id: int, event: str) -> tuple[bytes, dict[str, str]]:
        """The request the desk sends for `event` now: the conversation as it stands, signed."""
        conversation = self.conversations[conversation_id]
        if self.php_json:
            raw = json.dumps(conversation, separators=(",", ":")).replace("/", "\\/").encode()
        else:
            raw = json.dumps(conversation).encode()
        headers = {
            "Content-Type": "application/json",
            self.event_header: event,
            self.signature_header: sign(self.webhook_secret, raw),
        }
        return raw, headers

    # -- the API calls both desks answer alike -------------------------------------------------------------------

    async def _list_users(self, request: web.Request) -> web.Response:
        email = request.query.get("email", "").lower()
        users = [u for u in self.users.values() if not email or u["email"].lower() == email]
        return web.json_response({"_embedded": {"users": users}, "page": {"size": 50, "totalElements": len(users)}})

    async def _mailboxes(self, request: web.Request) -> web.Response:
        return web.json_response({"_embedded": {"mailboxes": [{"id": self.mailbox_id, "name": "Support"}]}})

    async def _get(self, request: web.Request) -> web.Response:
        body = copy.deepcopy(self._conversation(request))
        if request.query.get("embed") != "threads":
            body.pop("_embedded", None)
        return web.json_response(body)

    def _add_thread(self, conversation: dict[str, Any], kind: str, body: dict[str, Any]) -> web.Response:
        """A thread an agent writes through the API: checked as the desk checks it, answered with its id."""
        if not body.get("text"):
            return self._invalid("text", "may not be empty")
        if body.get("user") not in self.users:
            return self._invalid("user", "User not found")
        thread = self._thread(conversation, kind, body["text"], self._person(body["user"]))
        conversation[self.thread_count] = len(conversation["_embedded"]["threads"])
        if kind == self.reply_type:
            conversation["userUpdatedAt"] = thread["createdAt"]
        return web.Response(status=201, headers={"Resource-ID": str(thread["id"])})

    def _conversation(self, request: web.Request) -> dict[str, Any]:
        try:
            return self.conversations[int(request.match_info["id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound(
                text=json.dumps(self._error_body(404, "Not Found")), content_type="application/json"
            ) from None

    def _person(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        return {k: user[k] for k in ("id", self.first, self.last, "email")} | {"type": "user"}

    def _thread(self, conversation: dict[str, Any], kind: str, html: str, person: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        thread = {
            "id": self._next_id,
            "type": kind,
            "status": "active",
            "state": "published",
            "body": html,
            "source": {"type": "email" if kind != "note" else "web", "via": person["type"]},
            "createdBy": person,
            "assignedTo": None,
            "createdAt": self._tick(conversation),
            "_embedded": {"attachments": []},
        }
        conversation["_embedded"]["threads"].insert(0, thread)  # both desks list the newest first
        return thread

    def _tick(self, conversation: dict[str, Any]) -> str:
        """A minute after the latest time the conversation shows."""
        times = [conversation.get("createdAt"), conversation.get("userUpdatedAt")]
        times += [t.get("createdAt") for t in conversation["_embedded"]["threads"]]
        latest = max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times if t)
        return (latest + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")

    def _invalid(self, path: str, message: str) -> web.Response:
        body = {"message": "Validation error", "_embedded": {"errors": [{"path": path, "message": message}]}}
        return web.json_response(body, status=400)
