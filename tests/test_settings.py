"""Settings from the environment: defaults, lists, aliases, one-line errors, and secrets kept out of reprs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config.settings import PAYPAL_LIVE_API_BASE, PAYPAL_SANDBOX_API_BASE, Settings, SettingsError, load_settings
from bot.core.errors import ConfigError

SECRETS = {
    "SUPPORTBOT_SLACK_BOT_TOKEN": "xoxb-1111-very-secret",
    "SUPPORTBOT_SLACK_SIGNING_SECRET": "signing-2222-very-secret",
    "SUPPORTBOT_SLACK_APP_TOKEN": "xapp-3333-very-secret",
    "SUPPORTBOT_STRIPE_API_KEY": "sk_test_4444_very_secret",
    "SUPPORTBOT_STRIPE_WEBHOOK_SECRET": "whsec_5555_very_secret",
    "SUPPORTBOT_PAYPAL_CLIENT_SECRET": "paypal-6666-very-secret",
    "SUPPORTBOT_TICKETS_WEBHOOK_SECRET": "tickets-7777-very-secret",
}
PAYPAL_IDS = {"SUPPORTBOT_PAYPAL_CLIENT_ID": "AbC-client", "SUPPORTBOT_PAYPAL_WEBHOOK_ID": "WH-1"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SUPPORTBOT_ variable from the caller's shell, and no `.env` but the one a test writes."""
    for name in list(os.environ):
        if name.startswith("SUPPORTBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.port == 3000
    assert settings.host == "0.0.0.0"  # noqa: S104 - the default under test
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("supportbot.db")
    assert settings.timezone == "UTC"
    assert settings.paypal_api_base == PAYPAL_LIVE_API_BASE
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.owners == () and settings.agents == ()
    assert settings.stripe_webhook_secret is None and settings.channel_sales is None


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_PORT", "8080")
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", "postgresql+asyncpg://db/supportbot")
    monkeypatch.setenv("SUPPORTBOT_CHANNEL_SALES", "C0SALES")
    monkeypatch.setenv("SUPPORTBOT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("SUPPORTBOT_SLACK_API_URL", "http://127.0.0.1:9999/api")
    settings = load_settings()
    assert settings.port == 8080
    assert settings.database_url == "postgresql+asyncpg://db/supportbot"
    assert settings.channel_sales == "C0SALES"
    assert settings.zone.key == "Europe/Berlin"
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


def test_owners_and_agents_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_OWNERS", " U0OWNER1, U0OWNER2,,U0OWNER3 ,")
    monkeypatch.setenv("SUPPORTBOT_AGENTS", "U0AGENT")
    settings = load_settings()
    assert settings.owners == ("U0OWNER1", "U0OWNER2", "U0OWNER3")
    assert settings.agents == ("U0AGENT",)


def test_empty_owners_is_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_OWNERS", "")
    assert load_settings().owners == ()


@pytest.mark.parametrize(
    ("value", "base"),
    [
        ("sandbox", PAYPAL_SANDBOX_API_BASE),
        ("live", PAYPAL_LIVE_API_BASE),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ],
)
def test_paypal_api_base_aliases(monkeypatch: pytest.MonkeyPatch, value: str, base: str) -> None:
    monkeypatch.setenv("SUPPORTBOT_PAYPAL_API_BASE", value)
    assert load_settings().paypal_api_base == base


def test_the_dotenv_file_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SUPPORTBOT_PORT=4000\nSUPPORTBOT_CHANNEL_SUPPORT=C0FROMFILE\n")
    monkeypatch.setenv("SUPPORTBOT_PORT", "5000")
    settings = load_settings()
    assert settings.port == 5000
    assert settings.channel_support == "C0FROMFILE"
    assert Settings(_env_file=None).channel_support is None


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SUPPORTBOT_PORT", "abc", "integer"),
        ("SUPPORTBOT_PORT", "70000", "65535"),
        ("SUPPORTBOT_PORT", "-1", "greater than or equal to 0"),
        ("SUPPORTBOT_TIMEZONE", "Mars/Olympus_Mons", "Mars/Olympus_Mons"),
        ("SUPPORTBOT_TIMEZONE", "../../etc/passwd", "timezone"),
    ],
)
def test_an_invalid_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name} is invalid: ")
    assert words in message
    assert "\n" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_an_invalid_value_error_does_not_repeat_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SUPPORTBOT_PORT", "not-a-port")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert not [value for value in SECRETS.values() if value in str(caught.value)]


def test_secrets_never_appear_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (SECRETS | PAYPAL_IDS).items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    for shown in (repr(settings), str(settings), repr(settings.model_dump())):
        leaked = [value for value in SECRETS.values() if value in shown]
        assert leaked == [], shown
    assert settings.stripe_webhook_secret == SecretStr(SECRETS["SUPPORTBOT_STRIPE_WEBHOOK_SECRET"])
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == SECRETS["SUPPORTBOT_SLACK_BOT_TOKEN"]


