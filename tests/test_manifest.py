"""manifest.yaml and the code must name the same commands and events."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.fakes.slack import REQUIRED_SCOPES
from bot.slack_ids import Command, Event, Shortcut

MANIFEST = yaml.safe_load((Path(__file__).parent.parent / "manifest.yaml").read_text())


def test_every_slash_command_in_the_manifest_is_handled_and_every_handled_one_is_registered():
    declared = {command["command"] for command in MANIFEST["features"]["slash_commands"]}
    assert declared == {str(command) for command in Command}


def test_slash_commands_have_descriptions_usage_hints_and_fit_slack_limits():
    for command in MANIFEST["features"]["slash_commands"]:
        assert len(command["command"]) <= 32
        assert command["description"] and command["usage_hint"]


def test_every_shortcut_in_the_manifest_is_handled_and_fits_slack_limits():
    shortcuts = MANIFEST["features"]["shortcuts"]
    assert {shortcut["callback_id"] for shortcut in shortcuts} == {str(shortcut) for shortcut in Shortcut}
    for shortcut in shortcuts:
        assert shortcut["type"] in ("message", "global")
        assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150


def test_subscribed_events_are_the_ones_the_app_listens_to():
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == {str(event) for event in Event}


def test_the_scopes_asked_for_cover_every_web_api_method_the_bot_calls():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    for method in ("chat.postMessage", "chat.update", "conversations.history", "conversations.replies"):
        needed = REQUIRED_SCOPES[method]
        assert scopes & set(needed), f"{method} needs one of {needed}"


def test_support_help_names_every_command():
    from bot.handlers.support_command import HELP

    for command in MANIFEST["features"]["slash_commands"]:
        assert f"`{command['command']}" in HELP, command["command"]
