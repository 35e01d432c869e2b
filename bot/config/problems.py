"""Problems with the settings as a person reads them: one line each, naming the variable and the fix.

bot/config/settings.py validates; this module turns pydantic's errors into `Problem`s, and finds the settings given by
halves, so that every problem is reported in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot.config import values
from bot.core.errors import ConfigError

ENV_PREFIX = "SUPPORTBOT_"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings: which one (None when a check names several itself), what, the fix."""

    field: str | None
    what: str
    fix: str | None = None

    @property
    def setting(self) -> str | None:
        return f"{ENV_PREFIX}{self.field.upper()}" if self.field else None

    def __str__(self) -> str:
        said = f"{self.what}; {self.fix}" if self.fix else self.what
        return f"{self.setting} is invalid: {said}." if self.setting else f"{said}."


class SettingsError(ConfigError):
    """Every problem with the settings at once: one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        if len(problems) == 1:
            super().__init__(str(problems[0]))
        else:
            listed = "\n".join(f"  - {problem}" for problem in problems)
            super().__init__(f"{len(problems)} settings need fixing (in .env or the environment):\n{listed}")


def problem(error: Any) -> Problem:
    field = str(error["loc"][0]) if error["loc"] else None
    context = error.get("ctx") or {}
    if error["type"] == "setting":
        return Problem(field, context["what"], context["fix"])
    return Problem(field, str(error["msg"]).removeprefix("Value error, "))


def each(items: list[str] | tuple[str, ...], check: Any) -> None:
    """Check every id of a list, so that all the bad ones are named in one go."""
    wrong = []
    for item in items:
        try:
            check(item)
        except PydanticCustomError as error:
            wrong.append(error.context or {})
    if wrong:
        raise values.invalid("; ".join(str(w["what"]) for w in wrong), str(wrong[0]["fix"]))


# Settings that only work together: one without the others is refused at start-up, naming the missing ones.
SETTING_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PayPal", ("paypal_client_id", "paypal_client_secret", "paypal_webhook_id")),
    ("licences at Keygen", ("keygen_account", "keygen_token")),
    ("your licence server", ("licence_url", "licence_secret")),
    ("Mailchimp", ("mailchimp_api_key", "mailchimp_list_id")),
    ("email replies", ("smtp_host", "smtp_from")),
    ("support mailbox", ("imap_host", "imap_user", "imap_password")),
    ("acting in Help Scout", ("helpscout_app_id", "helpscout_app_secret")),
    ("FreeScout", ("freescout_url", "freescout_api_key")),
    ("Zendesk", ("zendesk_subdomain", "zendesk_email", "zendesk_api_token")),
    ("Freshdesk", ("freshdesk_domain", "freshdesk_api_key")),
)


def halves(data: dict[str, Any], groups: tuple[tuple[str, tuple[str, ...]], ...]) -> list[InitErrorDetails]:
    """A problem for each group of settings of which some are given and some not."""

    def given(name: str) -> bool:
        value = data.get(name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return value is not None and str(value).strip() != ""

    found: list[InitErrorDetails] = []
    for label, names in groups:
        present = [name for name in names if given(name)]
        if present and len(present) < len(names):
            missing = [f"{ENV_PREFIX}{name.upper()}" for name in names if name not in present]
            error = values.invalid(
                f"{label} needs {' and '.join(missing)} too",
                f"set {', '.join(missing)}, or unset {', '.join(f'{ENV_PREFIX}{n.upper()}' for n in present)}",
            )
            found.append({"type": error, "loc": (names[names.index(present[0])],), "input": None})
    return found


def again(exc: ValidationError) -> list[InitErrorDetails]:
    """Pydantic's errors, in the form that raises them again (with the halves found beside them)."""
    again: list[InitErrorDetails] = []
    for error in exc.errors():
        context = error.get("ctx") or {}
        if error["type"] == "setting":
            kind = values.invalid(context["what"], context["fix"])
        else:
            kind = PydanticCustomError(error["type"], str(error["msg"]).replace("{", "{{").replace("}", "}}"))
        again.append({"type": kind, "loc": error["loc"], "input": error["input"]})
    return again
