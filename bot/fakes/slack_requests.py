"""Requests as Slack sends them: signed slash commands, button clicks and modal submissions (tests, demo)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.fakes.slack import FakeSlack

SIGNING_SECRET = "slack-signing-secret"
TEAM = {"id": "T0TEAM", "domain": "fake"}


def signed(body: str | bytes, secret: str = SIGNING_SECRET, *, timestamp: int) -> dict[str, str]:
    """Slack's headers for `body`, signed at `timestamp` (the time of the bot that checks it); bytes are signed as
    they are, even when they are not UTF-8 (the SDK decodes)."""
    ts = str(timestamp)
    if isinstance(body, bytes):
        digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        signature = f"v0={digest}"
    else:
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(slack: FakeSlack, command: str, text: str, *, user: str, reply_to: str = "cmd") -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM["id"],
            "channel_id": "C0SUPPORT",
            "user_id": user,
            "user_name": f"name-{user.lower()}",
            "command": command,
            "text": text,
            "response_url": slack.response_url(reply_to),
            "trigger_id": f"trigger-{time.monotonic_ns()}",
        }
    )


def click_body(
    slack: FakeSlack, action_id: str, value: str, *, user: str, reply_to: str = "click", user_name: str | None = None
) -> str:
    payload = {
        "type": "block_actions",
        "team": TEAM,
        "user": {"id": user, "username": user_name or f"name-{user.lower()}", "team_id": TEAM["id"]},
        "api_app_id": "A0FAKE",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "response_url": slack.response_url(reply_to),
        "channel": {"id": "C0SUPPORT"},
        "container": {"type": "message", "channel_id": "C0SUPPORT", "message_ts": "1.0"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "actions",
                "value": value,
                "action_ts": _action_ts(),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def shortcut_body(
    slack: FakeSlack, callback_id: str, channel: str, message_ts: str, *, user: str, reply_to: str = "shortcut"
) -> str:
    """A message shortcut chosen from a message's menu in `channel`."""
    payload = {
        "type": "message_action",
        "callback_id": callback_id,
        "team": TEAM,
        "user": {"id": user, "username": f"name-{user.lower()}", "team_id": TEAM["id"]},
        "channel": {"id": channel, "name": channel.lower()},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "message_ts": message_ts,
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "response_url": slack.response_url(reply_to),
        "action_ts": _action_ts(),
    }
    return urlencode({"payload": json.dumps(payload)})


def submission_body(view: dict[str, Any], *, user: str, user_name: str | None = None, **values: Any) -> str:
    """Submit `view` as a person would: what it shows pre-filled, with `values` typed over it by block id."""
    payload = {
        "type": "view_submission",
        "team": TEAM,
        "user": {"id": user, "username": user_name or f"name-{user.lower()}", "team_id": TEAM["id"]},
        "api_app_id": "A0FAKE",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": view | {"state": {"values": filled_state(view, values)}},
    }
    return urlencode({"payload": json.dumps(payload)})


def filled_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        given = values.get(block["block_id"], _initial(element))
        kind = element["type"]
        if kind == "plain_text_input":
            entry = {"type": kind, "value": given}
        elif kind == "checkboxes":
            entry = {"type": kind, "selected_options": [{"value": v} for v in given or []]}
        else:
            entry = {"type": kind, "selected_option": {"value": given} if given is not None else None}
        state[block["block_id"]] = {element["action_id"]: entry}
    return state


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The view's input elements by block id, to look at what a modal offers."""
    return {block["block_id"]: block["element"] for block in view.get("blocks", []) if block.get("type") == "input"}


def view_text(view: dict[str, Any]) -> str:
    parts = []
    for block in view.get("blocks", []):
        if block.get("type") == "section":
            parts.append(block["text"]["text"])
        elif block.get("type") == "context":
            parts.extend(element.get("text", "") for element in block["elements"])
        elif block.get("type") == "input":
            parts.append(block["label"]["text"])
            parts.extend(option["text"]["text"] for option in block["element"].get("options", []))
    return "\n".join(parts)


def _initial(element: dict[str, Any]) -> Any:
    if element["type"] == "plain_text_input":
        return element.get("initial_value")
    if element["type"] == "checkboxes":
        return [option["value"] for option in element.get("initial_options", [])]
    return (element.get("initial_option") or {}).get("value")


def button_value(message: Any, action_id: str) -> str:
    """The value of the `action_id` button on a message as FakeSlack holds it; LookupError when there is none."""
    for block in message.blocks or []:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("action_id") == action_id:
                return element["value"]
    raise LookupError(f"no {action_id} button on {message.text!r}")


_actions = itertools.count(1)


def _action_ts() -> str:
    """A distinct `action_ts` for each click: the bot never reads it as a date, so it need not be one."""
    return f"1700000000.{next(_actions):06d}"
