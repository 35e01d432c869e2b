"""JSON from strangers: strict UTF-8, an object at the top, nesting, size and numbers bounded, in linear time.

Python's `json` alone takes any depth up to the interpreter's recursion limit (then RecursionError), turns a
5,000-digit integer into a ValueError from `int()`, reads `NaN`, `Infinity` and `1e400` (as infinity), and
guesses UTF-16 from bytes.
Every door parses through here, so each of those is one `MalformedJsonError` with a short reason, answered 400.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Far deeper than any payload Slack, Stripe, PayPal or a help desk sends (Stripe's deepest is about ten).
MAX_DEPTH = 64
# A number's characters: enough for any amount, id or timestamp, far below int()'s 4,300-digit limit.
MAX_NUMBER_CHARS = 40
# Values (commas) and containers (`[` and `{`, strings' included): a megabyte of `[],` took the C parser a second
# and more, on the event loop; the largest provider payloads hold a few thousand.
MAX_ITEMS = 20_000

# A JSON string, unrolled so that on valid JSON (checked first) each string is matched once, left to right.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


class MalformedJsonError(ValueError):
    """The body is not a JSON object we agree to read; the message says why in one short line."""


def parse_object(raw: bytes | str) -> dict[str, Any]:
    """The JSON object in `raw`, or `MalformedJsonError`."""
    text = decode_utf8(raw) if isinstance(raw, bytes) else raw
    opening = text.count("[") + text.count("{")
    # Each comma or bracket is a character: a text no longer than MAX_ITEMS cannot hold more.
    if len(text) > MAX_ITEMS and (text.count(",") > MAX_ITEMS or opening > MAX_ITEMS):
        raise MalformedJsonError(f"JSON with more than {MAX_ITEMS:,} values")
    try:
        value = _DECODER.decode(text)
    except MalformedJsonError:
        raise
    except RecursionError:
        raise MalformedJsonError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedJsonError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(value, dict):
        raise MalformedJsonError("the body must be a JSON object")
    # Nested no deeper than it has brackets, strings' included: a webhook's few dozen need no closer look, and
    # are spared a pass over the text that took longer than the parse. Else the strings are taken out (the text is
    # valid JSON now, so outside them there are only numbers, literals and punctuation) and the brackets peeled.
    if opening > MAX_DEPTH and not _nesting_within(_STRING.sub("", text), MAX_DEPTH):
        raise MalformedJsonError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _short_int(token: str) -> int:
    if len(token) > MAX_NUMBER_CHARS:
        raise MalformedJsonError(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return int(token)


def _finite_float(token: str) -> float:
    if len(token) > MAX_NUMBER_CHARS:
        raise MalformedJsonError(f"a number longer than {MAX_NUMBER_CHARS} characters")
    # 1e400 reads as infinity, which no JSON column can hold again (nor any amount mean).
    value = float(token)
    if not math.isfinite(value):
        raise MalformedJsonError(f"a number too large for JSON ({token}, read as infinity)")
    return value


def _no_constant(token: str) -> Any:
    raise MalformedJsonError(f"{token} is not JSON")


# Every number passes through a hook that sees its text, so a long one is refused before int() reads it. One
# decoder for every parse: `json.loads` given hooks builds a new one, and its scanner, each time.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float, parse_int=_short_int)


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJsonError(f"the body is not UTF-8 (byte {exc.start})") from None


def _nesting_within(bare: str, max_depth: int) -> bool:
    # Peel the innermost pairs off, one level a round, with C-speed string operations (a walk over the parsed
    # value in Python takes a second for a megabyte of `[]`). A round may peel two levels (`{[]}`), so the
    # bound is enforced to within a factor of two: what matters is that it is bounded.
    brackets = bare.encode("ascii", "ignore").translate(None, _NOT_BRACKETS)
    for _ in range(max_depth):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return not brackets
