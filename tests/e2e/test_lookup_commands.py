"""/customer and /audit: a customer's whole history and the audit trail, shown privately to the support team."""

from __future__ import annotations

from typing import Any

from bot.core.slack_ids import Command
from bot.fakes.slack import FakeSlack
from tests.builders import stripe_charge, stripe_event
from tests.harness import BotUnderTest, audit_trail, bot_settings, open_ticket, running_bot, unpaced

OWNER, AGENT, STRANGER = "U0OWNER", "U0AGENT", "U0STRANGER"


async def ask(bot: BotUnderTest, slack: FakeSlack, command: str, text: str, *, user: str, name: str) -> dict[str, Any]:
    """Run a slash command and return what the bot answered first at its response_url."""
    assert await bot.slash(slack, command, text, user=user, reply_to=name) == 200
    await slack.wait_for(lambda s: name in s.responses)
    return slack.responses[name][0]


def audit_lines(answer: dict[str, Any]) -> list[str]:
    """The audit card's record lines, newest first, without its heading."""
    return answer["blocks"][0]["text"]["text"].split("\n")[1:]


async def test_customer_shows_the_whole_history_privately(database_url, slack: FakeSlack):
    settings = bot_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_look0001", description="Pro licence")))
        await open_ticket(bot, slack, "T-10", subject="Download link")
        found = await ask(bot, slack, Command.CUSTOMER, "Ann@Example.com", user=AGENT, name="found")
        owner = await ask(bot, slack, Command.CUSTOMER, "mailto:ann@example.com", user=OWNER, name="owner")
        # Slack escapes what a person types into a command with should_escape: an email arrives as a mailto link.
        escaped = "<mailto:Ann@Example.com|Ann@Example.com>"
        slack_escaped = await ask(bot, slack, Command.CUSTOMER, escaped, user=AGENT, name="escaped")
        unknown = await ask(bot, slack, Command.CUSTOMER, "nobody@example.com", user=AGENT, name="unknown")
        garbage = await ask(bot, slack, Command.CUSTOMER, "pi_look0001", user=AGENT, name="garbage")
        empty = await ask(bot, slack, Command.CUSTOMER, "", user=AGENT, name="empty")

    assert found["response_type"] == "ephemeral" and not slack.ephemerals
    card = str(found["blocks"])
    assert found["blocks"][0]["text"]["text"] == "👤 Ann Example"
    assert "*Purchases*" in card and "$49.00 · Pro licence" in card
    assert "*Tickets*" in card and "Download link (open)" in card
    assert owner["blocks"] == found["blocks"] == slack_escaped["blocks"]
    assert unknown["text"] == "No customer with the email nobody@example.com is on record."
    assert garbage["text"] == empty["text"] == "Usage: `/customer <email>`"
    assert len(slack.channel_messages("C0SUPPORT")) == 1  # nothing was posted for anyone else to see
    assert await audit_trail(database_url) == []  # looking up is not an action


async def test_audit_shows_the_matching_records(database_url, slack: FakeSlack):
    settings = bot_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await open_ticket(bot, slack, "T-20", email="ann@example.com")
        await open_ticket(bot, slack, "T-21", email="bob@example.com", subject="Invoice")
        await ask(bot, slack, Command.TAKEOVER, "T-20", user=AGENT, name="agent-takes")
        await bot.settle()
        await ask(bot, slack, Command.TAKEOVER, "T-21", user=OWNER, name="owner-takes")
        await bot.settle()
        await ask(bot, slack, Command.REFUND, "pi_whatever1", user=STRANGER, name="stranger-refund")

        latest = await ask(bot, slack, Command.AUDIT, "", user=AGENT, name="latest")
        ann = await ask(bot, slack, Command.AUDIT, "ann@example.com", user=AGENT, name="ann")
        by_owner = await ask(bot, slack, Command.AUDIT, f"<@{OWNER}>", user=OWNER, name="by-owner")
        on_ticket = await ask(bot, slack, Command.AUDIT, "T-21", user=AGENT, name="ticket")
        hashed = await ask(bot, slack, Command.AUDIT, "#T-20", user=AGENT, name="hashed")
        week = await ask(bot, slack, Command.AUDIT, "7d", user=AGENT, name="week")
        future = await ask(bot, slack, Command.AUDIT, "2099-01-01", user=AGENT, name="future")
        both = await ask(bot, slack, Command.AUDIT, "bob@example.com 12h", user=AGENT, name="both")
        garbage = await ask(bot, slack, Command.AUDIT, "zzz", user=AGENT, name="garbage")

    assert latest["response_type"] == "ephemeral"
    assert "*Audit trail* (latest)" in latest["blocks"][0]["text"]["text"]
    lines = audit_lines(latest)
    assert len(lines) == 5
    assert "*refund* refused by name-u0stranger" in lines[0]  # newest first
    assert sum("*take-over* succeeded" in line for line in lines) == 2
    assert lines[-1].startswith("⏳") and "*take-over* attempted by name-u0agent · ticket T-20" in lines[-1]

    assert "for ann@example.com" in ann["blocks"][0]["text"]["text"]
    assert [line.split("* ", 1)[1] for line in audit_lines(ann)] == [
        "succeeded by name-u0agent · ticket T-20",
        "attempted by name-u0agent · ticket T-20",
    ]
    assert all("*take-over*" in line for line in audit_lines(ann))
    assert len(audit_lines(by_owner)) == 2 and all("name-u0owner" in line for line in audit_lines(by_owner))
    assert f"by <@{OWNER}>" in by_owner["blocks"][0]["text"]["text"]
    assert audit_lines(on_ticket) == audit_lines(by_owner)
    assert "on ticket T-21" in on_ticket["blocks"][0]["text"]["text"]
    assert audit_lines(hashed) == audit_lines(ann)
    assert audit_lines(week) == lines and "since " in week["blocks"][0]["text"]["text"]
    assert future["text"] == "No audited actions" and "No audited actions since 2099-01-01 00:00 UTC." in str(future)
    assert audit_lines(both) == audit_lines(on_ticket)
    assert garbage["text"] == (
        "“zzz” is not an email, @person, ticket or time. "
        "Usage: `/audit [email | @user | ticket id] [since: 7d, 12h or 2026-11-01]`"
    )


async def test_lookups_are_for_the_support_team_and_a_refusal_is_audited(database_url, slack: FakeSlack):
    settings = bot_settings(database_url, slack)
    async with running_bot(settings, pacer=unpaced()) as bot:
        await open_ticket(bot, slack, "T-30")
        customer = await ask(bot, slack, Command.CUSTOMER, "ann@example.com", user=STRANGER, name="customer")
        audit = await ask(bot, slack, Command.AUDIT, "", user=STRANGER, name="audit")
        agent_audit = await ask(bot, slack, Command.AUDIT, "", user=AGENT, name="agent-audit")

    for refusal in (customer, audit):
        assert refusal["response_type"] == "ephemeral" and "is for the support team" in refusal["text"]
        assert "blocks" not in refusal
    assert "Ann" not in str(customer)
    assert await audit_trail(database_url) == [("look-up", "refused", STRANGER), ("view-audit", "refused", STRANGER)]
    lines = audit_lines(agent_audit)  # the agent sees the refusals
    assert "*view-audit* refused by name-u0stranger · audit trail" in lines[0]
    assert "*look-up* refused by name-u0stranger · ann@example.com" in lines[1]
