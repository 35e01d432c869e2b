"""The shop's team in the demo: clicks buttons and confirms modals in the stand-in Slack, as a person would.

Requests go to the bot's /slack/events signed with the signing secret, exactly as Slack sends them.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.core.clock import Clock, SystemClock
from bot.core.slack_ids import ActionId
from bot.demo.blockkit_text import Viewer, render_blocks
from bot.fakes.slack import FakeSlack, Message
from bot.fakes.slack_requests import button_value, click_body, signed, submission_body


class SlackPerson:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        bot_url: str,
        slack: FakeSlack,
        user: tuple[str, str],
        secret: str,
        viewer: Viewer | None = None,
        clock: Clock | None = None,
    ):
        self.http = http
        self.bot_url = bot_url
        self.slack = slack
        self.user_id, self.name = user  # the name is their Slack username, which the bot shows and audits
        self.secret = secret
        self.viewer = viewer
        # The demo bot checks signatures against the story's clock, as a real bot does against Slack's.
        self.clock = clock or SystemClock()

    async def click(self, card: Message, action_id: ActionId) -> None:
        body = click_body(self.slack, action_id, button_value(card, action_id), user=self.user_id, user_name=self.name)
        await self._post(body)

    async def confirm_newest_modal(self, *, settled_when: str | None = None) -> str:
        """Wait for the modal the click opened (and for its update, if `settled_when` names a block it gains),
        print what it shows, and confirm it as shown; returns what it showed."""
        view = await self._newest_view(settled_when)
        shown = render_blocks(view["blocks"], view["title"]["text"], self.viewer)
        await self._post(submission_body(view, user=self.user_id, user_name=self.name))
        return shown

    async def submit_newest_modal(self, **typed: str | list[str]) -> dict:
        """Type into the newest modal and submit it; returns what the bot answered (e.g. a view pushed over it)."""
        view = await self._newest_view(None)
        body = submission_body(view, user=self.user_id, user_name=self.name, **typed)
        async with self.http.post(f"{self.bot_url}/slack/events", data=body, headers=self._signed(body)) as r:
            r.raise_for_status()
            return await r.json() if r.content_length else {}

    async def _newest_view(self, settled_when: str | None, timeout: float = 10.0) -> dict:  # noqa: ASYNC109
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            # A person sees the modals opened for them only (the bot seals each with its requester).
            mine = [view for view in self.slack.views.values() if _opened_for(view) == self.user_id]
            if mine:
                view = mine[-1]
                blocks = {block.get("block_id") for block in view["blocks"]}
                if settled_when is None or settled_when in blocks:
                    return view
            await asyncio.sleep(0.05)
        raise TimeoutError("the modal did not open")

    def _signed(self, body: str) -> dict[str, str]:
        return signed(body, self.secret, timestamp=int(self.clock.now().timestamp()))

    async def _post(self, body: str) -> None:
        async with self.http.post(f"{self.bot_url}/slack/events", data=body, headers=self._signed(body)) as r:
            r.raise_for_status()


def _opened_for(view: dict) -> str | None:
    _, _, state = str(view.get("private_metadata") or "").partition(".")
    try:
        return json.loads(state).get("by")
    except (ValueError, AttributeError):
        return None


def card_of(slack: FakeSlack, channel: str, needle: str) -> Message:
    return next(m for m in slack.channel_messages(channel) if needle in str(m.blocks))
