"""A fake Zendesk on 127.0.0.1: the REST calls the bot makes (Basic `{email}/token:{token}`), and ticket event
webhooks in Zendesk's `zen:event-type:ticket.*` shape, signed like Zendesk's (base64 HMAC-SHA256 of timestamp and
body). Its clock starts at `start` and advances a minute per change, so nothing here reads the wall clock."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web

from bot.fakes.ticket_desk import FakeTicketDesk, iso
from bot.integrations.desk_events import zendesk as events


class FakeZendesk(FakeTicketDesk):
    not_found_body: ClassVar[dict[str, str]] = {"error": "RecordNotFound", "description": "Not found"}

    def __init__(
        self,
        start: datetime,
        email: str = "bot@shop.example",
        api_token: str = "zd-token-1",  # noqa: S107
        webhook_secret: str = "zd-hook-1",  # noqa: S107
    ):
        super().__init__(start, first_id=8_447_000_000_001)
        self.email = email
        self.api_token = api_token
        self.webhook_secret = webhook_secret
        self.users: dict[int, dict[str, Any]] = {}
        self._events = 0
        self.add_user(email, "Support Bot", role="admin")

    # -- the desk's state ---------------------------------------------------------------------------------------

    def add_user(self, email: str, name: str, role: str = "agent") -> int:
        user_id = self._new_id()
        self.users[user_id] = {"id": user_id, "name": name, "email": email, "role": role}
        return user_id

    def open_ticket(self, requester: int, subject: str, body: str) -> int:
        ticket_id = 5158 + len(self.tickets)
        at = self._tick()
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "subject": subject,
            "description": body,
            "status": "new",
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": None,
            "created_at": at,
            "updated_at": at,
            "comments": [],
        }
        self.comment(ticket_id, requester, body)
        return ticket_id

    def comment(self, ticket_id: int, author: int, body: str, *, public: bool = True) -> int:
        ticket = self.tickets[ticket_id]
        comment_id = self._new_id()
        at = self._tick()
        html = "<p>" + body.replace("\n", "<br>") + "</p>"
        ticket["comments"].append(
            {
                "id": comment_id,
                "type": "Comment",
                "author_id": author,
                "body": body,
                "html_body": html,
                "plain_body": body,
                "public": public,
                "attachments": [],
                "via": {"channel": "web"},
                "created_at": at,
            }
        )
        ticket["updated_at"] = at
        if author == ticket["requester_id"] and ticket["status"] in ("pending", "solved"):
            ticket["status"] = "open"
        return comment_id

    def assign(self, ticket_id: int, user_id: int | None) -> None:
        self._changed(ticket_id, assignee_id=user_id)

    def set_status(self, ticket_id: int, status: str) -> None:
        self._changed(ticket_id, status=status)

    def event(self, ticket_id: int, event_type: str, comment_id: int | None = None) -> dict[str, Any]:
        """The payload Zendesk sends now for `event_type` (`ticket.comment_added` names its comment)."""
        ticket = self.tickets[ticket_id]
        detail = {
            "actor_id": str(ticket["requester_id"]),
            "assignee_id": str(ticket["assignee_id"]) if ticket["assignee_id"] else None,
            "brand_id": "8447346621310",
            "created_at": ticket["created_at"],
            "custom_status": "8447320465790",
            "description": ticket["description"],
            "external_id": None,
            "form_id": "8646151517822",
            "group_id": "8447320466430",
            "id": str(ticket_id),
            "is_public": True,
            "organization_id": None,
            "priority": "NORMAL",
            "requester_id": str(ticket["requester_id"]),
            "status": ticket["status"].upper(),
            "subject": ticket["subject"],
            "submitter_id": str(ticket["submitter_id"]),
            "tags": [],
            "type": "QUESTION",
            "updated_at": ticket["updated_at"],
            "via": {"channel": "web"},
        }
        change: dict[str, Any] = {}
        if event_type == "ticket.comment_added":
            comment = next(c for c in ticket["comments"] if c["id"] == comment_id)
            author = self.users[comment["author_id"]]
            change = {
                "comment": {
                    "id": str(comment["id"]),
                    "body": comment["body"],
                    "is_public": comment["public"],
                    "author": {
                        "id": str(author["id"]),
                        "is_staff": author["role"] != "end-user",
                        "name": author["name"],
                    },
                }
            }
        elif event_type == "ticket.status_changed":
            change = {"current": detail["status"], "previous": "OPEN"}
        elif event_type == "ticket.agent_assignment_changed":
            change = {"current": ticket["assignee_id"], "previous": None}
        self._events += 1
        return {
            "account_id": 22129848,
            "detail": detail,
            "event": change,
            "id": f"d4f5c389-8f4a-4c2e-a1b9-{self._events:012d}",
            "subject": f"zen:ticket:{ticket_id}",
            "time": ticket["updated_at"],
            "type": f"zen:event-type:{event_type}",
            "zendesk_event_version": "2022-11-06",
        }

    def webhook(self, payload: dict[str, Any], signed_at: datetime) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(payload).encode()
        timestamp = iso(signed_at.replace(microsecond=0))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Webhook-Id": "01GK8E6BKWMJZD2T8Y5AXJQMG5",
            events.SIGNATURE_HEADER: events.sign(self.webhook_secret, timestamp, raw),
            events.TIMESTAMP_HEADER: timestamp,
        }
        return raw, headers

    # -- the API ------------------------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v2/users/me.json", self._me)
        app.router.add_get("/api/v2/users/search.json", self._search)
        app.router.add_get("/api/v2/users/{id}.json", self._user)
        app.router.add_get("/api/v2/tickets/{id}/comments.json", self._comments)
        app.router.add_put("/api/v2/tickets/{id}.json", self._update)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        if not self._has_basic_auth(request, f"{self.email}/token:{self.api_token}"):
            return self._error(401, "Couldn't authenticate you")
        return None

    def _error_body(self, status: int, message: str) -> Any:
        return {"error": "Unauthorized" if status == 401 else "Error", "description": message}

    async def _me(self, request: web.Request) -> web.Response:
        me = next(u for u in self.users.values() if u["email"] == self.email)
        return web.json_response({"user": me})

    async def _search(self, request: web.Request) -> web.Response:
        query = request.query.get("query", "")
        email = query.removeprefix("email:").lower()
        users = [u for u in self.users.values() if u["email"].lower() == email]
        return web.json_response({"users": users, "count": len(users), "next_page": None, "previous_page": None})

    async def _user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["id"]))
        if user is None:
            return web.json_response(self.not_found_body, status=404)
        return web.json_response({"user": user})

    async def _comments(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        return web.json_response({"comments": ticket["comments"], "count": len(ticket["comments"])})

    async def _update(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        change = (await request.json()).get("ticket") or {}
        audit_events: list[dict[str, Any]] = []
        if "assignee_id" in change:
            if change["assignee_id"] not in self.users:
                return self._invalid("assignee_id", "is invalid")
            self.assign(ticket["id"], change["assignee_id"])
            audit_events.append({"id": self._new_id(), "type": "Change", "field_name": "assignee_id"})
        if "status" in change:
            if change["status"] not in ("new", "open", "pending", "hold", "solved", "closed"):
                return self._invalid("status", "is invalid")
            self.set_status(ticket["id"], change["status"])
            audit_events.append({"id": self._new_id(), "type": "Change", "field_name": "status"})
        if comment := change.get("comment"):
            if not comment.get("body") or comment.get("author_id") not in self.users:
                return self._invalid("comment", "needs a body and a known author")
            comment_id = self.comment(ticket["id"], comment["author_id"], comment["body"], public=comment["public"])
            audit_events.append({"id": comment_id, "type": "Comment", "public": comment["public"]})
        public = {k: v for k, v in ticket.items() if k != "comments"}
        return web.json_response({"ticket": public, "audit": {"id": self._new_id(), "events": audit_events}})

    def _invalid(self, field: str, message: str) -> web.Response:
        body = {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field: [{"description": f"{field} {message}"}]},
        }
        return web.json_response(body, status=422)
