"""Licences and mailing lists from Slack: /revoke and /unsubscribe, a modal that shows what will happen, done once."""

from __future__ import annotations

import pytest

from bot.core.slack_ids import Command
from bot.fakes.licences import FakeKeygen, FakeLicenceServer
from bot.fakes.mailing_lists import FakeMailchimp, fake_kit_api
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import inputs, view_text
from tests.harness import (
    audit_trail,
    bot_settings,
    open_ticket,
    provider_settings,
    running_bot,
    thread,
    unpaced,
)

OWNER = "U0OWNER"
PRO, TEAM, OLD = "AAAA-1111-BBBB-2222", "CCCC-3333-DDDD-4444", "EEEE-5555-FFFF-6666"


def opened_view(slack: FakeSlack) -> dict:
    """The modal as it was first opened, before any views.update."""
    [call] = [c for c in slack.calls if c.method == "views.open"]
    return call.params["view"]


async def updated(slack: FakeSlack) -> dict:
    """The modal once the bot has updated it with what the licence server said."""
    await slack.wait_for(lambda s: any(c.method == "views.update" and c.status == 200 for c in s.calls))
    [view] = slack.views.values()
    return view


async def test_revoking_by_email_lists_the_active_licences_then_suspends_them_at_keygen(
    database_url, slack: FakeSlack, keygen: FakeKeygen
):
    keygen.add_licence(PRO, "ann@example.com", "Pro")
    keygen.add_licence(TEAM, "ann@example.com", "Team")
    keygen.add_licence(OLD, "ann@example.com", "Pro", status="expired")
    keygen.add_licence("GGGG-7777-HHHH-8888", "bob@example.com", "Pro")
    settings = bot_settings(database_url, slack, **provider_settings(keygen=keygen))
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-1")  # Ann has a card: the outcome is told in its thread too
        assert await bot.slash(slack, Command.REVOKE, "Ann@Example.com", user=OWNER) == 200
        await slack.wait_for(lambda s: bool(s.views))
        assert "Looking up the licences of ann@example.com on Keygen" in view_text(opened_view(slack))
        assert "submit" not in opened_view(slack)  # nothing to confirm until the licences are known
        modal = await updated(slack)
        offered = [option["value"] for option in inputs(modal)["licences"]["options"]]
        assert offered == [PRO, TEAM]  # active ones only: not the expired one, not Bob's
        assert "AAAA…2222 · Pro" in view_text(modal)
        status, answer = await bot.submit(modal, user=OWNER)
        assert status == 200 and "errors" not in answer
        await bot.settle()
        await slack.wait_for(lambda s: len(s.responses.get("cmd", [])) == 2)

    assert keygen.status_of(PRO) == keygen.status_of(TEAM) == "suspended"
    assert keygen.status_of(OLD) == "expired" and keygen.status_of("GGGG-7777-HHHH-8888") == "active"
    assert len([c for c in keygen.calls if c.method == "POST"]) == 2
    told = sorted(answer["text"] for answer in slack.responses["cmd"])
    assert told == [f"🔑 <@{OWNER}> licence `AAAA…2222` suspended", f"🔑 <@{OWNER}> licence `CCCC…4444` suspended"]
    replies = thread(slack, card)
    assert len(replies) == 2 and all("suspended" in r for r in replies)
    assert PRO not in str(replies) and PRO not in str(slack.responses)  # keys are shown masked
    trail = await audit_trail(database_url)
    assert trail == [("revoke-licence", "attempted", OWNER)] * 2 + [("revoke-licence", "succeeded", OWNER)] * 2