def test_the_database_password_never_appears_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", "postgresql+asyncpg://supportbot:hunter2-db-secret@db/supportbot")
    settings = load_settings()
    assert "hunter2-db-secret" not in repr(settings)
    assert "hunter2-db-secret" not in str(settings)


def test_settings_are_frozen() -> None:
    settings = Settings(_env_file=None)
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]


def test_require_names_the_missing_setting_and_why() -> None:
    settings = Settings(_env_file=None, stripe_webhook_secret="")
    with pytest.raises(ConfigError) as caught:
        settings.require("stripe_webhook_secret", reason="to verify Stripe webhooks")
    assert str(caught.value) == ("SUPPORTBOT_STRIPE_WEBHOOK_SECRET is not set; it is needed to verify Stripe webhooks.")
    Settings(_env_file=None, channel_sales="C0SALES").require("channel_sales", reason="x")


def test_risk_thresholds_come_from_the_environment_in_the_shops_currency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_CURRENCY", "JPY")
    monkeypatch.setenv("SUPPORTBOT_RISK_HOURLY_COST", "4500")
    monkeypatch.setenv("SUPPORTBOT_RISK_DISPUTES", "0")
    thresholds = load_settings().risk_thresholds
    assert thresholds.hourly_cost_minor == 4500  # yen have no minor unit
    assert thresholds.disputes == 0 and thresholds.refunds == 2
    monkeypatch.setenv("SUPPORTBOT_CURRENCY", "EUR")
    monkeypatch.setenv("SUPPORTBOT_RISK_HOURLY_COST", "27.50")
    assert load_settings().risk_thresholds.hourly_cost_minor == 2750


def test_one_refund_is_not_accepted_as_a_serial_refunder_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_RISK_REFUNDS", "1")
    with pytest.raises(ConfigError, match="SUPPORTBOT_RISK_REFUNDS is invalid: one refund is not a pattern"):
        load_settings()


# -- what people paste: refused with the fix, all at once ---------------------------------------------------------

CHANNEL_FIX = "copy the Channel ID"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("#support", ["'#support' looks like a channel name (#support), not its id", CHANNEL_FIX]),
        ("support", ["looks like a channel name", CHANNEL_FIX]),
        ("https://acme.slack.com/archives/C05ABCDEF12", ["is a link, not a channel id", "just the id: C05ABCDEF12"]),
        ("https://app.slack.com/client/T01ABCDEF/C05ABCDEF12", ["set just the id: C05ABCDEF12"]),
        ("<#C05ABCDEF12|support>", ["is a channel mention", "set just the id: C05ABCDEF12"]),
        ("c05abcdef12", ["is in lower case", "C05ABCDEF12"]),
        ("D05ABCDEF12", ["is a direct-message conversation", CHANNEL_FIX]),
        ("C0123456789", ["C0123456789 is the example id from .env.example", CHANNEL_FIX]),
    ],
)
def test_a_channel_that_is_not_an_id_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, value: str, words: list[str]
) -> None:
    monkeypatch.setenv("SUPPORTBOT_CHANNEL_SUPPORT", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("SUPPORTBOT_CHANNEL_SUPPORT is invalid: ")
    for word in words:
        assert word in message


@pytest.mark.parametrize("value", ["C0SALES", "C05ABCDEF12", "G01PRIVATE", " C05ABCDEF12 "])
def test_channel_ids_public_and_private_are_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SUPPORTBOT_CHANNEL_SALES", value)
    assert load_settings().channel_sales == value.strip()


def test_an_empty_optional_setting_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_CHANNEL_ONCALL", "")
    monkeypatch.setenv("SUPPORTBOT_SLACK_APP_TOKEN", "")
    settings = load_settings()
    assert settings.channel_oncall is None and settings.slack_app_token is None


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SUPPORTBOT_OWNERS", "@olivia", ["'@olivia' looks like a name, not a member id", "Copy member ID"]),
        ("SUPPORTBOT_OWNERS", "U0OLIVIA,olivia@shop.example", ["is an email address", "Copy member ID"]),
        ("SUPPORTBOT_AGENTS", "<@U05SAMSAM1>", ["is a mention", "set just the id: U05SAMSAM1"]),
        ("SUPPORTBOT_AGENTS", "@sam, @kim", ["'@sam' looks like a name", "'@kim' looks like a name"]),
        ("SUPPORTBOT_ONCALL_PEOPLE", "U0SAM,@kim", ["'@kim' looks like a name"]),
        ("SUPPORTBOT_OWNERS", "U0123456789", ["example id from .env.example"]),
    ],
)
def test_people_that_are_not_member_ids_are_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: list[str]
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{name} is invalid: ")
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SUPPORTBOT_SLACK_BOT_TOKEN", "xapp-1-A0-123-abc", ["an app-level token", "SUPPORTBOT_SLACK_APP_TOKEN"]),
        ("SUPPORTBOT_SLACK_BOT_TOKEN", "xoxp-123-456", ["a user token (xoxp-…)", "OAuth & Permissions"]),
        ("SUPPORTBOT_SLACK_APP_TOKEN", "xoxb-123-456", ["the bot token", "SUPPORTBOT_SLACK_BOT_TOKEN"]),
        ("SUPPORTBOT_STRIPE_API_KEY", "pk_live_123", ["publishable key", "dashboard.stripe.com/apikeys"]),
        ("SUPPORTBOT_STRIPE_API_KEY", "whsec_123", ["SUPPORTBOT_STRIPE_WEBHOOK_SECRET"]),
        ("SUPPORTBOT_STRIPE_WEBHOOK_SECRET", "sk_live_123", ["SUPPORTBOT_STRIPE_API_KEY", "Signing secret"]),
    ],
)
def test_a_key_in_the_wrong_place_is_refused_without_being_repeated(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: list[str]
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name} is invalid: ")
    assert value not in message
    for word in words:
        assert word in message


