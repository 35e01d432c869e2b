"""A running bot reachable from outside: the HTTP server, and optionally a Socket Mode connection to Slack."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.metrics import bound_context
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)


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
        await self.runtime.start(create_schema=True)
        slack_app = self.runtime.slack_app()
        self._runner = web.AppRunner(self.runtime.web_app(None if self.socket_mode else slack_app), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        if self.socket_mode:
            assert self.settings.slack_app_token is not None
            # Built in a context bound to the runtime's metrics: the task that runs Slack's requests inherits it.
            self._socket = bound_context(self.runtime.metrics).run(
                AsyncSocketModeHandler, slack_app, self.settings.slack_app_token.get_secret_value()
            )
            await self._socket.connect_async()
        log.info(
            "supportbot listening on %s:%d%s",
            self.settings.host,
            self.port,
            " (Slack over Socket Mode)" if self.socket_mode else "",
        )

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.runtime.stop()
