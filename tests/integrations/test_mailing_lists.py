"""MailchimpList and KitList over real HTTP against FakeMailchimp and FakeKit."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.core.errors import ConfigError, ProviderError
from bot.fakes.mailing_lists import FakeKit, FakeMailchimp, fake_kit_api, fake_mailchimp_api, subscriber_hash
from bot.integrations.contracts import MailingList, UnsubscribeOutcome
from bot.integrations.mailing_lists import KitList, MailchimpList

LIST_ID = "a1b2c3d4e5"
MEMBERS = f"/3.0/lists/{LIST_ID}/members"


@pytest.fixture
async def mailchimp() -> AsyncIterator[FakeMailchimp]:
    async with fake_mailchimp_api(list_id=LIST_ID) as fake:
        yield fake


@pytest.fixture
async def kit() -> AsyncIterator[FakeKit]:
    async with fake_kit_api() as fake:
        yield fake


@pytest.fixture
async def make_mailchimp(mailchimp: FakeMailchimp) -> AsyncIterator:
    made: list[MailchimpList] = []

    def make(*, api_key: str | None = None, list_id: str = LIST_ID, timeout: float = 5.0) -> MailchimpList:
        client = MailchimpList(api_key or mailchimp.api_key, list_id, mailchimp.base_url, timeout)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def make_kit(kit: FakeKit) -> AsyncIterator:
    made: list[KitList] = []

    def make(*, api_key: str | None = None, timeout: float = 5.0) -> KitList:
        client = KitList(api_key or kit.api_key, kit.base_url, timeout)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


def test_both_implement_the_protocol() -> None:
    lists: list[MailingList] = [MailchimpList("0123abcd-us21", "abc123"), KitList("kit_key")]
    assert [mailing_list.name for mailing_list in lists] == ["Mailchimp list abc123", "Kit"]


# -- Mailchimp --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_key", "host"),
    [("0123abcd-us21", "https://us21.api.mailchimp.com"), ("a-b-c-us6", "https://us6.api.mailchimp.com")],
)
def test_mailchimp_finds_the_data_centre_in_the_key(api_key: str, host: str) -> None:
    assert MailchimpList(api_key, LIST_ID).api_base == host


@pytest.mark.parametrize("api_key", ["0123abcdef", "0123abcd-", "0123abcd-us21.evil.example/x", "0123abcd-US21"])
def test_mailchimp_refuses_a_key_without_a_data_centre(api_key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        MailchimpList(api_key, LIST_ID)

    assert api_key not in str(caught.value)


def test_mailchimp_an_explicit_api_base_wins() -> None:
    assert MailchimpList("no-dash-needed", LIST_ID, "http://127.0.0.1:9/").api_base == "http://127.0.0.1:9"


@pytest.mark.parametrize("status", ["subscribed", "pending"])
async def test_mailchimp_unsubscribes_a_member(mailchimp: FakeMailchimp, make_mailchimp, status: str) -> None:
    mailchimp.subscribe("alice@example.com", status=status)

    outcome = await make_mailchimp().unsubscribe("  Alice@Example.COM ")

    assert outcome == UnsubscribeOutcome("Mailchimp list a1b2c3d4e5", already=False)
    assert mailchimp.status_of("alice@example.com") == "unsubscribed"
    [patch] = mailchimp.calls_to("PATCH", f"{MEMBERS}/{subscriber_hash('alice@example.com')}")
    assert patch.json == {"status": "unsubscribed"}


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned", "archived", "transactional"])
async def test_mailchimp_a_member_not_receiving_campaigns_is_already_done(
    mailchimp: FakeMailchimp, make_mailchimp, status: str
) -> None:
    mailchimp.subscribe("alice@example.com", status=status)

    outcome = await make_mailchimp().unsubscribe("alice@example.com")

    assert outcome.already is True
    assert [call.method for call in mailchimp.calls] == ["GET"]
    assert mailchimp.status_of("alice@example.com") == status


async def test_mailchimp_someone_not_on_the_list_is_already_done(mailchimp: FakeMailchimp, make_mailchimp) -> None:
    mailchimp.subscribe("bob@example.com")
    client = make_mailchimp()

    assert (await client.unsubscribe("alice@example.com")).already is True
    assert (await client.unsubscribe("carol@example.com")).already is True
    # The list itself is checked once, so that a wrong list id cannot pass for "not a member".
    assert len(mailchimp.calls_to("GET", f"/3.0/lists/{LIST_ID}")) == 1


async def test_mailchimp_a_wrong_list_id_is_an_error(mailchimp: FakeMailchimp, make_mailchimp) -> None:
    mailchimp.subscribe("alice@example.com")

    with pytest.raises(ProviderError) as caught:
        await make_mailchimp(list_id="f00f00f00f").unsubscribe("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert "list f00f00f00f not found" in caught.value.reason


async def test_mailchimp_a_wrong_api_key_is_not_retryable(mailchimp: FakeMailchimp, make_mailchimp) -> None:
    mailchimp.subscribe("alice@example.com")

    with pytest.raises(ProviderError) as caught:
        await make_mailchimp(api_key="ffffffffffffffff-us21").unsubscribe("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "API key" in caught.value.reason
    assert mailchimp.status_of("alice@example.com") == "subscribed"


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_mailchimp_rate_limits_and_outages_are_retryable(
    mailchimp: FakeMailchimp, make_mailchimp, status: int
) -> None:
    mailchimp.subscribe("alice@example.com")
    mailchimp.fail_next(MEMBERS, status=status)

    with pytest.raises(ProviderError) as caught:
        await make_mailchimp().unsubscribe("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (status, True)
    assert ("rate limiting" in caught.value.reason) == (status == 429)


async def test_mailchimp_a_failed_update_is_retryable_and_changes_nothing(
    mailchimp: FakeMailchimp, make_mailchimp
) -> None:
    mailchimp.subscribe("alice@example.com")
    mailchimp.fail_next(MEMBERS, status=503, method="PATCH")
    client = make_mailchimp()

    with pytest.raises(ProviderError) as caught:
        await client.unsubscribe("alice@example.com")

    assert caught.value.retryable is True
    assert mailchimp.status_of("alice@example.com") == "subscribed"
    assert (await client.unsubscribe("alice@example.com")).already is False


async def test_mailchimp_answering_too_slowly_is_retryable(mailchimp: FakeMailchimp, make_mailchimp) -> None:
    mailchimp.fail_next(MEMBERS, delay=3.0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await make_mailchimp(timeout=0.3).unsubscribe("alice@example.com")

    assert caught.value.retryable is True
    assert "Mailchimp did not answer in time" in caught.value.reason
    assert time.monotonic() - started < 1.5


# -- Kit ----------------------------------------------------------------------------------------------------------


async def test_kit_unsubscribes_an_active_subscriber(kit: FakeKit, make_kit) -> None:
    subscriber_id = kit.subscribe("alice@example.com")
    kit.subscribe("bob@example.com")

    outcome = await make_kit().unsubscribe("alice@example.com")

    assert outcome == UnsubscribeOutcome("Kit", already=False)
    assert (kit.status_of("alice@example.com"), kit.status_of("bob@example.com")) == ("cancelled", "active")
    [lookup] = kit.calls_to("GET", "/v4/subscribers")
    assert lookup.query == {"email_address": "alice@example.com", "status": "active"}
    assert kit.calls_to("POST", f"/v4/subscribers/{subscriber_id}/unsubscribe")


@pytest.mark.parametrize("state", ["cancelled", "inactive", "bounced", "complained", None])
async def test_kit_someone_not_active_is_already_done(kit: FakeKit, make_kit, state: str | None) -> None:
    if state:
        kit.subscribe("alice@example.com", status=state)

    outcome = await make_kit().unsubscribe("alice@example.com")

    assert outcome.already is True
    assert [call.method for call in kit.calls] == ["GET"]
    assert kit.status_of("alice@example.com") == state


async def test_kit_a_wrong_api_key_is_not_retryable(kit: FakeKit, make_kit) -> None:
    kit.subscribe("alice@example.com")

    with pytest.raises(ProviderError) as caught:
        await make_kit(api_key="kit_wrong").unsubscribe("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "Kit API key" in caught.value.reason
    assert "kit_wrong" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "path"),
    [(429, "/v4/subscribers"), (500, "/v4/subscribers"), (502, "/v4/subscribers/")],
    ids=["lookup rate limited", "lookup fails", "unsubscribe fails"],
)
async def test_kit_rate_limits_and_outages_are_retryable(kit: FakeKit, make_kit, status: int, path: str) -> None:
    kit.subscribe("alice@example.com")
    kit.fail_next(path, status=status, retry_after=5)

    with pytest.raises(ProviderError) as caught:
        await make_kit().unsubscribe("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (status, True)
    assert ("try again in 5 s" in caught.value.reason) == (status == 429)
    assert kit.status_of("alice@example.com") == "active"


async def test_kit_answering_too_slowly_is_retryable(kit: FakeKit, make_kit) -> None:
    kit.fail_next("/v4/subscribers", delay=3.0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await make_kit(timeout=0.3).unsubscribe("alice@example.com")

    assert caught.value.retryable is True
    assert "Kit did not answer in time" in caught.value.reason
    assert time.monotonic() - started < 1.5


async def test_kit_unreachable_is_retryable() -> None:
    async with fake_kit_api() as gone:
        pass  # closed: nothing listens on its port any more
    client = KitList(gone.api_key, gone.base_url)

    with pytest.raises(ProviderError) as caught:
        await client.unsubscribe("alice@example.com")

    assert caught.value.retryable is True
    assert "could not reach Kit" in caught.value.reason
    await client.close()


async def test_api_keys_never_reach_the_log(
    mailchimp: FakeMailchimp, kit: FakeKit, make_mailchimp, make_kit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mailchimp.subscribe("alice@example.com")
    kit.subscribe("alice@example.com")
    mailchimp.fail_next(MEMBERS, status=500)
    kit.fail_next("/v4/subscribers", status=500)

    for client in (make_mailchimp(), make_kit(), make_mailchimp(api_key="bad-us21"), make_kit(api_key="bad")):
        with pytest.raises(ProviderError):
            await client.unsubscribe("alice@example.com")
    await make_mailchimp().unsubscribe("alice@example.com")
    await make_kit().unsubscribe("alice@example.com")

    assert caplog.records, "the failures above should have been logged"
    for secret in (mailchimp.api_key, kit.api_key, "bad-us21", "Basic "):
        assert secret not in caplog.text
