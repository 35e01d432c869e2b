"""Slash commands typed to hurt: too many filters, a 40,000-character word, status asked by a stranger."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.slack_ids import Command
from bot.fakes.slack import FakeSlack
from tests.harness import BotUnderTest, audit_trail, bot_settings, running_bot, unpaced

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"
HUGE_WORD = "T-" + "9" * 40_000


async def ask(bot: BotUnderTest, slack: FakeSlack, command: str, text: str, *, user: str, name: str) -> dict[str, Any]:
    assert await bot.slash(slack, command, text, user=user, reply_to=name) == 200
    await slack.wait_for(lambda s: name in s.responses)
    return slack.responses[name][0]


async def test_audit_with_1500_filters_answers_in_one_line(database_url, slack: FakeSlack):
    # Each filter was one more condition in one SQL statement: SQLite refused it, and nobody was answered.
    filters = " ".join(f"<@U0P{n:05d}>" for n in range(1_500))
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        answer = await ask(bot, slack, Command.AUDIT, filters, user=AGENT, name="audit")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("At most 8 filters, please (1500 given).")
    assert "\n" not in answer["text"] and "blocks" not in answer


@pytest.mark.parametrize(
    ("command", "user", "said"),
    [
        (Command.AUDIT, AGENT, "is not an email, @person, ticket or time"),
        (Command.TAKEOVER, AGENT, "Nothing on record matches"),
        (Command.REFUND, OWNER, "Nothing on record matches"),
        (Command.PARTWAYS, OWNER, "Nothing on record matches"),
    ],
)
async def test_a_40000_character_word_is_not_echoed_back(
    database_url, slack: FakeSlack, command: str, user: str, said: str
):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        answer = await ask(bot, slack, command, HUGE_WORD, user=user, name="usage")
    assert said in answer["text"]
    assert "“T-999" in answer["text"] and "…”" in answer["text"]
    assert len(answer["text"]) < 400


async def test_support_status_is_for_the_support_team(database_url, slack: FakeSlack):
    async with running_bot(bot_settings(database_url, slack), pacer=unpaced()) as bot:
        stranger = await ask(bot, slack, Command.SUPPORT, "status", user=STRANGER, name="stranger")
        agent = await ask(bot, slack, Command.SUPPORT, "status", user=AGENT, name="agent")
    assert stranger["response_type"] == "ephemeral" and "is for the support team" in stranger["text"]
    assert "waiting" not in stranger["text"]
    assert "message(s) waiting" in agent["text"]
    assert await audit_trail(database_url) == [("view-status", "refused", STRANGER)]