def test_every_placeholder_of_env_example_is_refused_in_one_message(tmp_path: Path) -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text()
    (tmp_path / ".env").write_text(example)
    placeholders = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if line.startswith("SUPPORTBOT_") and any(p in line for p in ("...", "change-me", "0123456789"))
    }
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert {problem.setting for problem in caught.value.problems} == placeholders
    assert len(placeholders) >= 14
    assert str(caught.value).startswith(f"{len(placeholders)} settings need fixing")
    assert all(problem.fix for problem in caught.value.problems)


def test_every_problem_is_listed_at_once_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_PORT", "http")
    monkeypatch.setenv("SUPPORTBOT_CHANNEL_SALES", "#sales")
    monkeypatch.setenv("SUPPORTBOT_OWNERS", "@olivia")
    monkeypatch.setenv("SUPPORTBOT_SLACK_BOT_TOKEN", "xapp-1-secret-value")
    monkeypatch.setenv("SUPPORTBOT_PAYPAL_CLIENT_ID", "AbC-client")  # without its secret and webhook id
    with pytest.raises(SettingsError) as caught:
        load_settings()
    lines = str(caught.value).splitlines()
    assert lines[0] == "5 settings need fixing (in .env or the environment):"
    named = [line.split(" is invalid: ")[0].removeprefix("  - ") for line in lines[1:]]
    assert named == [
        "SUPPORTBOT_PORT",
        "SUPPORTBOT_SLACK_BOT_TOKEN",
        "SUPPORTBOT_CHANNEL_SALES",
        "SUPPORTBOT_OWNERS",
        "SUPPORTBOT_PAYPAL_CLIENT_ID",
    ]
    assert "secret-value" not in str(caught.value)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"paypal_client_id": "AbC"}, ["SUPPORTBOT_PAYPAL_CLIENT_SECRET", "SUPPORTBOT_PAYPAL_WEBHOOK_ID"]),
        ({"paypal_client_id": "AbC", "paypal_client_secret": "s3"}, ["SUPPORTBOT_PAYPAL_WEBHOOK_ID"]),
        ({"keygen_token": "t"}, ["SUPPORTBOT_KEYGEN_ACCOUNT"]),
        ({"licence_url": "https://licences.example"}, ["SUPPORTBOT_LICENCE_SECRET"]),
        ({"mailchimp_list_id": "a1b2"}, ["SUPPORTBOT_MAILCHIMP_API_KEY"]),
        ({"smtp_host": "smtp.example.com"}, ["SUPPORTBOT_SMTP_FROM"]),
    ],
)
def test_a_provider_configured_by_halves_is_refused_naming_what_is_missing(
    given: dict[str, str], missing: list[str]
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**given)
    [problem] = caught.value.problems
    assert problem.what.endswith(f"needs {' and '.join(missing)} too")
    assert problem.fix and "or unset" in problem.fix


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://bot:pw@db.example:5432/shop", "postgresql+asyncpg://bot:pw@db.example:5432/shop"),
        ("postgres://bot:pw@db.example/shop", "postgresql+asyncpg://bot:pw@db.example/shop"),
        ("postgresql://bot@db/shop?sslmode=require", "postgresql+asyncpg://bot@db/shop?ssl=require"),
        ("postgresql+asyncpg://bot@db/shop", "postgresql+asyncpg://bot@db/shop"),
        ("sqlite:///var/lib/supportbot.db", "sqlite+aiosqlite:///var/lib/supportbot.db"),
        ("sqlite:////abs/supportbot.db", "sqlite+aiosqlite:////abs/supportbot.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
    ],
)
def test_database_urls_as_hosts_give_them_get_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", given)
    assert load_settings().database_url == used


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("postgresql+psycopg2://bot:hunter2@db/shop", "start the URL with postgresql+asyncpg://"),
        ("sqlite+pysqlite:///x.db", "start the URL with sqlite+aiosqlite://"),
        ("mysql://bot:hunter2@db/shop", "PostgreSQL (postgresql://…) or SQLite"),
        ("db.example:5432", "not a database URL"),
    ],
)
def test_a_database_url_supportbot_cannot_use_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, given: str, words: str
) -> None:
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", given)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("SUPPORTBOT_DATABASE_URL is invalid: ")
    assert words in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_refund_approval_is_in_the_shops_currency_and_needs_two_owners(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not load_settings().refund_approval_rule.on  # off unless asked for
    monkeypatch.setenv("SUPPORTBOT_CURRENCY", "EUR")
    monkeypatch.setenv("SUPPORTBOT_REFUND_APPROVAL_AT", "500")
    monkeypatch.setenv("SUPPORTBOT_OWNERS", "U0OWNER1")
    with pytest.raises(ConfigError, match="SUPPORTBOT_REFUND_APPROVAL_AT needs at least two SUPPORTBOT_OWNERS"):
        load_settings()
    monkeypatch.setenv("SUPPORTBOT_OWNERS", "U0OWNER1,U0OWNER1")
    with pytest.raises(ConfigError, match="at least two SUPPORTBOT_OWNERS"):
        load_settings()  # the same person twice is still one
    monkeypatch.setenv("SUPPORTBOT_OWNERS", "U0OWNER1,U0OWNER2")
    monkeypatch.setenv("SUPPORTBOT_REFUND_APPROVAL_HOURS", "6")
    rule = load_settings().refund_approval_rule
    assert (rule.threshold_minor, rule.currency, rule.hours) == (50000, "EUR", 6.0)
    monkeypatch.setenv("SUPPORTBOT_REFUND_APPROVAL_AT", "0")
    monkeypatch.setenv("SUPPORTBOT_OWNERS", "U0OWNER1")
    assert not load_settings().refund_approval_rule.on


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SUPPORTBOT_ZENDESK_SUBDOMAIN", "https://yourshop.zendesk.com/", ["is the address", "set just yourshop"]),
        ("SUPPORTBOT_ZENDESK_SUBDOMAIN", "yourshop.zendesk.com", ["is the address", "set just yourshop"]),
        ("SUPPORTBOT_ZENDESK_SUBDOMAIN", "your shop", ["is not a Zendesk subdomain", "yourshop.zendesk.com"]),
        ("SUPPORTBOT_FRESHDESK_DOMAIN", "https://yourshop.freshdesk.com/a/", ["is a link", "yourshop.freshdesk.com"]),
        ("SUPPORTBOT_FRESHDESK_DOMAIN", "yourshop", ["is not a Freshdesk domain", "yourshop.freshdesk.com"]),
        ("SUPPORTBOT_FREESCOUT_URL", "help.example.com", ["is not a web address", "https://"]),
        ("SUPPORTBOT_HELPSCOUT_API_BASE", "ftp://api.helpscout.net", ["is not a web address", "https://"]),
    ],
)
def test_a_help_desk_address_in_the_wrong_shape_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: list[str]
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)  # a group's other settings, unset here, are named too
    assert f"{name} is invalid: " in message
    for word in words:
        assert word in message


def test_help_desk_addresses_in_the_right_shape_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_ZENDESK_SUBDOMAIN", "yourshop")
    monkeypatch.setenv("SUPPORTBOT_ZENDESK_EMAIL", "owner@shop.example")
    monkeypatch.setenv("SUPPORTBOT_ZENDESK_API_TOKEN", "token")
    monkeypatch.setenv("SUPPORTBOT_FRESHDESK_DOMAIN", "YourShop.freshdesk.com")
    monkeypatch.setenv("SUPPORTBOT_FRESHDESK_API_KEY", "key")
    monkeypatch.setenv("SUPPORTBOT_FREESCOUT_URL", "https://help.example.com/")
    monkeypatch.setenv("SUPPORTBOT_FREESCOUT_API_KEY", "key")
    settings = load_settings()
    assert settings.zendesk_base_url == "https://yourshop.zendesk.com"
    assert settings.freshdesk_base_url == "https://yourshop.freshdesk.com"
    assert settings.freescout_url == "https://help.example.com"
