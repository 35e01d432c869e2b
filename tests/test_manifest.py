"""manifest.yaml (and its Socket Mode twin) and the code must name the same commands, events and scopes."""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.slack_scopes import BOT_SCOPES, COMMANDS_SCOPE, EVENT_SCOPES, METHOD_SCOPES
from bot.core.slack_ids import Command, Event, Shortcut
from bot.fakes.slack import REQUIRED_SCOPES

ROOT = Path(__file__).parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yaml").read_text())
SOCKET_MANIFEST = yaml.safe_load((ROOT / "manifest-socket-mode.yaml").read_text())
# Bolt's `say` posts with chat.postMessage; `respond` uses the response_url, which needs no scope.
BOLT_HELPERS = {"say": "chat.postMessage"}


@functools.cache
def sdk_methods() -> dict[str, str]:
    """The SDK client's Python method names and the Web API method each calls: chat_postMessage -> chat.postMessage."""
    found = {}
    for name, function in inspect.getmembers(AsyncWebClient, inspect.isfunction):
        called = re.search(r'api_call\(\s*"([\w.]+)"', inspect.getsource(function))
        if called and not name.startswith("_"):
            found[name] = called.group(1)
    return found


# SDK helpers that make several Web API calls: files_upload_v2 asks for an upload URL, uploads, then completes.
COMPOSITE_HELPERS = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}


def web_api_methods_called(root: Path) -> dict[str, set[str]]:
    """Every Web API method named in the code under `root` (an SDK client method, api_call("…") or Bolt's `say`),
    with the files naming it. A method passed along (`self.client.chat_update`) counts as much as one called."""
    methods = sdk_methods()
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        if "fakes" in path.parts:  # the fakes answer these methods; they do not call them
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            method = None
            if isinstance(node, ast.Attribute) and node.attr in methods:
                method = methods[node.attr]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "api_call" and node.args:
                method = ast.literal_eval(node.args[0])
            elif isinstance(node, ast.arg) and node.arg in BOLT_HELPERS:
                method = BOLT_HELPERS[node.arg]
            if method:
                found.setdefault(method, set()).add(str(path.relative_to(root.parent)))
            if isinstance(node, ast.Attribute) and node.attr in COMPOSITE_HELPERS:
                for part in COMPOSITE_HELPERS[node.attr]:
                    found.setdefault(part, set()).add(str(path.relative_to(root.parent)))
    return found


def scopes_needed(manifest: dict[str, Any], methods: set[str]) -> set[str]:
    needed = {scope for method in methods for scope in METHOD_SCOPES[method]}
    needed |= {
        scope for event in manifest["settings"]["event_subscriptions"]["bot_events"] for scope in EVENT_SCOPES[event]
    }
    if manifest["features"].get("slash_commands") or manifest["features"].get("shortcuts"):
        needed.add(COMMANDS_SCOPE)
    return needed


def refusals(manifest: dict[str, Any]) -> list[str]:
    """What Slack's manifest check refuses among what this app uses ("We can't translate a manifest with errors")."""
    problems = []
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    settings = manifest["settings"]
    features = manifest["features"]
    info = manifest["display_information"]
    if not 1 <= len(info["name"]) <= 35 or len(info.get("description", "")) > 140:
        problems.append("display_information: name 1-35 characters, description at most 140")
    if "long_description" in info and not 174 <= len(info["long_description"]) <= 4000:
        problems.append("display_information.long_description must be 174-4000 characters")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", info.get("background_color", "#000000")):
        problems.append("display_information.background_color must be #rrggbb")
    for event in settings.get("event_subscriptions", {}).get("bot_events", []):
        missing = set(EVENT_SCOPES.get(event, ())) - scopes
        if missing:
            problems.append(f"bot event {event} needs {', '.join(sorted(missing))}")
    if (features.get("slash_commands") or features.get("shortcuts")) and COMMANDS_SCOPE not in scopes:
        problems.append("slash commands and shortcuts need the commands scope")
    if features.get("shortcuts") and not settings.get("interactivity", {}).get("is_enabled"):
        problems.append("shortcuts need interactivity enabled")
    urls = [
        *(command.get("url") for command in features.get("slash_commands", [])),
        settings.get("event_subscriptions", {}).get("request_url"),
        settings.get("interactivity", {}).get("request_url"),
    ]
    if settings.get("socket_mode_enabled"):
        if any(urls):
            problems.append("in Socket Mode the slash commands and settings carry no url")
    elif not all(url and url.startswith("https://") for url in urls):
        problems.append("over HTTP every slash command, the events and interactivity need an https request URL")
    return problems


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


def test_every_web_api_method_the_code_calls_has_its_scopes_in_the_table():
    called = web_api_methods_called(ROOT / "bot")
    unknown = {method: sorted(files) for method, files in called.items() if method not in METHOD_SCOPES}
    assert not unknown, (
        f"{unknown}: add each method to METHOD_SCOPES in bot/config/slack_scopes.py with the bot scopes "
        "https://api.slack.com/methods/<method> lists, and to manifest.yaml and manifest-socket-mode.yaml"
    )
    unused = set(METHOD_SCOPES) - set(called)
    assert not unused, f"{unused}: no code calls these any more; drop them from METHOD_SCOPES (and their scopes)"


def test_the_manifests_ask_for_exactly_the_scopes_the_code_and_the_events_need():
    needed = scopes_needed(MANIFEST, set(web_api_methods_called(ROOT / "bot")))
    for manifest in (MANIFEST, SOCKET_MANIFEST):
        asked = manifest["oauth_config"]["scopes"]["bot"]
        assert set(asked) == needed, f"missing {needed - set(asked)}, unused {set(asked) - needed}"
        assert tuple(asked) == BOT_SCOPES


def test_the_scan_finds_a_new_call_and_what_it_would_need(tmp_path):
    package = tmp_path / "bot"
    package.mkdir()
    (package / "new.py").write_text(
        "async def handle(client, say):\n"
        "    await client.reactions_add(channel='C1', name='eyes', timestamp='1.2')\n"
        "    await client.api_call('pins.add')\n"
    )
    assert set(web_api_methods_called(package)) == {"reactions.add", "pins.add", "chat.postMessage"}
    without_app_mentions = copy.deepcopy(MANIFEST)
    without_app_mentions["oauth_config"]["scopes"]["bot"].remove("app_mentions:read")
    assert refusals(without_app_mentions) == ["bot event app_mention needs app_mentions:read"]


@pytest.mark.parametrize("manifest", [MANIFEST, SOCKET_MANIFEST], ids=["http", "socket-mode"])
def test_slack_would_accept_both_manifests(manifest):
    assert refusals(manifest) == []


def test_the_socket_mode_manifest_is_the_http_one_without_request_urls():
    expected = copy.deepcopy(MANIFEST)
    for command in expected["features"]["slash_commands"]:
        del command["url"]
    del expected["settings"]["event_subscriptions"]["request_url"]
    del expected["settings"]["interactivity"]["request_url"]
    expected["settings"]["socket_mode_enabled"] = True
    assert SOCKET_MANIFEST == expected
    assert not MANIFEST["settings"]["socket_mode_enabled"]


def test_support_help_names_every_command():
    from bot.handlers.support_command import HELP

    for command in MANIFEST["features"]["slash_commands"]:
        assert f"`{command['command']}" in HELP, command["command"]
