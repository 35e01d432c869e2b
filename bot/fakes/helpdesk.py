"""A fake help desk on 127.0.0.1 that receives the bot's signed ticket updates, for tests and the offline demo.

It behaves as docs/helpdesk-writeback.md asks a real one to: it verifies the timestamp and signature with the
tickets webhook secret (401 or 400 otherwise), applies each `Idempotency-Key` once and answers a replay with the
same reference, and refuses a reply to a ticket it has closed (409).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.core.clock import SystemClock
from bot.core.errors import WebhookRejectedError
from bot.fakes.faults import Faults, HttpFault
from bot.fakes.http import LoopbackServer
from bot.integrations.tickets_webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

CALLBACK_PATH = "/callbacks/tickets"
UPDATE_TYPES = frozenset({"ticket.assigned", "ticket.reply", "ticket.closed"})


@dataclass(frozen=True)
class RecordedRequest:
    """Every request that reached the endpoint, before any check."""

    headers: dict[str, str]
    raw: bytes


@dataclass(frozen=True)
class ReceivedUpdate:
    """An update the fake verified and applied; a replay adds none."""

    type: str
    id: str
    ticket_id: str
    agent: dict[str, Any]
    body: str | None
    sent_at: str
    reference: str
    event: dict[str, Any]
    headers: dict[str, str]


class FakeHelpDesk(LoopbackServer):
    """The receiving end of `SignedCallbackWriteBack`; `callback_url` is what a ticket would carry."""

    def __init__(self, secret: str = "fake-tickets-secret", *, now: Callable[[], datetime] | None = None):  # noqa: S107
        self.secret = secret
        self.requests: list[RecordedRequest] = []
        self.updates: list[ReceivedUpdate] = []
        self.closed_tickets: set[str] = set()
        self.replays = 0
        self.plain_answers = False  # True: answer 204 with no body, as a help desk with no reference would
        self._now = now or SystemClock().now
        self._applied: dict[str, ReceivedUpdate] = {}
        self._faults: Faults[HttpFault] = Faults()

    @property
    def callback_url(self) -> str:
        return self.base_url + CALLBACK_PATH

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(CALLBACK_PATH, self._receive)
        return app

    def fail_next(self, times: int = 1, *, status: int = 500, delay: float = 0.0) -> None:
        """Answer the next `times` requests with `status` after `delay` seconds, applying nothing."""
        self._faults.add(HttpFault(status, delay), times)

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.requests.append(RecordedRequest(dict(request.headers), raw))
        fault = self._faults.take()
        if fault is not None and fault.status is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return _error(fault.status, HTTPStatus(fault.status).phrase)
        try:
            verify_signature(
                raw,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                self.secret,
                self._now(),
            )
        except WebhookRejectedError as rejected:
            return _error(rejected.status, rejected.reason)
        if request.content_type != "application/json":
            return _error(415, "send application/json")
        key = request.headers.get("Idempotency-Key", "")
        event, problem = _checked_event(raw, key)
        if event is None:
            return _error(400, problem)
        if key in self._applied:
            self.replays += 1
            return self._applied_answer(self._applied[key], status=200)
        ticket_id = event["ticket"]["id"]
        if event["type"] == "ticket.reply" and ticket_id in self.closed_tickets:
            return _error(409, f"ticket {ticket_id} is closed")
        update = ReceivedUpdate(
            type=event["type"],
            id=event["id"],
            ticket_id=ticket_id,
            agent=event["agent"],
            body=event.get("body"),
            sent_at=event["sent_at"],
            reference=f"HD-{1001 + len(self.updates)}",
            event=event,
            headers=dict(request.headers),
        )
        self._applied[key] = update
        self.updates.append(update)
        if update.type == "ticket.closed":
            self.closed_tickets.add(ticket_id)
        return self._applied_answer(update, status=201)

    def _applied_answer(self, update: ReceivedUpdate, *, status: int) -> web.Response:
        if self.plain_answers:
            return web.Response(status=204)
        return web.json_response({"reference": update.reference, "status": "applied"}, status=status)


def _checked_event(raw: bytes, key: str) -> tuple[dict[str, Any] | None, str]:
    """The event when it has the documented shape, else None and what is wrong with it."""
    try:
        event = json.loads(raw)
    except ValueError:
        return None, "the body is not JSON"
    if not isinstance(event, dict):
        return None, "the body must be a JSON object"
    if event.get("type") not in UPDATE_TYPES:
        return None, f"`type` must be one of {sorted(UPDATE_TYPES)}"
    if not key or event.get("id") != key:
        return None, "the Idempotency-Key header must equal the body's `id`"
    ticket, agent = event.get("ticket"), event.get("agent")
    if not isinstance(ticket, dict) or not isinstance(ticket.get("id"), str):
        return None, "`ticket.id` is required"
    if not isinstance(agent, dict) or not isinstance(agent.get("slack_user_id"), str):
        return None, "`agent.slack_user_id` is required"
    if not isinstance(event.get("sent_at"), str):
        return None, "`sent_at` is required"
    if event["type"] == "ticket.reply" and not isinstance(event.get("body"), str):
        return None, "a reply needs a `body`"
    return event, ""


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@asynccontextmanager
async def fake_helpdesk(secret: str = "fake-tickets-secret", **kwargs: Any) -> AsyncIterator[FakeHelpDesk]:  # noqa: S107
    async with FakeHelpDesk(secret, **kwargs) as fake:
        yield fake
