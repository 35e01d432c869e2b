"""A fake Freshdesk on 127.0.0.1: the API v2 calls the bot makes (Basic auth with the API key), and the
automation rule's "Trigger webhook" in its "Simple" content format with our custom token header. Its clock
starts at `start` and advances a minute per change, so nothing here reads the wall clock."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web

from bot.fakes.ticket_desk import FakeTicketDesk
from bot.integrations.desk_events.freshdesk import TOKEN_HEADER

_STATUS_NAMES = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}


class FakeFreshdesk(FakeTicketDesk):
    not_found_body: ClassVar[dict[str, str]] = {"code": "not_found"}

    def __init__(self, start: datetime, api_key: str = "fd-key-1", webhook_token: str = "fd-hook-1"):  # noqa: S107
        super().__init__(start, first_id=43_000_000_001)
        self.api_key = api_key
        self.webhook_token = webhook_token
        self.agents: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, list[dict[str, Any]]] = {}
        self.add_agent("owner@shop.example", "Shop Owner")

    def add_agent(self, email: str, name: str) -> int:
        agent_id = self._new_id()
        self.agents[agent_id] = {
            "id": agent_id,
            "available": True,
            "occasional": False,
            "ticket_scope": 1,
            "contact": {"name": name, "email": email, "active": True, "job_title": None},
        }
        return agent_id

    def add_contact(self, email: str, name: str) -> int:
        contact_id = self._new_id()
        self.contacts[contact_id] = {"id": contact_id, "name": name, "email": email, "mobile": None, "phone": None}
        return contact_id

    def open_ticket(self, requester: int, subject: str, html: str) -> int:
        ticket_id = 1042 + len(self.tickets)
        at = self._tick()
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "subject": subject,
            "description": html,
            "description_text": html,
            "status": 2,
            "priority": 1,
            "source": 1,
            "requester_id": requester,
            "responder_id": None,
            "group_id": None,
            "type": None,
            "tags": [],
            "cc_emails": [],
            "fr_escalated": False,
            "spam": False,
            "is_escalated": False,
            "created_at": at,
            "updated_at": at,
            "due_by": at,
            "fr_due_by": at,
        }
        self.conversations[ticket_id] = []
        return ticket_id

    def customer_replies(self, ticket_id: int, html: str) -> int:
        ticket = self.tickets[ticket_id]
        made = self._conversation(ticket_id, html, user_id=ticket["requester_id"], incoming=True, private=False)
        if ticket["status"] in (4, 5):
            ticket["status"] = 2
        return made["id"]

    def agent_replies(self, ticket_id: int, agent_id: int, html: str, *, private: bool = False) -> int:
        return self._conversation(ticket_id, html, user_id=agent_id, incoming=False, private=private)["id"]

    def assign(self, ticket_id: int, agent_id: int | None) -> None:
        self._changed(ticket_id, responder_id=agent_id)

    def set_status(self, ticket_id: int, status: int) -> None:
        self._changed(ticket_id, status=status)

    def webhook(self, ticket_id: int, token: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The rule's "Simple" JSON with a few placeholders filled in, and our token header."""
        ticket = self.tickets[ticket_id]
        requester = self.contacts[ticket["requester_id"]]
        body = {
            "freshdesk_webhook": {
                "ticket_id": ticket_id,
                "ticket_subject": ticket["subject"],
                "ticket_status": _STATUS_NAMES[ticket["status"]],
                "ticket_requester_name": requester["name"],
                "ticket_requester_email": requester["email"],
                "ticket_url": f"https://shop.freshdesk.com/helpdesk/tickets/{ticket_id}",
            }
        }
        headers = {"Content-Type": "application/json", TOKEN_HEADER: token or self.webhook_token}
        return json.dumps(body).encode(), headers

    # -- the API ------------------------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v2/agents/me", self._me)
        app.router.add_get("/api/v2/agents", self._list_agents)
        app.router.add_get("/api/v2/agents/{id}", self._agent)
        app.router.add_get("/api/v2/tickets/{id}", self._ticket_view)
        app.router.add_get("/api/v2/tickets/{id}/conversations", self._conversations)
        app.router.add_put("/api/v2/tickets/{id}", self._update)
        app.router.add_post("/api/v2/tickets/{id}/reply", self._reply)
        app.router.add_post("/api/v2/tickets/{id}/notes", self._note)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        if not self._has_basic_auth(request, f"{self.api_key}:X"):
            return self._error(401, "You have to be logged in to perform this action.")
        return None

    def _error_body(self, status: int, message: str) -> Any:
        code = "invalid_credentials" if status == 401 else "error"
        return {"code": code, "message": message}

    async def _me(self, request: web.Request) -> web.Response:
        return web.json_response(next(iter(self.agents.values())))

    async def _list_agents(self, request: web.Request) -> web.Response:
        email = request.query.get("email", "").lower()
        return web.json_response([a for a in self.agents.values() if a["contact"]["email"].lower() == email])

    async def _agent(self, request: web.Request) -> web.Response:
        agent = self.agents.get(int(request.match_info["id"]))
        if agent is None:
            return self._error(404, "Not found")
        return web.json_response(agent)

    async def _ticket_view(self, request: web.Request) -> web.Response:
        ticket = dict(self._ticket(request))
        if "requester" in request.query.get("include", "").split(","):
            ticket["requester"] = self.contacts[ticket["requester_id"]]
        return web.json_response(ticket)

    async def _conversations(self, request: web.Request) -> web.Response:
        return web.json_response(self.conversations[self._ticket(request)["id"]])

    async def _update(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        change = await request.json()
        if "responder_id" in change:
            if change["responder_id"] not in self.agents:
                return self._invalid("responder_id", "There is no agent with this id")
            self.assign(ticket["id"], change["responder_id"])
        if "status" in change:
            if change["status"] not in _STATUS_NAMES:
                return self._invalid("status", "It should be one of these values: '2,3,4,5'")
            self.set_status(ticket["id"], change["status"])
        return web.json_response(ticket)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._add(request, private=False)

    async def _note(self, request: web.Request) -> web.Response:
        return await self._add(request, private=True)

    async def _add(self, request: web.Request, *, private: bool) -> web.Response:
        ticket = self._ticket(request)
        body = await request.json()
        if not body.get("body"):
            return self._invalid("body", "It should not be blank as this is a mandatory field")
        if body.get("user_id") not in self.agents:
            return self._invalid("user_id", "There is no agent with this id")
        made = self._conversation(
            ticket["id"], body["body"], user_id=body["user_id"], incoming=False, private=body.get("private", private)
        )
        return web.json_response(made, status=201)

    def _conversation(
        self, ticket_id: int, html: str, *, user_id: int, incoming: bool, private: bool
    ) -> dict[str, Any]:
        at = self._tick()
        made = {
            "id": self._new_id(),
            "body": html,
            "body_text": html,
            "incoming": incoming,
            "private": private,
            "user_id": user_id,
            "support_email": None if incoming else "support@shop.freshdesk.com",
            "source": 0 if incoming else (2 if private else 0),
            "ticket_id": ticket_id,
            "to_emails": [],
            "from_email": None,
            "cc_emails": [],
            "bcc_emails": [],
            "attachments": [],
            "created_at": at,
            "updated_at": at,
        }
        self.conversations[ticket_id].append(made)
        self.tickets[ticket_id]["updated_at"] = at
        return made

    def _invalid(self, field: str, message: str) -> web.Response:
        body = {
            "description": "Validation failed",
            "errors": [{"field": field, "message": message, "code": "invalid_value"}],
        }
        return web.json_response(body, status=400)
