"""`doctor` on help desks: each configured desk's credentials tried with one harmless read, against its fake."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from bot.doctor import diagnose
from bot.doctor.checks import Check, Status
from bot.fakes.freescout import FakeFreeScout
from bot.fakes.freshdesk import FakeFreshdesk
from bot.fakes.helpscout import FakeHelpScout
from bot.fakes.slack import FakeSlack
from bot.fakes.zendesk import FakeZendesk
from tests.harness import bot_settings


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def fix_of_failed(check: Check) -> str:
    """The fix a failed check names; every failure names one."""
    assert check.status is Status.FAILED and check.fix is not None, check
    return check.fix


async def test_help_scout_credentials_that_work_pass_and_wrong_ones_say_what_to_fix(
    sqlite_url: str, slack: FakeSlack, helpscout: FakeHelpScout
):
    good = bot_settings(
        sqlite_url,
        slack,
        helpscout_webhook_secret=helpscout.webhook_secret,
        helpscout_app_id=helpscout.app_id,
        helpscout_app_secret=helpscout.app_secret,
        helpscout_api_base=helpscout.base_url,
        provider_timeout_seconds=2.0,
    )
    checks = by_name(await diagnose(good))
    assert checks["Help Scout webhook"].status is Status.OK
    assert checks["Help Scout credentials"].status is Status.OK
    assert "1 mailbox(es)" in checks["Help Scout credentials"].detail
    assert helpscout.calls_to("GET", "/v2/mailboxes")  # a read; nothing was changed

    wrong = good.model_copy(update={"helpscout_app_secret": SecretStr("not-it"), "helpscout_webhook_secret": None})
    checks = by_name(await diagnose(wrong))
    assert checks["Help Scout webhook"].status is Status.SKIPPED
    failed = checks["Help Scout credentials"]
    assert "SUPPORTBOT_HELPSCOUT_APP_SECRET" in fix_of_failed(failed)

    helpscout.fail_next("/v2/mailboxes", status=503)
    failed = by_name(await diagnose(good))["Help Scout credentials"]
    assert "try again" in fix_of_failed(failed)

    # Given by halves, the settings are refused as they are read (tests/test_doctor.py checks how doctor says so).
    with pytest.raises(ValidationError, match="acting in Help Scout needs SUPPORTBOT_HELPSCOUT_APP_SECRET too"):
        bot_settings(sqlite_url, slack, helpscout_app_id=helpscout.app_id)


async def test_a_desk_that_is_not_configured_is_not_mentioned(sqlite_url: str, slack: FakeSlack):
    assert not [c for c in await diagnose(bot_settings(sqlite_url, slack)) if "Help Scout" in c.name]


async def test_freescout_s_api_key_is_tried_with_a_read(sqlite_url: str, slack: FakeSlack, freescout: FakeFreeScout):
    settings = bot_settings(sqlite_url, slack, freescout_url=freescout.base_url, freescout_api_key=freescout.api_key)
    checks = by_name(await diagnose(settings))
    assert checks["FreeScout credentials"].status is Status.OK
    assert checks["FreeScout webhook"].status is Status.SKIPPED  # no webhook secret: /webhooks/freescout 503s
    wrong = settings.model_copy(update={"freescout_api_key": SecretStr("nope")})
    failed = by_name(await diagnose(wrong))["FreeScout credentials"]
    assert "SUPPORTBOT_FREESCOUT_API_KEY" in fix_of_failed(failed)


async def test_zendesk_s_token_is_tried_by_reading_who_it_belongs_to(sqlite_url: str, slack: FakeSlack):
    async with FakeZendesk(datetime(2026, 11, 24, tzinfo=UTC)) as zd:
        settings = bot_settings(
            sqlite_url,
            slack,
            zendesk_subdomain="shop",
            zendesk_email=zd.email,
            zendesk_api_token=zd.api_token,
            zendesk_api_base=zd.base_url,
        )
        checks = by_name(await diagnose(settings))
        assert checks["Zendesk credentials"].status is Status.OK
        assert zd.email in checks["Zendesk credentials"].detail
        wrong = settings.model_copy(update={"zendesk_api_token": SecretStr("nope")})
        failed = by_name(await diagnose(wrong))["Zendesk credentials"]
        assert "SUPPORTBOT_ZENDESK_API_TOKEN" in fix_of_failed(failed)


async def test_freshdesk_s_api_key_is_tried_by_reading_its_own_agent(sqlite_url: str, slack: FakeSlack):
    async with FakeFreshdesk(datetime(2026, 11, 24, tzinfo=UTC)) as fd:
        settings = bot_settings(
            sqlite_url,
            slack,
            freshdesk_domain="shop.freshdesk.com",
            freshdesk_api_key=fd.api_key,
            freshdesk_api_base=fd.base_url,
        )
        assert by_name(await diagnose(settings))["Freshdesk credentials"].status is Status.OK
        wrong = settings.model_copy(update={"freshdesk_api_key": SecretStr("nope")})
        failed = by_name(await diagnose(wrong))["Freshdesk credentials"]
        assert "SUPPORTBOT_FRESHDESK_API_KEY" in fix_of_failed(failed)
