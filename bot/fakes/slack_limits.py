"""Slack's size limits on Block Kit, as the fake Slack enforces them, so tests catch what real Slack would refuse.

Each check returns Slack's own wording for what is wrong, with a JSON pointer to it (`must be less than 3001
characters [json-pointer:/blocks/0/text/text]`), the way Slack lists them in an `invalid_blocks` or
`invalid_arguments` answer. Limits from Slack's Block Kit reference (checked late 2026).
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT_OBJECT = 3000  # any text object's text, the section's included
FIELD_TEXT = 2000
FIELDS = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
CHECKBOX_OPTIONS = 10
RADIO_OPTIONS = 10
LABEL_TEXT = 2000
INPUT_INITIAL_VALUE = 3000
VIEW_TITLE = 24
VIEW_BUTTON = 24
PRIVATE_METADATA = 3000
CALLBACK_ID = 255
# Message text beyond this is cut by Slack: 40,000 characters (chat.postEphemeral, response_url).
MESSAGE_TEXT = 40_000


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(limit: int, pointer: str) -> str:
    return f"must provide no more than {limit} items [json-pointer:{pointer}]"


def _text(obj: Any, limit: int, pointer: str) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"must provide an object [json-pointer:{pointer}]"]
    if obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"must be a valid enum value [json-pointer:{pointer}/type]"]
    if not obj["text"]:
        return [f"must be more than 0 characters [json-pointer:{pointer}/text]"]
    return [_too_long(limit, f"{pointer}/text")] if len(obj["text"]) > limit else []


def _string(value: Any, limit: int, pointer: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"must be a string [json-pointer:{pointer}]"]
    return [_too_long(limit, pointer)] if len(value) > limit else []


def _options(options: Any, limit: int, pointer: str) -> list[str]:
    if not isinstance(options, list) or not options:
        return [f"must provide at least 1 item [json-pointer:{pointer}]"]
    errors = [_too_many(limit, pointer)] if len(options) > limit else []
    for i, option in enumerate(options):
        errors += _text(option.get("text") if isinstance(option, dict) else None, OPTION_TEXT, f"{pointer}/{i}/text")
        value = option.get("value") if isinstance(option, dict) else None
        errors += _string(value, OPTION_VALUE, f"{pointer}/{i}/value")
    return errors


def _element(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"must provide an object [json-pointer:{pointer}]"]
    errors = _string(element.get("action_id"), ACTION_ID, f"{pointer}/action_id")
    kind = element["type"]
    if kind == "button":
        errors += _text(element.get("text"), BUTTON_TEXT, f"{pointer}/text")
        errors += _string(element.get("value"), BUTTON_VALUE, f"{pointer}/value")
    elif kind == "checkboxes":
        errors += _options(element.get("options"), CHECKBOX_OPTIONS, f"{pointer}/options")
    elif kind == "radio_buttons":
        errors += _options(element.get("options"), RADIO_OPTIONS, f"{pointer}/options")
    elif kind == "static_select":
        errors += _options(element.get("options"), OPTIONS, f"{pointer}/options")
    elif kind == "plain_text_input":
        errors += _string(element.get("initial_value"), INPUT_INITIAL_VALUE, f"{pointer}/initial_value")
    return errors


def _block(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"must provide an object [json-pointer:{pointer}]"]
    errors = _string(block.get("block_id"), BLOCK_ID, f"{pointer}/block_id")
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"must provide text or fields [json-pointer:{pointer}]")
        if "text" in block:
            errors += _text(block["text"], TEXT_OBJECT, f"{pointer}/text")
        fields = block.get("fields") or []
        if len(fields) > FIELDS:
            errors.append(_too_many(FIELDS, f"{pointer}/fields"))
        for i, field in enumerate(fields):
            errors += _text(field, FIELD_TEXT, f"{pointer}/fields/{i}")
        if "accessory" in block:
            errors += _element(block["accessory"], f"{pointer}/accessory")
    elif kind == "header":
        errors += _text(block.get("text"), HEADER_TEXT, f"{pointer}/text")
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > CONTEXT_ELEMENTS:
            errors.append(_too_many(CONTEXT_ELEMENTS, f"{pointer}/elements"))
        for i, element in enumerate(elements):
            if not (isinstance(element, dict) and element.get("type") == "image"):
                errors += _text(element, TEXT_OBJECT, f"{pointer}/elements/{i}")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > ACTIONS_ELEMENTS:
            errors.append(_too_many(ACTIONS_ELEMENTS, f"{pointer}/elements"))
        for i, element in enumerate(elements):
            errors += _element(element, f"{pointer}/elements/{i}")
    elif kind == "input":
        errors += _text(block.get("label"), LABEL_TEXT, f"{pointer}/label")
        errors += _element(block.get("element"), f"{pointer}/element")
    return errors


def block_errors(blocks: list[Any], limit: int = MESSAGE_BLOCKS, pointer: str = "/blocks") -> list[str]:
    """What Slack would list in an `invalid_blocks` answer for these blocks; empty when they are fine."""
    errors = [_too_many(limit, pointer)] if len(blocks) > limit else []
    for i, block in enumerate(blocks):
        errors += _block(block, f"{pointer}/{i}")
    return errors


def view_errors(view: dict[str, Any]) -> list[str]:
    """What Slack would list for a modal or Home tab given to views.* (`invalid_arguments`)."""
    errors = _text(view.get("title"), VIEW_TITLE, "/view/title") if view.get("type") == "modal" else []
    for button in ("submit", "close"):
        if button in view:
            errors += _text(view[button], VIEW_BUTTON, f"/view/{button}")
    errors += _string(view.get("private_metadata"), PRIVATE_METADATA, "/view/private_metadata")
    errors += _string(view.get("callback_id"), CALLBACK_ID, "/view/callback_id")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*errors, "must provide an array [json-pointer:/view/blocks]"]
    return errors + block_errors(blocks, VIEW_BLOCKS, "/view/blocks")
