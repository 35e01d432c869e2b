"""A running bot reachable from outside: the HTTP server, and optionally a Socket Mode connection to Slack."""

from __future__ import annotations

import errno
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.app.runtime import Runtime
from bot.config.settings import Settings
from bot.core.errors import ConfigError
from bot.observability.metrics import bound_context

log = logging.getLogger(__name__)

# On SIGTERM, requests already being answered get this long (aiohttp's default is 60 s); a webhook cut short was
# not acknowledged, so its provider sends it again. With the runtime's own grace it stays within Docker's 10 s.
HTTP_DRAIN_SECONDS = 3.0


class BotServer:
    """`serve`: Slack and the providers call us over HTTP. `socket`: Slack over Socket Mode, providers over HTTP."""

    def __init__(self, settings: Settings, *, socket_mode: bool, runtime: Runtime | None = None):
        self.settings = settings
        self.socket_mode = socket_mode
        self.runtime = runtime or Runtime(settings)
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None

    @property
    def port(self) -> int:
        assert self._runner is not None, "start() first"
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Start, or raise ConfigError saying which setting to change; nothing is left running then."""
        await self.runtime.start(create_schema=True)
        try:
            await self._serve()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "supportbot listening on %s:%d%s",
            self.settings.host,
            self.port,
            " (Slack over Socket Mode)" if self.socket_mode else "",
        )

    async def _serve(self) -> None:
        slack_app = self.runtime.slack_app()
        self._runner = web.AppRunner(
            self.runtime.web_app(None if self.socket_mode else slack_app),
            access_log=None,
            shutdown_timeout=HTTP_DRAIN_SECONDS,
        )
        await self._runner.setup()
        host, port = self.settings.host, self.settings.port
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as exc:
            raise ConfigError(_cannot_listen(host, port, exc)) from None
        if self.socket_mode:
            assert self.settings.slack_app_token is not None
            app_token = self.settings.slack_app_token.get_secret_value()
            # Ask for the socket's address first: the SDK's connect() retries a refused token every 10 s for ever,
            # with a traceback each time, where a wrong token needs one line and a stop.
            try:
                opened = await self.runtime.slack.apps_connections_open(app_token=app_token)
            except SlackApiError as exc:
                raise ConfigError(_app_token_refused(exc)) from None
            # Built in a context bound to the runtime's metrics: the task that runs Slack's requests inherits it.
            self._socket = bound_context(self.runtime.metrics).run(AsyncSocketModeHandler, slack_app, app_token)
            self._socket.client.wss_uri = str(opened["url"])
            await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.runtime.stop()


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use on {host} (another supportbot, or another server?): stop it, or set "
            "SUPPORTBOT_PORT to a free port"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"not allowed to listen on {where}: set SUPPORTBOT_PORT to 1024 or above"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"this machine has no address {host}: set SUPPORTBOT_HOST to 0.0.0.0 (all interfaces) or one of its own"
    return f"cannot listen on {where} ({exc.strerror or exc}): check SUPPORTBOT_HOST and SUPPORTBOT_PORT"


def _app_token_refused(exc: SlackApiError) -> str:
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else f"HTTP {exc.response.status_code}"
    return (
        f"Slack refused SUPPORTBOT_SLACK_APP_TOKEN for Socket Mode ({error}): create an app-level token with the "
        "connections:write scope (api.slack.com/apps → your app → Basic Information → App-Level Tokens), put it "
        "(xapp-…) in SUPPORTBOT_SLACK_APP_TOKEN, and turn Socket Mode on (Settings → Socket Mode)"
    )