async def test_revoking_a_licence_key_directly_and_again(database_url, slack: FakeSlack, keygen: FakeKeygen):
    keygen.add_licence(PRO, "someone@example.com", "Pro")
    settings = bot_settings(database_url, slack, **provider_settings(keygen=keygen))
    async with running_bot(settings, pacer=unpaced()) as bot:
        await bot.slash(slack, Command.REVOKE, PRO, user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert [o["value"] for o in inputs(modal)["licences"]["initial_options"]] == [PRO]
        await bot.submit(modal, user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "cmd" in s.responses)

        await bot.slash(slack, Command.REVOKE, PRO, user=OWNER, reply_to="again")
        await slack.wait_for(lambda s: len(s.views) == 2)
        _, again = await bot.submit(list(slack.views.values())[-1], user=OWNER)
        await bot.settle()

    assert keygen.status_of(PRO) == "suspended"
    assert len([c for c in keygen.calls if c.method == "POST"]) == 1
    [told] = slack.responses["cmd"]
    assert told["text"] == f"🔑 <@{OWNER}> licence `AAAA…2222` suspended"
    assert again["response_action"] == "update" and "already done" in view_text(again["view"])
    assert not slack.all_messages()  # no customer, no card: the person who asked is told, and the audit trail
    assert ("revoke-licence", "already-done", OWNER) in await audit_trail(database_url)


@pytest.mark.parametrize("server", ["keygen", "licence_server"])
async def test_when_licences_cannot_be_listed_every_active_one_is_revoked_when_the_step_runs(
    database_url, slack: FakeSlack, server: str, keygen: FakeKeygen, licence_server: FakeLicenceServer
):
    fake = keygen if server == "keygen" else licence_server
    fake.add_licence(PRO, "ann@example.com", "Pro")
    fake.add_licence(TEAM, "ann@example.com", "Team")
    listing = "/v1/accounts/demo-account/licenses" if server == "keygen" else "/licences"
    fake.fail_next(listing, status=503, method="GET")
    providers = provider_settings(keygen=keygen) if fake is keygen else provider_settings(licence_server=licence_server)
    settings = bot_settings(database_url, slack, **providers)
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-2")
        await bot.slash(slack, Command.REVOKE, "ann@example.com", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        modal = await updated(slack)
        assert "could not list the licences" in view_text(modal) and "every active licence" in view_text(modal)
        assert "licences" not in inputs(modal) and modal["submit"]["text"] == "Revoke"
        await bot.submit(modal, user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "cmd" in s.responses)

    revoked = "suspended" if server == "keygen" else "revoked"
    assert fake.status_of(PRO) == fake.status_of(TEAM) == revoked
    listings = [c for c in fake.calls if c.method == "GET" and c.path == listing]
    assert len(listings) == 2  # once for the modal (failed), once when the step ran
    [told] = slack.responses["cmd"]
    assert told["text"] == f"🔑 <@{OWNER}> licences `AAAA…2222` {revoked}, `CCCC…4444` {revoked}"
    [reply] = thread(slack, card)
    assert reply.startswith(told["text"])


async def test_revoking_on_the_signed_licence_server(database_url, slack: FakeSlack, licence_server: FakeLicenceServer):
    licence_server.add_licence(PRO, "ann@example.com", "Pro")
    licence_server.add_licence(OLD, "ann@example.com", "Pro", status="revoked")
    settings = bot_settings(database_url, slack, **provider_settings(licence_server=licence_server))
    async with running_bot(settings, pacer=unpaced()) as bot:
        await open_ticket(bot, slack, "T-3")
        await bot.slash(slack, Command.REVOKE, "ann@example.com", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        modal = await updated(slack)
        assert [o["value"] for o in inputs(modal)["licences"]["options"]] == [PRO]
        await bot.submit(modal, user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "cmd" in s.responses)

    assert licence_server.revocations == [PRO] and licence_server.rejected == 0
    [revoke] = [c for c in licence_server.calls if c.method == "POST"]
    assert revoke.headers["Idempotency-Key"].startswith("revoke:")
    assert "revoked" in slack.responses["cmd"][0]["text"]


# -- mailing lists -------------------------------------------------------------------------------------------------


async def test_unsubscribing_is_done_once_and_a_repeat_tells_the_first_result(
    database_url, slack: FakeSlack, mailchimp: FakeMailchimp
):
    mailchimp.subscribe("ann@example.com")
    mailchimp.subscribe("bob@example.com")
    settings = bot_settings(database_url, slack, **provider_settings(mailchimp=mailchimp))
    async with running_bot(settings, pacer=unpaced()) as bot:
        card = await open_ticket(bot, slack, "T-4")
        await bot.slash(slack, Command.UNSUBSCRIBE, "ann@example.com", user=OWNER)
        await slack.wait_for(lambda s: bool(s.views))
        [modal] = slack.views.values()
        assert "Unsubscribe *ann@example.com* from *Mailchimp list a1b2c3d4e5*" in view_text(modal)
        await bot.submit(modal, user=OWNER)
        await bot.settle()
        await slack.wait_for(lambda s: "cmd" in s.responses)
        calls_after_first = len(mailchimp.calls)

        await bot.slash(slack, Command.UNSUBSCRIBE, "ann@example.com", user=OWNER, reply_to="again")
        await slack.wait_for(lambda s: len(s.views) == 2)
        _, again = await bot.submit(list(slack.views.values())[-1], user=OWNER)
        await bot.settle()

    assert mailchimp.status_of("ann@example.com") == "unsubscribed"
    assert mailchimp.status_of("bob@example.com") == "subscribed"
    assert len([c for c in mailchimp.calls if c.method == "PATCH"]) == 1
    assert len(mailchimp.calls) == calls_after_first  # the repeat did not reach Mailchimp at all
    [told] = slack.responses["cmd"]
    assert told["text"] == f"📭 <@{OWNER}> unsubscribed from Mailchimp list a1b2c3d4e5"
    assert thread(slack, card)[0].startswith(told["text"])
    notice = view_text(again["view"])
    assert "already done" in notice and "unsubscribed from Mailchimp list a1b2c3d4e5" in notice
    assert "again" not in slack.responses
    assert await audit_trail(database_url) == [
        ("unsubscribe", "attempted", OWNER),
        ("unsubscribe", "succeeded", OWNER),
        ("unsubscribe", "already-done", OWNER),
    ]


async def test_anyone_can_be_unsubscribed_from_kit_customer_or_not(database_url, slack: FakeSlack):
    async with fake_kit_api() as kit:
        kit.subscribe("stranger@example.com")
        settings = bot_settings(database_url, slack, **provider_settings(kit=kit))
        async with running_bot(settings, pacer=unpaced()) as bot:
            await bot.slash(slack, Command.UNSUBSCRIBE, "stranger@example.com", user=OWNER)
            await slack.wait_for(lambda s: bool(s.views))
            await bot.submit(next(iter(slack.views.values())), user=OWNER)
            await bot.settle()
            await slack.wait_for(lambda s: "cmd" in s.responses)

    assert kit.status_of("stranger@example.com") == "cancelled"
    assert slack.responses["cmd"][0]["text"] == f"📭 <@{OWNER}> unsubscribed from Kit"
