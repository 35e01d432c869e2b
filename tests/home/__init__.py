"""The Home tab's tests; SETTINGS is the Home tab's configuration they share."""

from bot.home.snapshot import HomeSettings
from bot.policies.hours import parse_hours
from bot.policies.oncall_waiting import ResponseTargets

SETTINGS = HomeSettings(
    owners=("U0OWNER",),
    agents=(),
    hours=parse_hours("mon-fri 09:00-17:30", "Europe/Berlin"),
    targets=ResponseTargets(),
    rotation=None,
    currency="USD",
)
