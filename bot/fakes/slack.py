"""A fake Slack Web API and Socket Mode endpoint on localhost, for tests, benchmarks and the offline demo.

It speaks real HTTP so the real slack_sdk clients run unchanged against it, and it reproduces the Slack
behaviour the bot relies on: errors as HTTP 200 with ok=false, HTTP 429 with Retry-After, the thread and
metadata rules of conversations.history/replies, cursor pagination and the Socket Mode envelope/ack cycle.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.fakes.slack_limits import MESSAGE_TEXT, block_errors, view_errors

Params = dict[str, Any]

DEFAULT_TOKEN = "xoxb-test"
DEFAULT_APP_TOKEN = "xapp-test"

DEFAULT_SCOPES = (
    "chat:write",
    "chat:write.public",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
    "users:read.email",
    "commands",
    "files:write",
)

_BOT_ID = "B0BOT"
_APP_ID = "A0APP"
_MAX_TEXT = 40_000
_MAX_LIMIT = 999
_HISTORY_SCOPES = ("channels:history", "groups:history", "im:history", "mpim:history")
_READ_SCOPES = ("channels:read", "groups:read", "im:read", "mpim:read")
# Any one of the listed scopes is enough, as with Slack, where the scope needed depends on the channel type.
REQUIRED_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.history": _HISTORY_SCOPES,
    "conversations.replies": _HISTORY_SCOPES,
    "conversations.info": _READ_SCOPES,
    "users.info": ("users:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Form-encoded and GET callers send these as JSON strings; JSON callers may too.
_JSON_FIELDS = frozenset({"blocks", "attachments", "metadata", "view"})
_RESPONSE_PAYLOAD_TYPES = frozenset({"slash_commands", "interactive"})
_HTTP_ERRORS = {429: "ratelimited", 503: "service_unavailable"}
_TS = re.compile(r"(\d+)(?:\.(\d{1,6}))?")


# views.publish refuses a Home view of more blocks or bytes than these.
HOME_MAX_BLOCKS = 100
HOME_MAX_BYTES = 250_000


@dataclass
class Message:
    """A message as Slack stores it; fields change in place on chat.update."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None  # the parent's ts for a thread reply, None for a top-level message
    metadata: dict[str, Any] | None
    # Earlier versions, oldest first: {"text", "blocks", "metadata", "replaced_at": ts of the edit}.
    edits: list[dict[str, Any]] = field(default_factory=list)
    ephemeral_to: str | None = None  # the only user who sees it, for chat.postEphemeral


@dataclass
class Call:
    """One Web API request as received; `params` has JSON-carrying fields decoded and no token."""

    method: str
    params: Params
    at: float
    status: int = 0  # 0 while the answer is pending, e.g. during an injected delay


@dataclass(frozen=True)
class _Fault:
    status: int
    error: str | None
    delay: float
    after_effect: bool = False  # the call takes effect, but its answer is lost


@dataclass(frozen=True)
class _Limit:
    rate: float
    burst: int
    per_channel: bool


class _TokenBucket:
    def __init__(self, limit: _Limit, monotonic: Callable[[], float]):
        self._limit = limit
        self._monotonic = monotonic
        self._tokens = float(limit.burst)
        self._updated = monotonic()

    def take(self) -> bool:
        now = self._monotonic()
        refill = (now - self._updated) * self._limit.rate
        self._tokens = min(float(self._limit.burst), self._tokens + refill)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class _ApiError(Exception):
    """A failure Slack reports in the body, by default with HTTP 200 as Slack does."""

    def __init__(self, error: str, *, status: int = 200, headers: Mapping[str, str] | None = None, **extra: Any):
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}
        self.status = status
        self.headers = dict(headers or {})

    def response(self, headers: Mapping[str, str] | None = None) -> web.Response:
        return web.json_response(self.body, status=self.status, headers={**(headers or {}), **self.headers})


