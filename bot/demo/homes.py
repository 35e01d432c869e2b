"""The demo's Home tabs: the owner's and the agent's as Slack shows them at the end of the day, and the owners'
30-day chart saved as a PNG beside the demo's database, for the reader to open."""

from __future__ import annotations

from pathlib import Path

from bot.app.runtime import Runtime
from bot.demo.blockkit_text import render_blocks
from bot.demo.terminal import Terminal
from bot.fakes.slack import FakeSlack

CHART_FILE = "last-30-days.png"


async def show_home_tabs(runtime: Runtime, slack: FakeSlack, terminal: Terminal) -> None:
    """Each person opens their Home tab, as Slack would tell the bot; what was published is printed."""
    # Drawn as an owner's first opening draws it, but waited for here, so the owner's tab shows it at once.
    await runtime.home.chart.refresh(runtime.clock.now())
    for user, who in terminal.viewer.people.items():
        await runtime.home.opened(user)
        view = slack.home_of(user) or {"blocks": []}
        terminal.say(f"  {who} opens supportbot's Home tab in Slack:")
        terminal.quote(render_blocks(view["blocks"], None, terminal.viewer), mark="┃")


async def save_chart(runtime: Runtime, slack: FakeSlack, folder: Path) -> Path | None:
    """The chart the owners' Home tab shows, as the bytes Slack received; None if none was drawn."""
    file_id = await runtime.home.chart.shown()
    upload = slack.files.get(file_id or "") or {}
    if not upload.get("content"):
        return None
    path = folder / CHART_FILE
    path.write_bytes(upload["content"])
    return path
