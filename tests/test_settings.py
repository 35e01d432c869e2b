"""Settings from the environment: defaults, lists, aliases, one-line errors, and secrets kept out of reprs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.errors import ConfigError
from bot.settings import (
    PAYPAL_LIVE_API_BASE,
    PAYPAL_SANDBOX_API_BASE,
    Settings,
    load_settings,
)

SECRETS = {
    "SUPPORTBOT_SLACK_BOT_TOKEN": "xoxb-1111-very-secret",
    "SUPPORTBOT_SLACK_SIGNING_SECRET": "signing-2222-very-secret",
    "SUPPORTBOT_SLACK_APP_TOKEN": "xapp-3333-very-secret",
    "SUPPORTBOT_STRIPE_API_KEY": "sk_test_4444_very_secret",
    "SUPPORTBOT_STRIPE_WEBHOOK_SECRET": "whsec_5555_very_secret",
    "SUPPORTBOT_PAYPAL_CLIENT_SECRET": "paypal-6666-very-secret",
    "SUPPORTBOT_TICKETS_WEBHOOK_SECRET": "tickets-7777-very-secret",
}


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
    assert Settings(_env_file=None).channel_support is None  # type: ignore[call-arg]


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
    for name, value in SECRETS.items():
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
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]


def test_require_names_the_missing_setting_and_why() -> None:
    settings = Settings(_env_file=None, stripe_webhook_secret="")  # type: ignore[call-arg]
    with pytest.raises(ConfigError) as caught:
        settings.require("stripe_webhook_secret", reason="to verify Stripe webhooks")
    assert str(caught.value) == ("SUPPORTBOT_STRIPE_WEBHOOK_SECRET is not set; it is needed to verify Stripe webhooks.")
    Settings(_env_file=None, channel_sales="C0SALES").require("channel_sales", reason="x")  # type: ignore[call-arg]


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
