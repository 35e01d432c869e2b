"""Slack identifiers the code and `manifest.yaml` share; a test keeps them in agreement."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    SUPPORT = "/support"


class Event(StrEnum):
    APP_MENTION = "app_mention"