@dataclass(frozen=True)
class _Window:
    oldest: int
    latest: int | None
    inclusive: bool

    @classmethod
    def from_params(cls, p: Params) -> _Window:
        oldest = _parse_ts(p.get("oldest") or "0", "invalid_ts_oldest")
        latest = _parse_ts(p["latest"], "invalid_ts_latest") if p.get("latest") else None
        return cls(oldest, latest, _flag(p.get("inclusive")))

    def contains(self, ts: str) -> bool:
        t = _parse_ts(ts, "invalid_ts")
        if self.inclusive:
            return t >= self.oldest and (self.latest is None or t <= self.latest)
        return t > self.oldest and (self.latest is None or t < self.latest)


class FakeSlack:
    """Slack's Web API on 127.0.0.1, with recording, rate limits and fault injection.

    `start()` returns the base URL for `AsyncWebClient(token=..., base_url=...)`. `on_change(kind, message)`
    is called after every successful "post", "update" and "ephemeral".
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        channels: Mapping[str, str] | None = None,
        member_of: Collection[str] | None = None,
        post_rate: float | None = None,
        post_burst: int = 3,
        update_rate: float | None = None,
        update_burst: int = 5,
        retry_after: int = 1,
        on_change: Callable[[str, Message], None] | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        bot_user_id: str = "U0BOT",
        team_id: str = "T0TEAM",
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ):
        self.token = token
        self.app_token = app_token
        self.channels = dict(channels) if channels is not None else None
        # The channels the bot was invited to; None: every channel. Outside them, as in Slack, it may post only
        # with chat:write.public, and conversations.info says is_member: false.
        self.member_of = frozenset(member_of) if member_of is not None else None
        self.retry_after = retry_after
        self.on_change = on_change
        self.scopes = tuple(scopes)
        # People's emails, by user id: `users.info` shows them only with the users:read.email scope, as Slack does.
        self.emails: dict[str, str] = {}
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.workspace_url = f"https://fake-{team_id.lower()}.slack.com/"
        self._monotonic = monotonic
        self._wall_clock = wall_clock

        self.calls: list[Call] = []
        self.rate_limited: Counter[str] = Counter()  # HTTP 429 answers by method, injected ones included
        self.messages: list[Message] = []  # every channel message and reply, in posting order
        self.ephemerals: list[Message] = []
        self.responses: dict[
            str, list[dict[str, Any]]
        ] = {}  # response_url name -> what the app sent there  # never in history, as in Slack
        self.views: dict[str, dict[str, Any]] = {}  # view id -> the view as last opened or updated
        self.homes: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)  # user -> Home views published
        self.files: dict[str, dict[str, Any]] = {}  # file id -> {"filename", "title", "content", "complete"}
        self._base_url: str | None = None
        self.socket_url: str | None = None

        self._by_key: dict[tuple[str, str], Message] = {}
        self._top_level: defaultdict[str, list[Message]] = defaultdict(list)
        self._threads: defaultdict[tuple[str, str], list[Message]] = defaultdict(list)
        self._last_ts_micros = 0
        self._view_ids: dict[str, str] = {}  # external_id -> view id
        self._limits: dict[str, _Limit] = {}
        if post_rate is not None:
            self._limits["chat.postMessage"] = _Limit(post_rate, post_burst, per_channel=True)
        if update_rate is not None:
            self._limits["chat.update"] = _Limit(update_rate, update_burst, per_channel=False)
        self._buckets: dict[tuple[str, str], _TokenBucket] = {}
        self._faults: defaultdict[str, deque[_Fault]] = defaultdict(deque)
        self._down = False
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_open = asyncio.Event()  # set while at least one Socket Mode client is connected
        self._pending_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._handlers: dict[str, Callable[[Params], Params]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

    # -- lifecycle

    async def start(self) -> str:
        """Listen on an OS-chosen port and return the Web API base URL, ending in /api/."""
        if self._runner is not None:
            raise RuntimeError("FakeSlack is already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/response/{id}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        # A short shutdown timeout because close() has already ended every long-running handler.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._closing.clear()
        self._base_url = f"http://{host}:{port}/api/"
        self.socket_url = f"ws://{host}:{port}/socket"
        return self._base_url

    @property
    def base_url(self) -> str:
        """The Web API base URL, ending in /api/; there is none before `start()`."""
        if self._base_url is None:
            raise RuntimeError("FakeSlack is not started: start() first")
        return self._base_url

    async def close(self) -> None:
        if self._runner is None:
            return
        self._closing.set()
        for ws in list(self._sockets):
            await ws.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- fault injection

    def fail_next(
        self, method: str, times: int = 1, *, status: int = 500, error: str | None = None, delay: float = 0.0
    ) -> None:
        """Make the next `times` calls of `method` fail with HTTP `status`, or with HTTP 200 and `error`.

        The answer comes after `delay` seconds, to let a client time out; a 429 carries Retry-After.
        """
        self._faults[method].extend(_Fault(status, error, delay) for _ in range(times))

    def lose_answer_next(self, method: str, times: int = 1, *, status: int = 500, delay: float = 0.0) -> None:
        """Let the next `times` calls of `method` take effect but answer HTTP `status` after `delay` seconds.

        This is the case an exactly-once poster must survive: Slack posted, the poster never heard.
        """
        self._faults[method].extend(_Fault(status, None, delay, after_effect=True) for _ in range(times))

    def set_down(self, down: bool = True) -> None:
        """While down, every call answers HTTP 503, as during a Slack outage."""
        self._down = down

    # -- inspection

    def channel_messages(self, channel: str) -> list[Message]:
        """Top-level messages of a channel, oldest first."""
        return list(self._top_level.get(channel, ()))

    def replies(self, channel: str, ts: str) -> list[Message]:
        """The replies in the thread of parent `ts`, oldest first, without the parent."""
        return list(self._threads.get((channel, ts), ()))

    def all_messages(self) -> list[Message]:
        """Every channel message and reply, in posting order; ephemeral messages are in `ephemerals`."""
        return list(self.messages)

    # A timeout parameter rather than asyncio.timeout() so the error can say what was awaited.
    async def wait_for(self, predicate: Callable[[FakeSlack], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll until `predicate(self)` holds; raise TimeoutError naming the predicate and the last calls."""
        try:
            # The loop's clock, not the injected one: a test that freezes `monotonic` must still time out.
            async with asyncio.timeout(timeout):
                # Polls: the predicate may read state outside this fake that nothing here can signal.
                while not predicate(self):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        except TimeoutError:
            recent = ", ".join(f"{c.method}->{c.status}" for c in self.calls[-10:]) or "none"
            raise TimeoutError(
                f"{_describe(predicate)} still false after {timeout}s; "
                f"{len(self.messages)} messages stored; last calls: {recent}"
            ) from None

    # -- socket mode

    async def send_socket_envelope(
        self,
        payload_type: str,
        payload: dict[str, Any],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bare asyncio.timeout() could not say what was missing
    ) -> dict[str, Any]:
        """Send an envelope to the newest Socket Mode connection and return the client's ack.

        Slack delivers each envelope over one connection only, so this does too.
        """
        envelope_id = str(uuid.uuid4())
        ack: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending_acks[envelope_id] = ack
        waiting_for = "a Socket Mode connection"
        try:
            async with asyncio.timeout(timeout):
                ws = await self._newest_socket()
                waiting_for = f"the ack of {payload_type} envelope {envelope_id}"
                await ws.send_json(
                    {
                        "envelope_id": envelope_id,
                        "type": payload_type,
                        "payload": payload,
                        "accepts_response_payload": payload_type in _RESPONSE_PAYLOAD_TYPES,
                    }
                )
                return await ack
        except TimeoutError:
            raise TimeoutError(f"no {waiting_for} within {timeout}s") from None
        finally:
            del self._pending_acks[envelope_id]

    async def _newest_socket(self) -> web.WebSocketResponse:
        await self._socket_open.wait()
        return self._sockets[-1]

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if self._down:
            return _http_failure(503, self.retry_after)
        ws = web.WebSocketResponse(timeout=1.0)
        await ws.prepare(request)
        self._sockets.append(ws)
        self._socket_open.set()
        try:
            await ws.send_json(
                {
                    "type": "hello",
                    "num_connections": len(self._sockets),
                    "debug_info": {"host": "fake-slack"},
                    "connection_info": {"app_id": _APP_ID},
                }
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._receive_ack(msg.data)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self._socket_open.clear()
        return ws

    def _receive_ack(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except json.JSONDecodeError:
            return
        envelope_id = ack.get("envelope_id") if isinstance(ack, dict) else None
        future = self._pending_acks.get(envelope_id) if isinstance(envelope_id, str) else None
        if future is not None and not future.done():
            future.set_result(ack)

    # -- HTTP dispatch

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        token = _token(request, params or {})
        call = Call(method, dict(params or {}), self._monotonic())
        self.calls.append(call)
        response = await self._answer(method, params, token)
        call.status = response.status
        if response.status == 429:
            self.rate_limited[method] += 1
        return response

    async def _answer(self, method: str, params: Params | None, token: str | None) -> web.Response:
        if self._down:
            return _http_failure(503, self.retry_after)
        if self._faults.get(method) and not self._faults[method][0].after_effect:
            return await self._inject(self._faults[method].popleft())
        lost_answer = self._faults[method].popleft() if self._faults.get(method) else None
        try:
            handler = self._handler(method)
            self._authenticate(method, token)
        except _ApiError as e:
            return e.response()
        headers = {"x-oauth-scopes": ",".join(self.scopes)}
        try:
            if params is None:
                raise _ApiError("invalid_json")
            self._check_scope(method)
            self._check_rate(method, params)
            answer = handler(params)
            if lost_answer is not None:
                return await self._inject(lost_answer)
            return web.json_response({"ok": True, **answer}, headers=headers)
        except _ApiError as e:
            return e.response(headers)

    async def _inject(self, fault: _Fault) -> web.Response:
        if fault.delay > 0:
            # Ends early on close() so a test that gave up waiting does not hold the server open.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=fault.delay)
        if fault.error is not None:
            return web.json_response({"ok": False, "error": fault.error})
        return _http_failure(fault.status, self.retry_after)

    def _handler(self, method: str) -> Callable[[Params], Params]:
        handler = self._handlers.get(method)
        if handler is None:
            raise _ApiError("unknown_method", req_method=method)
        return handler

    def _authenticate(self, method: str, token: str | None) -> None:
        if not token:
            raise _ApiError("not_authed")
        if token not in (self.token, self.app_token):
            raise _ApiError("invalid_auth")
        if (token == self.app_token) != (method in _APP_TOKEN_METHODS):
            raise _ApiError("not_allowed_token_type")

    def _check_scope(self, method: str) -> None:
        accepted = REQUIRED_SCOPES.get(method, ())
        if accepted and not set(accepted) & set(self.scopes):
            raise _ApiError("missing_scope", needed=accepted[0], provided=",".join(self.scopes))

    def _check_rate(self, method: str, p: Params) -> None:
        limit = self._limits.get(method)
        if limit is None:
            return
        key = (method, str(p.get("channel", "")) if limit.per_channel else "")
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _TokenBucket(limit, self._monotonic)
        if not bucket.take():
            raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(self.retry_after)})

    # -- methods

    def _auth_test(self, _: Params) -> Params:
        return {
            "url": self.workspace_url,
            "team": "Fake Workspace",
            "user": "supportbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": _BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, p: Params) -> Params:
        channel = self._channel(p)
        if not self._is_member(channel) and "chat:write.public" not in self.scopes:
            raise _ApiError("not_in_channel")
        text, blocks = _content(p)
        if not text and not blocks:
            raise _ApiError("no_text")
        metadata = _metadata(p.get("metadata"))
        thread_ts = self._thread_parent(channel, p.get("thread_ts"))
        message = Message(channel, self._next_ts(), text, blocks, thread_ts, metadata)
        self._store(message)
        self._notify("post", message)
        return {"channel": channel, "ts": message.ts, "message": self._render(message, with_metadata=True)}

    def _chat_update(self, p: Params) -> Params:
        channel = self._channel(p)
        message = self._by_key.get((channel, str(p.get("ts") or "")))
        if message is None:
            raise _ApiError("message_not_found")
        if not {"text", "blocks", "metadata"} & p.keys():
            raise _ApiError("no_text")
        # Fields left out keep their value, as in Slack; everything is validated before anything changes.
        text = str(p["text"]) if "text" in p else message.text
        blocks = _blocks(p["blocks"]) if "blocks" in p else message.blocks
        metadata = _metadata(p["metadata"]) if "metadata" in p else message.metadata
        if not text and not blocks:
            raise _ApiError("no_text")
        if len(text) > _MAX_TEXT:
            raise _ApiError("msg_too_long")
        previous = {"text": message.text, "blocks": message.blocks, "metadata": message.metadata}
        message.edits.append({**previous, "replaced_at": self._next_ts()})
        message.text, message.blocks, message.metadata = text, blocks, metadata
        self._notify("update", message)
        rendered = self._render(message, with_metadata=True)
        return {"channel": channel, "ts": message.ts, "text": text, "message": rendered}

    def _chat_post_ephemeral(self, p: Params) -> Params:
        channel = self._channel(p)
        user = str(p.get("user") or "")
        if not user.startswith(("U", "W")):
            raise _ApiError("user_not_found")
        # An ephemeral message's text is cut at 40,000 characters rather than refused.
        text, blocks = str(p.get("text") or "")[:MESSAGE_TEXT], _blocks(p.get("blocks"))
        if not text and not blocks:
            raise _ApiError("no_text")
        thread_ts = self._thread_parent(channel, p.get("thread_ts"))
        message = Message(channel, self._next_ts(), text, blocks, thread_ts, None, ephemeral_to=user)
        self.ephemerals.append(message)
        self._notify("ephemeral", message)
        return {"message_ts": message.ts}

    def _chat_get_permalink(self, p: Params) -> Params:
        channel = self._channel(p)
        message = self._by_key.get((channel, str(p.get("message_ts") or "")))
        if message is None:
            raise _ApiError("message_not_found")
        permalink = f"{self.workspace_url}archives/{channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts:
            permalink += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": permalink}

    def _conversations_history(self, p: Params) -> Params:
        channel = self._channel(p)
        window = _Window.from_params(p)
        newest_first = [m for m in reversed(self._top_level.get(channel, ())) if window.contains(m.ts)]
        page, next_cursor = _paginate(newest_first, p, newest_first=True)
        return {**self._page(page, next_cursor, p), "pin_count": 0}

    def _conversations_replies(self, p: Params) -> Params:
        channel = self._channel(p)
        message = self._by_key.get((channel, str(p.get("ts") or "")))
        if message is None:
            raise _ApiError("thread_not_found")
        # Like Slack, the ts of any message in a thread gives the whole thread.
        parent = self._by_key[(channel, message.thread_ts)] if message.thread_ts else message
        window = _Window.from_params(p)
        thread = [parent, *(m for m in self._threads.get((channel, parent.ts), ()) if window.contains(m.ts))]
        page, next_cursor = _paginate(thread, p, newest_first=False)
        return self._page(page, next_cursor, p)

    def _conversations_info(self, p: Params) -> Params:
        channel = self._channel(p)
        name = self.channels[channel] if self.channels is not None else channel.lower()
        return {
            "channel": {
                "id": channel,
                "name": name,
                "is_channel": True,
                "is_private": False,
                "is_archived": False,
                "is_member": self._is_member(channel),
                "created": int(self._wall_clock()),
            }
        }

    def _users_info(self, p: Params) -> Params:
        user = str(p.get("user") or "")
        if not user.startswith(("U", "W")):
            raise _ApiError("user_not_found")
        is_bot = user == self.bot_user_id
        name = "supportbot" if is_bot else f"user-{user.lower()}"
        real_name = "Support Bot" if is_bot else f"Test User {user}"
        return {
            "user": {
                "id": user,
                "team_id": self.team_id,
                "name": name,
                "real_name": real_name,
                "deleted": False,
                "is_bot": is_bot,
                "is_admin": False,
                "tz": "UTC",
                "tz_offset": 0,
                "profile": {"real_name": real_name, "display_name": name}
                | ({"email": self.emails[user]} if user in self.emails and "users:read.email" in self.scopes else {}),
            }
        }

    def _views_open(self, p: Params) -> Params:
        if not p.get("trigger_id"):
            raise _ApiError("invalid_arguments")
        view_id = f"V{len(self.views) + 1:08X}"
        return {"view": self._save_view(view_id, p)}

    def _views_update(self, p: Params) -> Params:
        view_id = p.get("view_id") or self._view_ids.get(str(p.get("external_id") or ""))
        current = self.views.get(str(view_id or ""))
        if current is None:
            raise _ApiError("not_found")
        if p.get("hash") and p["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        return {"view": self._save_view(current["id"], p)}

    def _views_publish(self, p: Params) -> Params:
        view = p.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        user = str(p.get("user_id") or "")
        if not user or not isinstance(view, dict) or view.get("type") != "home":
            raise _ApiError("invalid_arguments")
        if len(view.get("blocks") or []) > HOME_MAX_BLOCKS:
            raise _ApiError("invalid_arguments")  # "must be less than 101 items", as Slack words it
        if len(json.dumps(view).encode()) > HOME_MAX_BYTES:
            raise _ApiError("view_too_large")
        for block in view.get("blocks") or []:
            shown = (block.get("slack_file") or {}).get("id") if block.get("type") == "image" else None
            if shown is not None and not (self.files.get(shown) or {}).get("complete"):
                raise _ApiError("invalid_blocks")  # Slack cannot show a file it does not have
        self.homes[user].append(view)
        return {"view": {"id": f"VHOME{user}", "type": "home", "blocks": view.get("blocks") or []}}

    def _files_upload_url(self, p: Params) -> Params:
        if not p.get("filename") or not str(p.get("length") or "").isdigit():
            raise _ApiError("invalid_arguments")
        file_id = f"F{len(self.files) + 1:08X}"
        self.files[file_id] = {"filename": p["filename"], "title": None, "content": None, "complete": False}
        return {"upload_url": self.base_url.removesuffix("api/") + f"upload/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None or file["content"] is not None:
            return web.Response(status=404, text="upload url unknown or used")
        content = file["content"] = await request.read()
        return web.Response(text=f"OK - {len(content)}")

    def _files_complete_upload(self, p: Params) -> Params:
        listed = p.get("files")
        listed = json.loads(listed) if isinstance(listed, str) else listed
        if not isinstance(listed, list) or not listed:
            raise _ApiError("invalid_arguments")
        done = []
        for item in listed:
            file = self.files.get(str(item.get("id")))
            if file is None or file["content"] is None:
                raise _ApiError("file_not_found")
            file["title"], file["complete"] = item.get("title"), True
            done.append({"id": item["id"], "name": file["filename"], "title": file["title"], "mimetype": "image/png"})
        return {"files": done}

    def home_of(self, user: str) -> dict[str, Any] | None:
        """The Home view last published to `user`, if any."""
        return self.homes[user][-1] if self.homes.get(user) else None

    def response_url(self, name: str) -> str:
        """A `response_url` to put in a command or action payload; what the app sends there lands in `responses`."""
        return self.base_url.removesuffix("api/") + f"response/{name}"

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        answer = await request.json()
        blocks = answer.get("blocks")
        if blocks is not None and (not isinstance(blocks, list) or block_errors(blocks)):
            # What hooks.slack.com answers: a 400 with the error as plain text; nothing is shown.
            return web.Response(status=400, text="invalid_blocks")
        if isinstance(answer.get("text"), str):
            answer["text"] = answer["text"][:MESSAGE_TEXT]
        self.responses.setdefault(request.match_info["id"], []).append(answer)
        return web.Response(text="ok")

    def _apps_connections_open(self, _: Params) -> Params:
        return {"url": self.socket_url}

    # -- helpers

    def _channel(self, p: Params) -> str:
        channel = str(p.get("channel") or "")
        if not channel or (self.channels is not None and channel not in self.channels):
            raise _ApiError("channel_not_found")
        return channel

    def _is_member(self, channel: str) -> bool:
        return self.member_of is None or channel in self.member_of

    def _thread_parent(self, channel: str, thread_ts: Any) -> str | None:
        if not thread_ts:
            return None
        target = self._by_key.get((channel, str(thread_ts)))
        if target is None:
            raise _ApiError("thread_not_found")
        # A reply to a reply lands in the original thread: Slack threads are one level deep.
        return target.thread_ts or target.ts

    def _next_ts(self) -> str:
        # Strictly increasing even when the wall clock stalls or steps back, since ts identifies a message.
        micros = max(int(self._wall_clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _store(self, message: Message) -> None:
        self.messages.append(message)
        self._by_key[(message.channel, message.ts)] = message
        if message.thread_ts:
            self._threads[(message.channel, message.thread_ts)].append(message)
        else:
            self._top_level[message.channel].append(message)

    def _notify(self, kind: str, message: Message) -> None:
        if self.on_change is not None:
            self.on_change(kind, message)

    def _save_view(self, view_id: str, p: Params) -> dict[str, Any]:
        view = p.get("view")
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            raise _ApiError("invalid_arguments")
        if errors := view_errors(view):
            raise _ApiError("invalid_arguments", response_metadata={"messages": errors})
        saved = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": _APP_ID,
            "bot_id": _BOT_ID,
            "state": {"values": {}},
            "hash": uuid.uuid4().hex,
        }
        self.views[view_id] = saved
        if view.get("external_id"):
            self._view_ids[view["external_id"]] = view_id
        return saved

    def _page(self, page: list[Message], next_cursor: str, p: Params) -> Params:
        with_metadata = _flag(p.get("include_all_metadata"))
        messages = [self._render(m, with_metadata) for m in page]
        body: Params = {"messages": messages, "has_more": bool(next_cursor)}
        if next_cursor:
            body["response_metadata"] = {"next_cursor": next_cursor}
        return body

    def _render(self, m: Message, with_metadata: bool) -> Params:
        body: Params = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": _BOT_ID,
            "app_id": _APP_ID,
            "team": self.team_id,
            "text": m.text,
            "ts": m.ts,
        }
        if m.blocks is not None:
            body["blocks"] = m.blocks
        if m.thread_ts:
            body.update(thread_ts=m.thread_ts, parent_user_id=self.bot_user_id)
        elif replies := self._threads.get((m.channel, m.ts)):
            body.update(
                thread_ts=m.ts,
                reply_count=len(replies),
                reply_users=[self.bot_user_id],
                reply_users_count=1,
                latest_reply=replies[-1].ts,
            )
        if m.edits:
            body["edited"] = {"user": self.bot_user_id, "ts": m.edits[-1]["replaced_at"]}
        if with_metadata and m.metadata is not None:
            body["metadata"] = m.metadata
        return body


@contextlib.asynccontextmanager
async def fake_slack_api(**kwargs: Any) -> AsyncIterator[FakeSlack]:
    """A started FakeSlack for the length of the block; keyword arguments go to FakeSlack."""
    async with FakeSlack(**kwargs) as slack:
        yield slack


async def _read_params(request: web.Request) -> Params | None:
    """Query parameters merged with the body, whichever way slack_sdk encoded it; None if unreadable."""
    params: Params = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                return None
            if not isinstance(body, dict):
                return None
            params.update(body)
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for name in _JSON_FIELDS & params.keys():
        if isinstance(params[name], str):
            # An undecodable value stays a string and the method reports it the way Slack would.
            with contextlib.suppress(json.JSONDecodeError):
                params[name] = json.loads(params[name])
    return params


def _token(request: web.Request, params: Params) -> str | None:
    """The bearer token, else the legacy `token` parameter; removed from params so calls never record it."""
    legacy = params.pop("token", None)
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer" and credentials.strip():
        return credentials.strip()
    return str(legacy) if legacy else None


def _http_failure(status: int, retry_after: int) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if status in (429, 503) else {}
    body = {"ok": False, "error": _HTTP_ERRORS.get(status, "internal_error")}
    return web.json_response(body, status=status, headers=headers)


def _content(p: Params) -> tuple[str, list[dict[str, Any]] | None]:
    text = str(p.get("text") or "")
    if len(text) > _MAX_TEXT:
        raise _ApiError("msg_too_long")
    return text, _blocks(p.get("blocks"))


def _blocks(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _ApiError("invalid_blocks_format")
    if not all(isinstance(b, dict) and "type" in b for b in value):
        raise _ApiError("invalid_blocks")
    if errors := block_errors(value):
        raise _ApiError("invalid_blocks", errors=errors, response_metadata={"messages": errors})
    return value


def _metadata(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    valid = (
        isinstance(value, dict)
        and isinstance(value.get("event_type"), str)
        and isinstance(value.get("event_payload"), dict)
    )
    if not valid:
        raise _ApiError("invalid_metadata_format")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def _flag(value: Any) -> bool:
    # JSON callers send true, GET callers "1" (slack_sdk converts bools), hand-written forms "true".
    return str(value).lower() in ("1", "true")


def _parse_ts(value: Any, error: str) -> int:
    """A Slack ts as integer microseconds, so comparisons are exact."""
    match = _TS.fullmatch(str(value))
    if match is None:
        raise _ApiError(error)
    return int(match[1]) * 1_000_000 + int((match[2] or "").ljust(6, "0"))


def _paginate(items: list[Message], p: Params, *, newest_first: bool) -> tuple[list[Message], str]:
    """One page of `items` and the cursor of the next page ("" when none).

    The cursor names the ts to resume from rather than an offset, so messages posted between
    page requests neither repeat nor skip entries, as with Slack's cursors.
    """
    try:
        limit = max(1, min(int(p.get("limit") or 100), _MAX_LIMIT))
    except (TypeError, ValueError):
        raise _ApiError("invalid_limit") from None
    if p.get("cursor"):
        start = _decode_cursor(str(p["cursor"]))
        if newest_first:
            items = [m for m in items if _parse_ts(m.ts, "invalid_ts") <= start]
        else:
            items = [m for m in items if _parse_ts(m.ts, "invalid_ts") >= start]
    page, rest = items[:limit], items[limit:]
    return page, (_encode_cursor(rest[0].ts) if rest else "")


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        prefix, _, ts = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise _ApiError("invalid_cursor") from None
    if prefix != "next_ts":
        raise _ApiError("invalid_cursor")
    return _parse_ts(ts, "invalid_cursor")


def _describe(predicate: Callable[..., bool]) -> str:
    code = getattr(predicate, "__code__", None)
    where = f" ({code.co_filename}:{code.co_firstlineno})" if code is not None else ""
    return f"predicate {getattr(predicate, '__qualname__', repr(predicate))}{where}"
