"""docs/setup.md tells each desk to send exactly the events the bot handles."""

from __future__ import annotations

import re
from pathlib import Path

from bot.integrations.desk_events import conversations, zendesk

GUIDE = (Path(__file__).parent.parent.parent / "docs" / "setup.md").read_text()


def desk_section(title: str) -> str:
    start = GUIDE.index(f"### {title}")
    end = min(i for i in (GUIDE.find("\n### ", start + 1), GUIDE.find("\n## ", start + 1), len(GUIDE)) if i != -1)
    return GUIDE[start:end]


def test_the_help_scout_steps_name_every_handled_event_and_no_other():
    named = set(re.findall(r"`(convo\.[a-z.]+)`", desk_section("Help Scout")))
    assert named == set(conversations.EVENTS)


def test_the_freescout_steps_name_every_handled_event_and_no_other():
    named = set(re.findall(r"`(convo\.[a-z.]+)`", desk_section("FreeScout")))
    assert named == set(conversations.EVENTS)


def test_the_zendesk_steps_name_every_handled_event_and_no_other():
    named = set(re.findall(r"`(zen:event-type:[a-z_.]+)`", desk_section("Zendesk")))
    assert named == set(zendesk.EVENTS)


def test_the_freshdesk_steps_send_our_token_header_to_the_served_route():
    section = desk_section("Freshdesk")
    assert "/webhooks/freshdesk" in section and "X-Supportbot-Token" in section and "**Simple**" in section
