"""What the fake providers with small JSON APIs share: a recording aiohttp server with injectable faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Self

from aiohttp import web

from bot.fakes.faults import Faults, HttpFault

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SECRET_HEADERS = frozenset({"authorization", "x-kit-api-key"})


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # without credentials
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class LoopbackServer:
    """A fake provider's aiohttp app on 127.0.0.1, on a port the OS picks; subclasses build the app."""

    base_url = ""
    _runner: web.AppRunner | None = None

    def _app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> str:
        # A client that times out hangs up; cancelling its handler stops an injected delay holding close().
        self._runner = web.AppRunner(self._app(), handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class FaultyServer(LoopbackServer):
    """A loopback fake whose next requests a test can fail or delay: `_inject_faults`, a middleware, answers the
    faults queued in `_faults` in the vendor's words (`_fault_answer`); `rate_limited` counts the 429s answered.
    """

    def __init__(self) -> None:
        self.rate_limited = 0
        self._faults: Faults[HttpFault] = Faults()

    def _fault_answer(self, status: int, retry_after: int) -> web.Response:
        """The vendor's answer with this error status (a 429 may say when to come back)."""
        raise NotImplementedError

    async def _late(self, request: web.Request, handler: _Handler, delay: float) -> web.StreamResponse:
        """An answer as usual, only late: the request waits, then is carried out."""
        await asyncio.sleep(delay)
        return await handler(request)

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        fault = self._faults.take(request.path, request.method)
        if fault is None:
            return await handler(request)
        if fault.status is None:
            return await self._late(request, handler, fault.delay)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status == HTTPStatus.TOO_MANY_REQUESTS:
            self.rate_limited += 1
        return self._fault_answer(fault.status, fault.retry_after)


class FakeHttpServer(FaultyServer):
    """An aiohttp app on a free port that records every request and answers injected faults first.

    Subclasses add routes in `_routes`, a credentials check in `_authenticate` and their vendor's error body in
    `_error_body`. `calls` holds every request, `rate_limited` counts the 429s answered.
    """

    error_content_type = "application/json"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[RecordedCall] = []

    def fail_next(
        self,
        path_prefix: str,
        times: int = 1,
        *,
        status: int = 500,
        delay: float = 0.0,
        retry_after: int = 30,
        method: str | None = None,
    ) -> None:
        """Answer the next `times` requests under `path_prefix` (and of `method`, if given) with `status` after
        `delay` seconds; a 429 carries `Retry-After: retry_after`."""
        self._faults.add(HttpFault(status, delay, retry_after), times, path_prefix=path_prefix, method=method)

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record, self._inject_faults, self._check_credentials])
        self._routes(app)
        return app

    def calls_to(self, method: str, path: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method and call.path == path]

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _authenticate(self, request: web.Request, raw_body: bytes) -> web.Response | None:
        """None when the request carries valid credentials, else the vendor's 401."""
        raise NotImplementedError

    def _error_body(self, status: int, message: str) -> Any:
        return {"error": HTTPStatus(status).phrase.lower().replace(" ", "_"), "message": message}

    def _fault_answer(self, status: int, retry_after: int) -> web.Response:
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            return self._error(status, "Too many requests", **{"Retry-After": str(retry_after)})
        return self._error(status, f"{HTTPStatus(status).phrase}.")

    def _error(self, status: int, message: str, **headers: str) -> web.Response:
        body = self._error_body(status, message)
        return web.json_response(body, status=status, content_type=self.error_content_type, headers=headers or None)

    @web.middleware
    async def _record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        body = await request.read()
        headers = {name: value for name, value in request.headers.items() if name.lower() not in _SECRET_HEADERS}
        self.calls.append(RecordedCall(request.method, request.path, dict(request.query), headers, body))
        return await handler(request)

    @web.middleware
    async def _check_credentials(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        return self._authenticate(request, await request.read()) or await handler(request)
