"""Configuration from the environment and an optional `.env`: the only module that reads either."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config import problems, values
from bot.config.problems import ENV_PREFIX, SETTING_GROUPS, SettingsError, problem
from bot.core.errors import ConfigError
from bot.core.money import exponent
from bot.policies.approvals import ApprovalRule
from bot.policies.hours import BusinessHours, parse_hours
from bot.policies.oncall_escalation import EscalationPolicy
from bot.policies.oncall_rotation import Rotation, parse_rotation
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.refund_requests import BigRefundRule
from bot.policies.risk import RiskThresholds

STRIPE_API_BASE = "https://api.stripe.com"
KEYGEN_API_BASE = "https://api.keygen.sh"
KIT_API_BASE = "https://api.kit.com"
PAYPAL_LIVE_API_BASE = "https://api-m.paypal.com"
PAYPAL_SANDBOX_API_BASE = "https://api-m.sandbox.paypal.com"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{Path('supportbot.db').resolve()}"

UserIds = Annotated[tuple[str, ...], NoDecode]

CHANNEL_SETTINGS = ("channel_sales", "channel_support", "channel_disputes", "channel_oncall")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    host: str = "0.0.0.0"  # noqa: S104 - a bot behind a reverse proxy or in a container listens on all interfaces
    port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port (tests)
    # Kept out of repr: a PostgreSQL URL carries its password.
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = STRIPE_API_BASE

    paypal_client_id: str | None = None
    paypal_client_secret: SecretStr | None = None
    paypal_webhook_id: str | None = None
    paypal_api_base: str = PAYPAL_LIVE_API_BASE

    tickets_webhook_secret: SecretStr | None = None
    # The hosts a ticket's callback_url may name, e.g. "helpdesk.example.com,.zendesk.com" (a leading dot allows
    # subdomains); empty: any host but link-local, multicast and unspecified addresses (see bot/policies/urls.py).
    helpdesk_hosts: UserIds = ()

    # Help desks spoken to directly (docs/setup.md): each a webhook secret, and write-back credentials.
    helpscout_webhook_secret: SecretStr | None = None
    helpscout_app_id: str | None = None
    helpscout_app_secret: SecretStr | None = None
    helpscout_api_base: str = "https://api.helpscout.net"
    freescout_webhook_secret: SecretStr | None = None
    freescout_url: str | None = None  # where FreeScout runs, e.g. https://help.example.com
    freescout_api_key: SecretStr | None = None
    zendesk_webhook_secret: SecretStr | None = None
    zendesk_subdomain: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_api_base: str | None = None  # default: https://<subdomain>.zendesk.com
    freshdesk_webhook_secret: SecretStr | None = None
    freshdesk_domain: str | None = None  # e.g. yourshop.freshdesk.com
    freshdesk_api_key: SecretStr | None = None
    freshdesk_api_base: str | None = None  # default: https://<domain>

    # Licences: Keygen, or the seller's own licence server speaking docs/licence-server.md.
    keygen_account: str | None = None
    keygen_token: SecretStr | None = None
    keygen_api_base: str = KEYGEN_API_BASE
    keygen_action: Literal["suspend", "revoke"] = "suspend"
    licence_url: str | None = None
    licence_secret: SecretStr | None = None

    # Mailing list: Mailchimp (an audience) or Kit.
    mailchimp_api_key: SecretStr | None = None
    mailchimp_list_id: str | None = None
    mailchimp_api_base: str | None = None  # default: derived from the key's data centre
    kit_api_key: SecretStr | None = None
    kit_api_base: str = KIT_API_BASE

    # Replies to email-only tickets.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_from_name: str | None = None

    # The support mailbox: when the IMAP host is set, `serve` and `socket` turn its mail into tickets. Replies go
    # out through the SMTP settings above; SMTP_FROM is the shop's own address (its mail is never a ticket).
    imap_host: str | None = None
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_tls: Literal["tls", "starttls", "none"] = "tls"
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    # On first start, mail that arrived within this many days becomes tickets; older mail is left alone.
    imap_backfill_days: float = Field(default=3.0, ge=0, le=365)

    # How long the bot waits for Stripe, PayPal, licence servers, mailing lists and help desks.
    provider_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    channel_sales: str | None = None
    channel_support: str | None = None
    channel_disputes: str | None = None
    channel_oncall: str | None = None

    # Customer message bodies (and the raw webhooks that carried them) older than this many days are erased;
    # 0 keeps them for ever.
    retention_days: int = Field(default=0, ge=0)

    # The hour (0-23, in SUPPORTBOT_TIMEZONE) at which the tone head is retrained each night on the team's new
    # corrections (`supportbot tone-retrain` does it now); "off": only by the command.
    tone_retrain_hour: int | None = Field(default=3, ge=0, le=23)

    # Log lines: "text" for people, "json" (one object a line, with the request id) for a log collector.
    log_format: Literal["text", "json"] = "text"

    # Advanced: how long a replica may hold a message it is posting before another may take it over.
    outbox_lease_seconds: float = Field(default=30.0, gt=0, le=3600)

    owners: UserIds = ()
    agents: UserIds = ()
    timezone: str = "UTC"

    # Business hours in the team's timezone, e.g. "mon-fri 09:00-17:30; sat 10:00-14:00", and closed days
    # ("2026-12-25, 2026-12-26"). Outside them, urgent news pages the on-call person; empty: always outside.
    business_hours: str = ""
    holidays: str = ""
    # Who is on call, in turn: Slack user ids, from when, for how long each ("7d", "12h"); handovers at local time.
    oncall_people: str = ""
    oncall_start: str = "2026-01-05T09:00"
    oncall_shift: str = "7d"
    # An alert nobody acknowledges within this many minutes pages the next person, then the owners.
    oncall_ack_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    oncall_next_in_line: int = Field(default=1, ge=0)
    # How soon a customer should hear from the team: after opening a ticket, and after each later message.
    # This many messages in a row without a reply make the ticket urgent too; 0 turns that off.
    first_response_hours: float = Field(default=4.0, gt=0, le=24 * 30)
    follow_up_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    repeat_contacts: int = Field(default=3, ge=0)
    # A customer asking for at least this much back (in the main currency) pages at night; 0 turns it off.
    big_refund: Decimal = Field(default=Decimal(200), ge=0)
    # A refund of at least this much (main currency; any amount in another currency) waits for a second owner's
    # approval, for this many hours at most; 0 turns two-person approval off.
    refund_approval_at: Decimal = Field(default=Decimal(0), ge=0)
    refund_approval_hours: float = Field(default=24.0, gt=0, le=24 * 14)

    # The shop's main currency (ISO code): what a customer's support is costed in.
    currency: str = Field(default="USD", pattern=r"^[A-Za-z]{3}$")
    # When a customer's cards suggest "consider parting ways" (a person always decides); 0 turns a signal off.
    risk_unanswered_contacts: int = Field(default=3, ge=0)
    risk_refunds: int = Field(default=2, ge=0)
    risk_disputes: int = Field(default=1, ge=0)
    risk_abusive_messages: int = Field(default=2, ge=0)
    risk_cost_ratio: float = Field(default=1.0, ge=0)
    risk_minutes_per_message: float = Field(default=10.0, ge=0)
    risk_hourly_cost: Decimal = Field(default=Decimal(30), ge=0)  # in the main currency, e.g. 30 or 27.50
    risk_signals_to_part: int = Field(default=2, ge=0)
    # The shop's refund policy, as the customer saw it: sent with dispute evidence (a bank reads it), and
    # pre-filled in the "Prepare evidence" form. Slack-free plain text; a URL to the policy page works too.
    refund_policy: str = Field(default="", max_length=20_000)

    @field_validator("*", mode="before")
    @classmethod
    def _no_placeholders(cls, value: object, info: ValidationInfo) -> object:
        field = cls.model_fields[str(info.field_name)]
        if isinstance(value, str):
            if value.strip() == "" and field.default is None:
                return None  # `SUPPORTBOT_CHANNEL_ONCALL=` in .env: not set
            values.refuse_placeholder(value, secret="SecretStr" in str(field.annotation))
        return value

    @field_validator("owners", "agents", "helpdesk_hosts", mode="before")
    @classmethod
    def _split_user_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("owners", "agents")
    @classmethod
    def _user_ids(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        problems.each(ids, values.user_id)
        return ids

    @field_validator("oncall_people")
    @classmethod
    def _oncall_user_ids(cls, people: str) -> str:
        problems.each([part.strip() for part in people.split(",") if part.strip()], values.user_id)
        return people

    @field_validator(*CHANNEL_SETTINGS)
    @classmethod
    def _channel_ids(cls, value: str | None) -> str | None:
        return None if value is None else values.channel_id(value)

    @field_validator("slack_bot_token", "slack_app_token", "stripe_api_key", "stripe_webhook_secret")
    @classmethod
    def _key_kinds(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None:
            getattr(values, str(info.field_name))(value.get_secret_value())
        return value

    @field_validator("helpscout_api_base", "freescout_url", "zendesk_api_base", "freshdesk_api_base")
    @classmethod
    def _desk_addresses(cls, value: str | None) -> str | None:
        return None if value is None else values.http_url(value)

    @field_validator("zendesk_subdomain")
    @classmethod
    def _zendesk_subdomain(cls, value: str | None) -> str | None:
        return None if value is None else values.zendesk_subdomain(value)

    @field_validator("freshdesk_domain")
    @classmethod
    def _freshdesk_domain(cls, value: str | None) -> str | None:
        return None if value is None else values.freshdesk_domain(value)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return values.database_url(value)

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem_at_once(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Settings configured by halves are reported with the fields' own problems, not on a later run."""
        halves = problems.halves(data, SETTING_GROUPS) if isinstance(data, dict) else []
        try:
            settings = handler(data)
        except ValidationError as exc:
            if not halves:
                raise
            raise ValidationError.from_exception_data(exc.title, [*problems.again(exc), *halves]) from None
        if halves:
            raise ValidationError.from_exception_data(cls.__name__, halves)
        return settings

    @field_validator("paypal_api_base", mode="before")
    @classmethod
    def _paypal_alias(cls, value: object) -> object:
        # "sandbox" and "live" are what people type; the full URL is what the client needs.
        aliases = {"sandbox": PAYPAL_SANDBOX_API_BASE, "live": PAYPAL_LIVE_API_BASE}
        return aliases.get(value, value) if isinstance(value, str) else value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        return value.upper()

    @field_validator("tone_retrain_hour", mode="before")
    @classmethod
    def _retrain_off(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() in ("", "off") else value

    @field_validator("risk_refunds")
    @classmethod
    def _refunds_pattern(cls, value: int) -> int:
        if value == 1:
            raise ValueError("one refund is not a pattern: use 2 or more, or 0 to turn the signal off")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _schedules_parse(self) -> Settings:
        self.hours  # noqa: B018 - parsed here so that a mistake stops start-up with its own message
        self.rotation  # noqa: B018
        return self

    @model_validator(mode="after")
    def _approval_has_two_owners(self) -> Settings:
        if self.refund_approval_at > 0 and len(set(self.owners)) < 2:
            raise ValueError(
                "SUPPORTBOT_REFUND_APPROVAL_AT needs at least two SUPPORTBOT_OWNERS: a refund waiting for a second "
                "owner would otherwise wait for nobody (set it to 0 to turn approval off)"
            )
        return self

    @property
    def hours(self) -> BusinessHours:
        try:
            return parse_hours(self.business_hours, self.timezone, self.holidays)
        except ValueError as exc:
            raise ValueError(f"SUPPORTBOT_BUSINESS_HOURS or SUPPORTBOT_HOLIDAYS: {exc}") from None

    @property
    def rotation(self) -> Rotation | None:
        """None without anyone on call: alerts then page the owners."""
        if not self.oncall_people.strip():
            return None
        try:
            return parse_rotation(self.oncall_people, self.oncall_start, self.oncall_shift, self.timezone)
        except ValueError as exc:
            raise ValueError(f"SUPPORTBOT_ONCALL_PEOPLE, _START or _SHIFT: {exc}") from None

    @property
    def escalation(self) -> EscalationPolicy:
        return EscalationPolicy(timedelta(minutes=self.oncall_ack_minutes), self.oncall_next_in_line)

    @property
    def response_targets(self) -> ResponseTargets:
        return ResponseTargets(
            timedelta(hours=self.first_response_hours), timedelta(hours=self.follow_up_hours), self.repeat_contacts
        )

    @property
    def big_refund_rule(self) -> BigRefundRule:
        return BigRefundRule(int(self.big_refund * 10 ** exponent(self.currency)), self.currency)

    @property
    def refund_approval_rule(self) -> ApprovalRule:
        threshold = int(self.refund_approval_at * 10 ** exponent(self.currency))
        return ApprovalRule(threshold, self.currency, self.refund_approval_hours)

    @property
    def risk_thresholds(self) -> RiskThresholds:
        return RiskThresholds(
            unanswered_contacts=self.risk_unanswered_contacts,
            refunds=self.risk_refunds,
            disputes=self.risk_disputes,
            abusive_messages=self.risk_abusive_messages,
            cost_ratio=self.risk_cost_ratio,
            minutes_per_message=self.risk_minutes_per_message,
            hourly_cost_minor=int(self.risk_hourly_cost * 10 ** exponent(self.currency)),
            signals_to_part=self.risk_signals_to_part,
        )

    @property
    def freshdesk_base_url(self) -> str:
        return self.freshdesk_api_base or f"https://{self.freshdesk_domain}"

    @property
    def zendesk_base_url(self) -> str:
        return self.zendesk_api_base or f"https://{self.zendesk_subdomain}.zendesk.com"

    def require(self, *names: str, reason: str) -> None:
        """Stop start-up with one line naming the first setting `reason` needs but does not have."""
        for name in names:
            value = getattr(self, name)
            if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
                raise ConfigError(f"{ENV_PREFIX}{name.upper()} is not set; it is needed {reason}.")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into the lines a person needs: every problem, at once."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError([problem(error) for error in exc.errors()]) from None
