"""The 30-day chart in the week's first morning digest: drawn just before it, uploaded once, and the same upload
shown on the owners' Home tab that hour; the rest of the week's digests go without it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.clock import FakeClock
from bot.fakes.slack import FakeSlack
from tests.e2e.test_home import open_home
from tests.e2e.test_waiting_and_morning import sale
from tests.harness import alerts, on_call_settings, running_bot, unpaced

OWNER = "U0OWNER"
SUNDAY_NIGHT = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Monday 00:00 in Berlin
MONDAY_OPENING = datetime(2026, 11, 23, 8, 1, tzinfo=UTC)  # 09:01 in Berlin
TUESDAY_OPENING = datetime(2026, 11, 24, 8, 1, tzinfo=UTC)


def digests(slack: FakeSlack) -> list[Any]:
    return [m for m in alerts(slack) if m.text.startswith("While you were away")]


def chart_in(blocks: list[dict[str, Any]] | None) -> str | None:
    images = [b["slack_file"]["id"] for b in blocks or [] if b.get("type") == "image"]
    return images[0] if images else None


async def test_mondays_digest_shows_the_chart_uploaded_once_and_tuesdays_does_not(
    database_url, slack: FakeSlack
) -> None:
    clock = FakeClock(SUNDAY_NIGHT)
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=clock) as bot:
        await sale(bot, 4900, pi="pi_monday")
        clock.set(MONDAY_OPENING)
        await bot.runtime.timers.tick()  # or the timers' own loop, whichever comes first: one digest either way
        await slack.wait_for(lambda s: len(digests(s)) == 1, timeout=30)
        await bot.settle()
        [monday] = digests(slack)
        chart = chart_in(monday.blocks)
        assert chart is not None and list(slack.files) == [chart]
        png = slack.files[chart]["content"]
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and slack.files[chart]["complete"]

        # The owner opens the Home tab the same hour: the digest's upload is shown, not a second one.
        view = await open_home(bot, slack, OWNER)
        assert chart_in(view["blocks"] if view else None) == chart
        assert len(slack.files) == 1

        # A sale redraws the owner's open Home tab: let that happen on Monday, so that the one upload below is the
        # digest's (a Tuesday redraw of the tab rightly draws a new chart, and is not what this test is about).
        homes_before = len(slack.homes[OWNER])
        await sale(bot, 1900, pi="pi_monday2")
        await slack.wait_for(lambda s: len(s.homes[OWNER]) > homes_before, timeout=15)
        await bot.settle()
        clock.set(TUESDAY_OPENING)
        await bot.runtime.timers.tick()
        await slack.wait_for(lambda s: len(digests(s)) == 2, timeout=30)
        tuesday = digests(slack)[-1]
        assert chart_in(tuesday.blocks) is None and len(slack.files) == 1
