"""`supportbot doctor` against the fake Slack, Stripe and PayPal, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from bot.config.settings import Settings
from bot.doctor import diagnose, run_doctor
from bot.doctor.checks import MANIFEST_BOT_SCOPES, SETTING_GROUPS, Check, Status
from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack
from bot.fakes.stripe import FakeStripe
from bot.storage.db import Database, known_revisions
from tests.conftest import ADMIN_DSN
from tests.harness import CHANNELS, bot_settings, provider_settings

ROOT = Path(__file__).parent.parent
ALL_SCOPES = MANIFEST_BOT_SCOPES  # exactly what the manifest asks for; a test below pins it to manifest.yaml


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    # The shared fake Slack, with a token granted exactly the manifest's scopes.
    async with FakeSlack(channels=CHANNELS, scopes=ALL_SCOPES) as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database that exists and was never migrated."""
    if request.param == "sqlite":
        path = tmp_path / "empty.db"
        path.touch()
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"supportbot_doctor_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_DSN, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def settings_for(
    database_url: str,
    slack: FakeSlack,
    paypal: FakePayPal | None = None,
    stripe: FakeStripe | None = None,
    **overrides: Any,
) -> Settings:
    values = provider_settings(stripe=stripe) | {"provider_timeout_seconds": 3.0} | overrides
    return bot_settings(database_url, slack, paypal, **values)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def failures(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks if check.status is Status.FAILED}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def doctor(settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_doctor(settings, out=out)
    return code, out.getvalue()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Settings from SUPPORTBOT_* variables only, as `supportbot doctor` reads them: none of the caller's, no .env."""
    for name in list(os.environ):
        if name.startswith("SUPPORTBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


async def doctor_from(environment: pytest.MonkeyPatch, settings: Settings, **raw: str) -> tuple[int, str]:
    """`supportbot doctor` on the environment of `settings` with `raw` values set as a person would type them."""
    for name, value in settings.model_dump().items():
        if value not in (None, ()):
            shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            environment.setenv(
                f"SUPPORTBOT_{name.upper()}", ",".join(shown) if isinstance(shown, tuple) else str(shown)
            )
    for name, value in raw.items():
        environment.setenv(f"SUPPORTBOT_{name.upper()}", value)
    out = io.StringIO()
    code = await run_doctor(out=out)
    return code, out.getvalue()


# -- all good ---------------------------------------------------------------------------------------------------


async def test_everything_configured_and_working_passes_and_exits_0(database_url, slack, stripe_api, paypal):
    settings = settings_for(database_url, slack, paypal, stripe_api, slack_app_token=slack.app_token)

    code, printed = await doctor(settings)

    assert code == 0, printed
    assert "✗" not in printed
    checks = by_name(await diagnose(settings))
    assert checks["database"].detail.endswith(f"schema at {known_revisions()[0]} (current)")
    assert checks["Slack bot token"].detail == "accepted: @supportbot in Fake Workspace"
    assert checks["Slack scopes"].status is Status.OK
    assert checks["Slack app token"].status is Status.OK
    assert checks["Stripe API key"].detail == "accepted (test mode, Fake Shop)"
    assert checks["PayPal credentials"].status is Status.OK
    for setting in ("SALES", "SUPPORT", "DISPUTES", "ONCALL"):
        [channel] = [c for c in checks.values() if c.name.endswith(f"(SUPPORTBOT_CHANNEL_{setting})")]
        assert channel.status is Status.OK and "the bot is a member" in channel.detail
    assert printed.rstrip().endswith("Everything configured works.")


async def test_integrations_left_unconfigured_are_skipped_and_say_so(sqlite_url, slack):
    settings = settings_for(sqlite_url, slack, channel_oncall=None, tickets_webhook_secret=None)

    code, printed = await doctor(settings)

    assert code == 0, printed
    assert "– Stripe API key: not configured (Stripe refunds are not offered)" in printed
    assert "– PayPal credentials: not configured (PayPal webhooks and refunds are off)" in printed
    assert "– Slack app token: not configured (needed only by `supportbot socket`)" in printed
    assert "– tickets webhook: not configured (/webhooks/tickets answers 503)" in printed
    assert "– channel (SUPPORTBOT_CHANNEL_ONCALL): not configured (no alerts out of hours)" in printed


# -- Slack ------------------------------------------------------------------------------------------------------


async def test_a_wrong_slack_token_fails_with_where_to_find_the_right_one(sqlite_url, slack):
    settings = settings_for(sqlite_url, slack, slack_bot_token="xoxb-not-the-token")

    code, printed = await doctor(settings)

    assert code == 1
    failed = failures(await diagnose(settings))
    assert set(failed) == {"Slack bot token"}
    assert "invalid_auth" in failed["Slack bot token"].detail
    assert "OAuth & Permissions" in (failed["Slack bot token"].fix or "")
    assert "– Slack scopes and channels: not checked: the bot token does not work" in printed
    assert "xoxb-not-the-token" not in printed


async def test_an_app_token_in_place_of_the_bot_token_is_named_as_such(sqlite_url, slack, environment):
    code, printed = await doctor_from(environment, settings_for(sqlite_url, slack), slack_bot_token=slack.app_token)

    assert code == 1
    assert "✗ SUPPORTBOT_SLACK_BOT_TOKEN: this is an app-level token (xapp-…), not the bot token" in printed
    assert "fix: move it to SUPPORTBOT_SLACK_APP_TOKEN" in printed
    assert "– Slack: not checked: no bot token" in printed
    assert slack.app_token not in printed


async def test_missing_scopes_are_named_with_how_to_add_them(sqlite_url):
    granted = [scope for scope in ALL_SCOPES if scope not in ("channels:read", "groups:read")]
    async with FakeSlack(channels=CHANNELS, scopes=granted) as slack:
        checks = await diagnose(settings_for(sqlite_url, slack))

    failed = failures(checks)
    assert failed["Slack scopes"].detail == "the token lacks channels:read, groups:read"
    assert "reinstall the app" in (failed["Slack scopes"].fix or "")
    # Without channels:read the channels cannot be looked at; each says why rather than guessing.
    channel_checks = [c for c in failed.values() if c.name.startswith("channel ")]
    assert len(channel_checks) == 4
    assert all(c.detail == "the token may not read channels" for c in channel_checks)


async def test_a_channel_the_bot_was_not_invited_to_gets_the_invite_command(sqlite_url):
    invited = set(CHANNELS) - {"C0SUPPORT"}
    async with FakeSlack(channels=CHANNELS, member_of=invited, scopes=ALL_SCOPES) as slack:
        code, printed = await doctor(settings_for(sqlite_url, slack))

    assert code == 1
    assert "✗ channel C0SUPPORT (SUPPORTBOT_CHANNEL_SUPPORT): the bot is not in #support" in printed
    assert "    fix: invite the bot: /invite @supportbot in #support" in printed
    assert "✓ channel C0SALES (SUPPORTBOT_CHANNEL_SALES): #sales, the bot is a member" in printed


async def test_an_unknown_channel_says_to_use_the_channel_id(sqlite_url, slack):
    settings = settings_for(sqlite_url, slack, channel_sales="C0GONE")

    failed = failures(await diagnose(settings))

    check = failed["channel C0GONE (SUPPORTBOT_CHANNEL_SALES)"]
    assert check.detail == "Slack knows no such channel that the bot can see"
    assert "channel's id" in (check.fix or "") and "not its name" in (check.fix or "")
    assert set(failed) == {"channel C0GONE (SUPPORTBOT_CHANNEL_SALES)"}


@pytest.mark.parametrize("typed", ["sales", "#sales", "https://acme.slack.com/archives/C0SALES1"])
async def test_a_channel_given_by_name_or_link_is_refused_and_the_rest_still_checked(
    sqlite_url, slack, environment, typed
):
    code, printed = await doctor_from(environment, settings_for(sqlite_url, slack), channel_sales=typed)

    assert code == 1
    assert f"✗ SUPPORTBOT_CHANNEL_SALES: {typed!r} " in printed
    assert "C0SALES1" in printed if "://" in typed else "Channel ID" in printed
    # The other settings are still checked, with the refused one read as unset.
    assert "✓ channel C0SUPPORT (SUPPORTBOT_CHANNEL_SUPPORT): #support, the bot is a member" in printed
    assert "– channel (SUPPORTBOT_CHANNEL_SALES): not configured" in printed
    assert "✓ configuration" not in printed
    assert printed.rstrip().endswith("1 problem: fix it, then run `supportbot doctor` again.")


async def test_the_untouched_env_example_is_refused_and_nothing_about_it_passes(environment, tmp_path):
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    out = io.StringIO()

    code = await run_doctor(out=out)

    printed = out.getvalue()
    assert code == 1
    placeholders = [line for line in printed.splitlines() if "placeholder" in line or "example id" in line]
    assert len(placeholders) >= 14, printed  # tokens, secrets, PayPal, the four channels, owners, agents
    assert [line for line in printed.splitlines() if line.startswith("✓")] == [], printed


async def test_a_bad_app_token_fails_only_the_socket_mode_check(sqlite_url, slack):
    settings = settings_for(sqlite_url, slack, slack_app_token="xapp-wrong")

    failed = failures(await diagnose(settings))

    assert set(failed) == {"Slack app token"}
    assert "invalid_auth" in failed["Slack app token"].detail
    assert "connections:write" in (failed["Slack app token"].fix or "")


async def test_slack_not_answering_in_time_is_a_failed_check_not_a_traceback(sqlite_url, slack):
    slack.fail_next("auth.test", delay=10)
    settings = settings_for(sqlite_url, slack, provider_timeout_seconds=0.5)

    started = asyncio.get_running_loop().time()
    code, printed = await doctor(settings)

    assert asyncio.get_running_loop().time() - started < 5
    assert code == 1
    assert "✗ Slack bot token: no answer from Slack within 0.5 s" in printed
    assert "SUPPORTBOT_PROVIDER_TIMEOUT_SECONDS" in printed
    assert "Traceback" not in printed


async def test_slack_down_is_a_service_problem_not_a_wrong_token(sqlite_url, slack):
    slack.set_down(True)

    failed = failures(await diagnose(settings_for(sqlite_url, slack)))

    assert failed["Slack bot token"].detail == "Slack answered HTTP 503"
    assert failed["Slack bot token"].fix == "Slack had a problem: try again in a few minutes"


# -- Stripe and PayPal ------------------------------------------------------------------------------------------


async def test_a_wrong_stripe_key_fails_without_showing_it(sqlite_url, slack, stripe_api):
    settings = settings_for(sqlite_url, slack, stripe=stripe_api, stripe_api_key="sk_test_wrongwrongwrong1234")

    code, printed = await doctor(settings)

    assert code == 1
    failed = failures(await diagnose(settings))
    assert set(failed) == {"Stripe API key"}
    assert failed["Stripe API key"].detail.startswith("Stripe refused the API key: Invalid API Key provided")
    assert "dashboard.stripe.com/apikeys" in (failed["Stripe API key"].fix or "")
    assert "wrongwrongwrong" not in printed
    assert [call.path for call in stripe_api.calls] == ["/v1/account", "/v1/account"]


async def test_stripe_unreachable_says_to_check_the_network_and_the_base_url(sqlite_url, slack, stripe_api):
    base = f"http://127.0.0.1:{closed_port()}"
    settings = settings_for(sqlite_url, slack, stripe=stripe_api, stripe_api_base=base)

    failed = failures(await diagnose(settings))

    assert failed["Stripe API key"].detail == f"could not reach Stripe at {base}"
    assert "SUPPORTBOT_STRIPE_API_BASE" in (failed["Stripe API key"].fix or "")


async def test_stripe_key_without_a_webhook_secret_is_a_configuration_problem(sqlite_url, slack, stripe_api):
    settings = settings_for(sqlite_url, slack, stripe=stripe_api, stripe_webhook_secret=None)

    failed = failures(await diagnose(settings))

    assert set(failed) == {"Stripe settings"}
    assert "whsec_" in (failed["Stripe settings"].fix or "")


async def test_wrong_paypal_credentials_fail_with_where_to_find_them(sqlite_url, slack, paypal):
    settings = settings_for(sqlite_url, slack, paypal, paypal_client_secret="not-the-secret")

    code, printed = await doctor(settings)

    assert code == 1
    failed = failures(await diagnose(settings))
    assert set(failed) == {"PayPal credentials"}
    assert failed["PayPal credentials"].detail.startswith("PayPal refused the client id and secret")
    assert "Apps & Credentials" in (failed["PayPal credentials"].fix or "")
    assert "not-the-secret" not in printed


async def test_paypal_not_answering_in_time_is_a_failed_check(sqlite_url, slack, paypal):
    paypal.fail_next("/v1/oauth2/token", delay=10)
    settings = settings_for(sqlite_url, slack, paypal, provider_timeout_seconds=0.5)

    failed = failures(await diagnose(settings))

    assert set(failed) == {"PayPal credentials"}
    assert failed["PayPal credentials"].detail == "no answer from PayPal within 0.5 s"


async def test_paypal_configured_by_halves_names_the_missing_setting(sqlite_url, slack, environment):
    code, printed = await doctor_from(environment, settings_for(sqlite_url, slack), paypal_client_id="AbC-client")

    assert code == 1
    assert (
        "✗ SUPPORTBOT_PAYPAL_CLIENT_ID: PayPal needs SUPPORTBOT_PAYPAL_CLIENT_SECRET and SUPPORTBOT_PAYPAL_WEBHOOK_ID"
        in printed
    )
    assert "– PayPal credentials: not configured" in printed


# -- the database -----------------------------------------------------------------------------------------------


async def test_a_database_never_migrated_says_to_run_migrate(empty_database_url, slack):
    failed = failures(await diagnose(settings_for(empty_database_url, slack)))

    assert set(failed) == {"database"}
    assert failed["database"].detail.endswith("has no schema yet")
    assert "supportbot migrate" in (failed["database"].fix or "")


async def test_an_sqlite_file_not_created_yet_is_not_created_by_the_check(tmp_path, slack):
    path = tmp_path / "later.db"

    failed = failures(await diagnose(settings_for(f"sqlite+aiosqlite:///{path}", slack)))

    assert failed["database"].detail == f"SQLite {path} does not exist yet"
    assert not path.exists()


HEAD, PREVIOUS = known_revisions()[:2]


@pytest.mark.parametrize(
    ("revision", "detail", "fix"),
    [
        (PREVIOUS, f"is at schema {PREVIOUS}, this release needs {HEAD}", "supportbot migrate"),
        ("9999", "is at schema 9999, which a newer release of supportbot made", "schemas are not downgraded"),
    ],
)
async def test_a_schema_older_or_newer_than_the_release_is_explained(database_url, slack, revision, detail, fix):
    db = Database(database_url)
    [[head]] = await _query(db, "SELECT version_num FROM alembic_version")
    try:
        await _query(db, f"UPDATE alembic_version SET version_num = '{revision}'")  # noqa: S608 - a test's constant
        failed = failures(await diagnose(settings_for(database_url, slack)))
    finally:
        await _query(db, f"UPDATE alembic_version SET version_num = '{head}'")  # noqa: S608
        await db.dispose()

    assert set(failed) == {"database"}
    assert failed["database"].detail.endswith(detail)
    assert fix in (failed["database"].fix or "")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_unreachable_database_fails_with_what_to_check(tmp_path, slack, backend):
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'bot.storage.db'}"
    else:
        url = f"postgresql+asyncpg://supportbot:s3cret-pw@127.0.0.1:{closed_port()}/supportbot"

    code, printed = await doctor(settings_for(url, slack))

    assert code == 1
    failed = failures(await diagnose(settings_for(url, slack)))
    assert set(failed) == {"database"}
    assert "SUPPORTBOT_DATABASE_URL" in (failed["database"].fix or "")
    assert "s3cret-pw" not in printed
    if backend == "sqlite":
        assert failed["database"].detail.endswith("no-such-dir does not exist")
    else:
        assert failed["database"].detail.startswith("PostgreSQL at postgresql://supportbot:***@127.0.0.1:")


async def _query(db: Database, sql: str) -> list[Any]:
    async with db.engine.begin() as conn:
        result = await conn.exec_driver_sql(sql)
        return [tuple(row) for row in result] if result.returns_rows else []


# -- configuration ----------------------------------------------------------------------------------------------


async def test_settings_that_do_not_load_are_reported_as_the_first_and_only_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")} | {"SUPPORTBOT_PORT": "http"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "doctor", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()

    assert process.returncode == 1
    assert stdout.decode().splitlines()[0].startswith("✗ SUPPORTBOT_PORT: Input should be a valid integer")


async def test_the_doctor_subcommand_checks_what_the_environment_configures(tmp_path, sqlite_url, slack, stripe_api):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")} | {
        "SUPPORTBOT_DATABASE_URL": sqlite_url,
        "SUPPORTBOT_SLACK_BOT_TOKEN": slack.token,
        "SUPPORTBOT_SLACK_SIGNING_SECRET": "signing-secret",
        "SUPPORTBOT_SLACK_API_URL": slack.base_url or "",
        "SUPPORTBOT_STRIPE_API_KEY": stripe_api.api_key,
        "SUPPORTBOT_STRIPE_API_BASE": stripe_api.base_url,
        "SUPPORTBOT_STRIPE_WEBHOOK_SECRET": "whsec_test",
        "SUPPORTBOT_CHANNEL_SALES": "C0SALES",
        "SUPPORTBOT_CHANNEL_SUPPORT": "C0NOPE",
    }
    # The fakes live in this event loop, so the command runs beside it rather than blocking it.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "doctor", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    printed = stdout.decode()

    assert process.returncode == 1, printed
    assert "✓ Slack bot token: accepted: @supportbot in Fake Workspace" in printed
    assert "✓ Stripe API key: accepted (test mode, Fake Shop)" in printed
    assert "✗ channel C0NOPE (SUPPORTBOT_CHANNEL_SUPPORT)" in printed
    assert printed.rstrip().endswith("1 problem: fix it, then run `supportbot doctor` again.")


def test_the_scopes_checked_are_the_manifests_bot_scopes():
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == MANIFEST_BOT_SCOPES


@pytest.mark.parametrize(("label", "names"), SETTING_GROUPS)
async def test_each_setting_group_configured_by_halves_is_refused_naming_the_rest(label, names, environment):
    environment.setenv(f"SUPPORTBOT_{names[-1].upper()}", "x")
    out = io.StringIO()

    assert await run_doctor(out=out) == 1

    missing = " and ".join(f"SUPPORTBOT_{name.upper()}" for name in names[:-1])
    assert f"✗ SUPPORTBOT_{names[-1].upper()}: {label} needs {missing} too" in out.getvalue()


async def test_a_database_url_as_hosts_give_it_is_checked_not_a_crash(database_url, slack, environment):
    plain = database_url.replace("+asyncpg", "").replace("+aiosqlite", "")  # postgresql://… and sqlite:///…
    code, printed = await doctor_from(environment, settings_for(database_url, slack), database_url=plain)

    assert code == 0, printed
    assert f"schema at {known_revisions()[0]} (current)" in printed
