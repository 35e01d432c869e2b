"""A fake Keygen API and a fake seller licence server on 127.0.0.1, for tests and the offline demo.

`FakeKeygen` answers in Keygen's JSON:API shapes, error bodies included (422 "is already suspended" carries
no error code, only a source pointer, as Keygen's does). `FakeLicenceServer` is the reference implementation
of the signed protocol in docs/licence-server.md: it checks the signature and its timestamp, and replays the
stored answer for a repeated Idempotency-Key.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.core.clock import Clock, SystemClock
from bot.fakes.http import FakeHttpServer
from bot.integrations.tickets_webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, TOLERANCE_SECONDS, sign

JSONAPI = "application/vnd.api+json"
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_KEYGEN_STATUSES = {"active": "ACTIVE", "suspended": "SUSPENDED", "expired": "EXPIRED", "banned": "BANNED"}


# -- Keygen -----------------------------------------------------------------------------------------------------


@dataclass
class _KeygenLicence:
    id: str
    key: str
    user_id: str
    product_id: str
    status: str  # Keygen's upper-case word
    name: str | None
    created: str = field(default_factory=lambda: _iso(SystemClock().now()))


class FakeKeygen(FakeHttpServer):
    """One Keygen account: listing licences by user (id or email), products, suspend and revoke actions."""

    error_content_type = JSONAPI

    def __init__(self, account: str = "demo-account", token: str = "admin-4f1c2e") -> None:  # noqa: S107
        super().__init__()
        self.account = account
        self.token = token
        self.licences: dict[str, _KeygenLicence] = {}  # by id
        self._users: dict[str, str] = {}  # email -> id
        self._products: dict[str, str] = {}  # id -> name
        self.machines: list[dict[str, Any]] = []  # Keygen machine resources (activations)

    def add_licence(
        self, key: str, email: str, product: str, status: str = "active", *, name: str | None = None
    ) -> str:
        """A licence owned by the user with `email`, for `product` (both made on first use); returns its id."""
        user_id = self._users.setdefault(email.lower(), str(uuid.uuid4()))
        product_id = next((pid for pid, known in self._products.items() if known == product), None)
        if product_id is None:
            product_id = str(uuid.uuid4())
            self._products[product_id] = product
        licence = _KeygenLicence(str(uuid.uuid4()), key, user_id, product_id, _KEYGEN_STATUSES[status], name)
        self.licences[licence.id] = licence
        return licence.id

    def add_machine(self, licence_id: str, fingerprint: str, name: str, platform: str, at: datetime) -> None:
        """An activation of the licence on a device, as Keygen records one (and its last heartbeat)."""
        stamp = _iso(at)
        self.machines.append(
            {
                "id": str(uuid.uuid4()),
                "type": "machines",
                "attributes": {
                    **{"fingerprint": fingerprint, "name": name, "platform": platform, "hostname": None},
                    **{"ip": "192.0.2.10", "cores": 8, "requireHeartbeat": False, "heartbeatStatus": "NOT_STARTED"},
                    **{"lastHeartbeat": None, "metadata": {}, "created": stamp, "updated": stamp},
                },
                "relationships": {"license": {"data": {"type": "licenses", "id": licence_id}}},
            }
        )

    def status_of(self, key: str) -> str | None:
        """The licence's status in our lower-case words, or None once it is revoked."""
        licence = self._find(key)
        return licence.status.lower() if licence else None

    def _routes(self, app: web.Application) -> None:
        base = "/v1/accounts/{account}"
        app.router.add_get(f"{base}/licenses", self._list)
        app.router.add_get(f"{base}/products/{{product}}", self._product)
        app.router.add_get(f"{base}/machines", self._machines)
        app.router.add_post(f"{base}/licenses/{{licence}}/actions/suspend", self._suspend)
        app.router.add_delete(f"{base}/licenses/{{licence}}/actions/revoke", self._revoke)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer" and hmac.compare_digest(token.encode(), self.token.encode()):
            if request.match_info.get("account", self.account) == self.account:
                return None
            return self._keygen_error(404, "Not found", "The requested account was not found", "ACCOUNT_NOT_FOUND")
        body = self._keygen_body("Unauthorized", "Token format is invalid", "TOKEN_FORMAT_INVALID")
        return web.json_response(
            body, status=401, content_type=JSONAPI, headers={"WWW-Authenticate": 'Bearer realm="keygen"'}
        )

    def _error_body(self, status: int, message: str) -> Any:
        return self._keygen_body(HTTPStatus(status).phrase, message)

    async def _list(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        matching = [
            licence
            for licence in self.licences.values()
            if not user or licence.user_id == user or licence.user_id == self._users.get(user.lower())
        ]
        size = min(int(request.query.get("page[size]", "10")), 100)
        number = int(request.query.get("page[number]", "1"))
        page = matching[(number - 1) * size : number * size]
        pages = max(1, -(-len(matching) // size))
        path = f"/v1/accounts/{self.account}/licenses?page[size]={size}"
        next_page = f"{path}&page[number]={number + 1}" if number < pages else None
        links = {"self": f"{path}&page[number]={number}", "next": next_page}
        body = {"data": [self._resource(licence) for licence in page], "links": links, "meta": {"count": len(matching)}}
        return web.json_response(body, content_type=JSONAPI)

    async def _machines(self, request: web.Request) -> web.Response:
        # Keygen's `license` filter takes the licence's id or its key.
        wanted = self._find(request.query.get("license", ""))
        size = min(int(request.query.get("page[size]", "10")), 100)
        found = [m for m in self.machines if wanted and m["relationships"]["license"]["data"]["id"] == wanted.id]
        body = {"data": found[:size], "links": {"next": None}, "meta": {"count": len(found)}}
        return web.json_response(body, content_type=JSONAPI)

    async def _product(self, request: web.Request) -> web.Response:
        product_id = request.match_info["product"]
        if product_id not in self._products:
            return self._not_found()
        data = {"id": product_id, "type": "products", "attributes": {"name": self._products[product_id]}}
        return web.json_response({"data": data}, content_type=JSONAPI)

    async def _suspend(self, request: web.Request) -> web.Response:
        licence = self._find(request.match_info["licence"])
        if licence is None:
            return self._not_found()
        if licence.status == "SUSPENDED":
            body = self._keygen_body("Unprocessable entity", "is already suspended")
            body["errors"][0]["source"] = {"pointer": "/data/attributes/suspended"}
            return web.json_response(body, status=422, content_type=JSONAPI)
        licence.status = "SUSPENDED"
        return web.json_response({"data": self._resource(licence)}, content_type=JSONAPI)

    async def _revoke(self, request: web.Request) -> web.Response:
        licence = self._find(request.match_info["licence"])
        if licence is None:
            return self._not_found()
        del self.licences[licence.id]
        return web.Response(status=204)

    def _find(self, id_or_key: str) -> _KeygenLicence | None:
        return self.licences.get(id_or_key) or next((x for x in self.licences.values() if x.key == id_or_key), None)

    def _resource(self, licence: _KeygenLicence) -> dict[str, Any]:
        base = f"/v1/accounts/{self.account}"
        return {
            "id": licence.id,
            "type": "licenses",
            "attributes": {
                "name": licence.name,
                "key": licence.key,
                "expiry": None,
                "status": licence.status,
                "uses": 0,
                "suspended": licence.status == "SUSPENDED",
                "scheme": None,
                "protected": True,
                "metadata": {},
                "created": licence.created,
                "updated": licence.created,
            },
            "relationships": {
                "product": {
                    "links": {"related": f"{base}/licenses/{licence.id}/product"},
                    "data": {"type": "products", "id": licence.product_id},
                },
                "owner": {
                    "links": {"related": f"{base}/licenses/{licence.id}/owner"},
                    "data": {"type": "users", "id": licence.user_id},
                },
            },
            "links": {"self": f"{base}/licenses/{licence.id}"},
        }

    def _not_found(self) -> web.Response:
        return self._keygen_error(404, "Not found", "The requested resource was not found", "NOT_FOUND")

    def _keygen_body(self, title: str, detail: str, code: str | None = None) -> dict[str, Any]:
        error = {"title": title, "detail": detail} | ({"code": code} if code else {})
        return {"meta": {"id": str(uuid.uuid4())}, "errors": [error]}

    def _keygen_error(self, status: int, title: str, detail: str, code: str) -> web.Response:
        return web.json_response(self._keygen_body(title, detail, code), status=status, content_type=JSONAPI)


@asynccontextmanager
async def fake_keygen_api(**kwargs: str) -> AsyncIterator[FakeKeygen]:
    async with FakeKeygen(**kwargs) as fake:
        yield fake


# -- the signed licence-server protocol -------------------------------------------------------------------------


@dataclass
class _Licence:
    key: str
    email: str
    product: str | None
    status: str


class FakeLicenceServer(FakeHttpServer):
    """A seller's licence server as docs/licence-server.md describes it.

    `rejected` counts the requests refused for a missing, wrong or stale signature; `revocations` lists the keys
    actually revoked (a replayed Idempotency-Key adds none).
    """

    def __init__(self, secret: str = "licence-server-secret", clock: Clock | None = None) -> None:  # noqa: S107
        super().__init__()
        self.secret = secret
        self.clock = clock or SystemClock()
        self.rejected = 0
        self.revocations: list[str] = []
        self._licences: dict[str, _Licence] = {}
        self._answers: dict[str, tuple[str, int, dict[str, Any]]] = {}  # Idempotency-Key -> (key, status, body)

    def add_licence(self, key: str, email: str, product: str | None = None, status: str = "active") -> None:
        self._licences[key] = _Licence(key, email, product, status)

    def status_of(self, key: str) -> str | None:
        licence = self._licences.get(key)
        return licence.status if licence else None

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/licences", self._list)
        app.router.add_post("/licences/{key}/revoke", self._revoke)

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signatures = request.headers.get(SIGNATURE_HEADER, "")
        fresh = timestamp.isdigit() and abs(self.clock.now().timestamp() - int(timestamp)) <= TOLERANCE_SECONDS
        expected = sign(self.secret, int(timestamp), raw_body).encode() if fresh else b""
        if fresh and any(hmac.compare_digest(expected, s.strip().encode()) for s in signatures.split(",")):
            return None
        self.rejected += 1
        why = "bad signature" if fresh else f"missing or stale {TIMESTAMP_HEADER}"
        return self._error(401, why)

    async def _list(self, request: web.Request) -> web.Response:
        email = request.query.get("email", "").strip().lower()
        if not email:
            return self._error(400, "the email query parameter is required")
        found = [licence for licence in self._licences.values() if licence.email.lower() == email]
        items = [{"key": x.key, "product": x.product, "status": x.status} for x in found]
        return web.json_response({"licences": items})

    async def _revoke(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        idempotency_key = request.headers.get("Idempotency-Key")
        if not idempotency_key:
            return self._error(400, "the Idempotency-Key header is required")
        if idempotency_key in self._answers:
            answered_key, status, body = self._answers[idempotency_key]
            if answered_key != key:
                return self._error(422, "this Idempotency-Key was used for another licence")
            return web.json_response(body, status=status)
        try:
            body_key = json.loads(await request.read()).get("key")
        except (ValueError, AttributeError):
            body_key = None
        if body_key != key:
            return self._error(400, "the body's key must be the licence key in the path")
        status, body = self._apply_revoke(key)
        if status < 500:
            self._answers[idempotency_key] = (key, status, body)
        return web.json_response(body, status=status)

    def _apply_revoke(self, key: str) -> tuple[int, dict[str, Any]]:
        licence = self._licences.get(key)
        if licence is None:
            return 404, self._error_body(404, "no such licence")
        if licence.status == "revoked":
            return 409, self._error_body(409, "the licence is already revoked")
        licence.status = "revoked"
        self.revocations.append(key)
        return 200, {"key": key, "status": "revoked", "already": False}


@asynccontextmanager
async def fake_licence_server(**kwargs: Any) -> AsyncIterator[FakeLicenceServer]:
    async with FakeLicenceServer(**kwargs) as fake:
        yield fake


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
