"""What the fake Zendesk and fake Freshdesk share: tickets by number, ids and a clock of their own, Basic auth.

Each desk's clock starts at `start` and advances a minute per change, so nothing here reads the wall clock.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

from aiohttp import web

from bot.fakes.http import FakeHttpServer


class FakeTicketDesk(FakeHttpServer):
    not_found_body: ClassVar[dict[str, str]] = {}  # the desk's body for an unknown ticket or person

    def __init__(self, start: datetime, first_id: int) -> None:
        super().__init__()
        self.tickets: dict[int, dict[str, Any]] = {}
        self._now = start
        self._next_id = first_id

    def _changed(self, ticket_id: int, **fields: Any) -> None:
        """Set `fields` on the ticket, which was updated now."""
        self.tickets[ticket_id] |= fields | {"updated_at": self._tick()}

    def _has_basic_auth(self, request: web.Request, credentials: str) -> bool:
        expected = base64.b64encode(credentials.encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _ticket(self, request: web.Request) -> dict[str, Any]:
        ticket = self.tickets.get(int(request.match_info["id"]))
        if ticket is None:
            raise web.HTTPNotFound(text=json.dumps(self.not_found_body), content_type="application/json")
        return ticket

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _tick(self) -> str:
        self._now += timedelta(minutes=1)
        return iso(self._now)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
