"""The README's configuration table and `.env.example` document exactly the settings the code reads."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.config.settings import CHANNEL_SETTINGS, ENV_PREFIX, Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
SETTINGS = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}


def configuration_table() -> list[list[str]]:
    """The rows of the first table under "## Configuration", up to the first line that is not a table row."""
    section = README[README.index("## Configuration") :]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| variable |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_the_readme_table_documents_every_setting_once_and_no_other():
    documented = [name for row in configuration_table() for name in re.findall(r"`(SUPPORTBOT_[A-Z_]+)`", row[0])]
    assert len(documented) == len(set(documented)), "a setting is documented twice"
    assert set(documented) - SETTINGS == set(), "documented, but no such setting"
    assert SETTINGS - set(documented) == set(), "settings missing from the README's configuration table"
    mentioned = set(re.findall(r"\bSUPPORTBOT_[A-Z_]+[A-Z]\b", README))
    mentioned -= {name for name in mentioned if name.startswith("SUPPORTBOT_TEST_")}  # the test suite's own
    assert mentioned - SETTINGS == set(), "the README names settings that do not exist"


def test_the_readme_table_gives_each_settings_actual_default():
    for row in configuration_table():
        names = re.findall(r"`(SUPPORTBOT_[A-Z_]+)`", row[0])
        defaults = [cell.strip() for cell in row[1].split(",")]
        for name, shown in zip(names, defaults, strict=False):
            default = Settings.model_fields[name.removeprefix(ENV_PREFIX).lower()].default
            if not re.fullmatch(r"`[^`<]*`", shown) or name.endswith("PAYPAL_API_BASE"):
                continue  # prose such as "— (always out of hours)", a path under the working directory, an alias
            assert _same(shown.strip("`"), default), f"{name}: README says {shown}, the code {default!r}"


def test_env_example_lists_every_setting_and_no_other():
    example = (ROOT / ".env.example").read_text()
    listed = re.findall(r"^#? ?(SUPPORTBOT_[A-Z_]+)=", example, re.MULTILINE)
    active = re.findall(r"^(SUPPORTBOT_[A-Z_]+)=", example, re.MULTILINE)
    assert len(active) == len(set(active)), "a setting is set twice"
    assert set(listed) - SETTINGS == set(), ".env.example lists settings that do not exist"
    assert SETTINGS - set(listed) == set(), "settings missing from .env.example"


def test_the_readme_says_to_invite_the_bot_to_every_channel_it_posts_to():
    [invite] = [line for line in README.splitlines() if "Invite the bot to" in line]
    for setting in CHANNEL_SETTINGS:
        kind = setting.removeprefix("channel_").replace("oncall", "on-call")
        assert kind in invite, f"{kind} missing from: {invite}"


def _same(shown: str, default: object) -> bool:
    try:
        return Decimal(shown) == Decimal(str(default))
    except InvalidOperation:
        return shown == str(default)
