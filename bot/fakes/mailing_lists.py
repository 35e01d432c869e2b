"""A fake Mailchimp Marketing API (one audience) and a fake Kit v4 API on 127.0.0.1, for tests and the demo.

Both check credentials the way the real ones do (Mailchimp: HTTP basic auth, any user, the API key as
password; Kit: the `X-Kit-Api-Key` header) and answer errors in their vendor's shape: Mailchimp's
problem+json (`type`, `title`, `status`, `detail`, `instance`), Kit's `{"errors": [...]}`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.core.clock import SystemClock
from bot.fakes.http import FakeHttpServer

PROBLEM_JSON = "application/problem+json"
_MAILCHIMP_STATUSES = frozenset({"subscribed", "unsubscribed", "cleaned", "pending", "transactional", "archived"})
_PATCHABLE = frozenset({"subscribed", "unsubscribed", "pending", "transactional"})
_KIT_STATES = frozenset({"active", "inactive", "bounced", "complained", "cancelled"})


@dataclass
class _Member:
    email: str
    status: str
    last_changed: str


class FakeMailchimp(FakeHttpServer):
    """One Mailchimp audience: list lookup, and member lookup and update by subscriber hash."""

    error_content_type = PROBLEM_JSON

    def __init__(self, api_key: str = "0123456789abcdef0123456789abcdef-us21", list_id: str = "a1b2c3d4e5") -> None:
        super().__init__()
        self.api_key = api_key
        self.list_id = list_id
        self._members: dict[str, _Member] = {}  # by subscriber hash

    def subscribe(self, email: str, status: str = "subscribed") -> None:
        if status not in _MAILCHIMP_STATUSES:
            raise ValueError(f"Mailchimp has no member status {status!r}")
        self._members[subscriber_hash(email)] = _Member(email, status, _now())

    def status_of(self, email: str) -> str | None:
        member = self._members.get(subscriber_hash(email))
        return member.status if member else None

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/3.0/lists/{list_id}", self._list)
        app.router.add_get("/3.0/lists/{list_id}/members/{hash}", self._member)
        app.router.add_patch("/3.0/lists/{list_id}/members/{hash}", self._update_member)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            _, _, key = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key = ""
        if scheme.lower() == "basic" and hmac.compare_digest(key.encode(), self.api_key.encode()):
            return None
        detail = "Your API key may be invalid, or you've attempted to access the wrong datacenter."
        return self._problem(401, "API Key Invalid", detail)

    def _error_body(self, status: int, message: str) -> Any:
        title = "Too Many Requests" if status == 429 else HTTPStatus(status).phrase
        return _problem_body(status, title, message)

    async def _list(self, request: web.Request) -> web.Response:
        if request.match_info["list_id"] != self.list_id:
            return self._not_found()
        body = {"id": self.list_id, "web_id": 1, "name": "Newsletter", "stats": {"member_count": len(self._members)}}
        return web.json_response(_only_fields(body, request))

    async def _member(self, request: web.Request) -> web.Response:
        member = self._member_of(request)
        if member is None:
            return self._not_found()
        return web.json_response(_only_fields(self._resource(member), request))

    async def _update_member(self, request: web.Request) -> web.Response:
        member = self._member_of(request)
        if member is None:
            return self._not_found()
        try:
            status = json.loads(await request.read()).get("status")
        except (ValueError, AttributeError):
            return self._problem(400, "JSON Parse Error", "We encountered an unspecified JSON parsing error.")
        if status not in _PATCHABLE or member.status in ("cleaned", "archived"):
            detail = (
                "The resource submitted could not be validated. For field-specific details, see the 'errors' array."
            )
            return self._problem(400, "Invalid Resource", detail)
        if member.status != status:
            member.status, member.last_changed = status, _now()
        return web.json_response(self._resource(member))

    def _member_of(self, request: web.Request) -> _Member | None:
        if request.match_info["list_id"] != self.list_id:
            return None
        return self._members.get(request.match_info["hash"])

    def _resource(self, member: _Member) -> dict[str, Any]:
        member_hash = subscriber_hash(member.email)
        return {
            "id": member_hash,
            "email_address": member.email,
            "unique_email_id": member_hash[:10],
            "email_type": "html",
            "status": member.status,
            "list_id": self.list_id,
            "last_changed": member.last_changed,
        }

    def _not_found(self) -> web.Response:
        return self._problem(404, "Resource Not Found", "The requested resource could not be found.")

    def _problem(self, status: int, title: str, detail: str) -> web.Response:
        return web.json_response(_problem_body(status, title, detail), status=status, content_type=PROBLEM_JSON)


@asynccontextmanager
async def fake_mailchimp_api(**kwargs: str) -> AsyncIterator[FakeMailchimp]:
    async with FakeMailchimp(**kwargs) as fake:
        yield fake


@dataclass
class _Subscriber:
    id: int
    email: str
    state: str
    created_at: str


class FakeKit(FakeHttpServer):
    """A Kit account's subscribers: listing filtered by email and status, and unsubscribing by id."""

    def __init__(self, api_key: str = "kit_4b1d5e0c2a") -> None:
        super().__init__()
        self.api_key = api_key
        self._subscribers: dict[int, _Subscriber] = {}
        self._ids = itertools.count(3_140_000_001)

    def subscribe(self, email: str, status: str = "active") -> int:
        """Add a subscriber in Kit's own state words (active, inactive, bounced, complained, cancelled)."""
        if status not in _KIT_STATES:
            raise ValueError(f"Kit has no subscriber state {status!r}")
        subscriber = _Subscriber(next(self._ids), email, status, _now())
        self._subscribers[subscriber.id] = subscriber
        return subscriber.id

    def status_of(self, email: str) -> str | None:
        found = [s.state for s in self._subscribers.values() if s.email.lower() == email.lower()]
        return found[0] if found else None

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/v4/subscribers", self._list)
        app.router.add_post("/v4/subscribers/{id}/unsubscribe", self._unsubscribe)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        key = request.headers.get("X-Kit-Api-Key", "")
        if key and hmac.compare_digest(key.encode(), self.api_key.encode()):
            return None
        return self._error(401, "The access token is invalid")

    def _error_body(self, status: int, message: str) -> Any:
        return {"errors": [message]}

    async def _list(self, request: web.Request) -> web.Response:
        status = request.query.get("status", "active")  # Kit lists active subscribers unless asked otherwise
        if status != "all" and status not in _KIT_STATES:
            return self._error(422, "Status is not included in the list")
        email = request.query.get("email_address", "").lower()
        found = [
            s
            for s in self._subscribers.values()
            if (not email or s.email.lower() == email) and (status == "all" or s.state == status)
        ]
        cursor = base64.b64encode(json.dumps([found[-1].id if found else 0]).encode()).decode()
        pagination = {
            "has_previous_page": False,
            "has_next_page": False,
            "start_cursor": cursor,
            "end_cursor": cursor,
            "per_page": 500,
        }
        return web.json_response({"subscribers": [self._resource(s) for s in found], "pagination": pagination})

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["id"]
        subscriber = self._subscribers.get(int(raw_id)) if raw_id.isdigit() else None
        if subscriber is None:
            return self._error(404, "Not Found")
        subscriber.state = "cancelled"
        return web.Response(status=204)

    def _resource(self, subscriber: _Subscriber) -> dict[str, Any]:
        return {
            "id": subscriber.id,
            "first_name": None,
            "email_address": subscriber.email,
            "state": subscriber.state,
            "created_at": subscriber.created_at,
            "fields": {},
        }


@asynccontextmanager
async def fake_kit_api(**kwargs: str) -> AsyncIterator[FakeKit]:
    async with FakeKit(**kwargs) as fake:
        yield fake


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: the MD5 of the lower-cased address."""
    return hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()


def _problem_body(status: int, title: str, detail: str) -> dict[str, Any]:
    return {
        "type": "https://mailchimp.com/developer/marketing/docs/errors/",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(uuid.uuid4()),
    }


def _only_fields(resource: dict[str, Any], request: web.Request) -> dict[str, Any]:
    """Mailchimp's `fields` parameter: only the named top-level fields."""
    fields = [name for name in request.query.get("fields", "").split(",") if name]
    return {name: resource[name] for name in fields if name in resource} if fields else resource


def _now() -> str:
    return SystemClock().now().strftime("%Y-%m-%dT%H:%M:%S+00:00")
