"""JSON from strangers: what the doors accept and refuse, how fast, and that nothing else ever escapes."""

from __future__ import annotations

import json
import random
import time

import pytest

from bot.fakes.paypal import capture_completed_event
from bot.inbound.bounded_json import MAX_DEPTH, MAX_ITEMS, MAX_NUMBER_CHARS, MalformedJsonError, parse_object
from tests.builders import stripe_charge, stripe_event, ticket_event
from tests.clocks import START

MIB = 1024 * 1024


def nested(depth: int) -> str:
    return '{"x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        nested(MAX_DEPTH),
        '{"amount": ' + "9" * MAX_NUMBER_CHARS + "}",
        '{"amount": -1.5e300, "ok": true, "none": null}',
        '{"id": "' + "9" * 10_000 + '"}',  # digits in a string are text, not a number
        '{"text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"]]]"}',
        '{"name": "Zoë \\u00e9 😀"}',
        '{"a": [' + ",".join(["[1, 2]"] * (MAX_ITEMS // 2 - 1)) + "]}",
    ],
)
def test_ordinary_json_objects_are_read(text: str):
    assert parse_object(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (nested(MAX_DEPTH * 2 + 1).encode(), "nested deeper"),
        (nested(10_000).encode(), "nested deeper"),
        (nested(100_000).encode(), "more than 20,000 values"),
        (b'{"amount": ' + b"9" * (MAX_NUMBER_CHARS + 1) + b"}", "number longer"),
        (b'{"amount": ' + b"9" * 5_000 + b"}", "number longer"),
        (b'{"amount": 1' + b"0" * 5_000 + b".5}", "number longer"),
        (b'{"amount": NaN}', "NaN is not JSON"),
        (b'{"amount": -Infinity}', "Infinity is not JSON"),
        (b'{"amount": -1e400}', "read as infinity"),
        (b'{"name": "\xff"}', "not UTF-8"),
        ('{"a": 1}'.encode("utf-16"), "not UTF-8"),
        (b'{"a": [' + b",".join([b"1"] * (MAX_ITEMS + 2)) + b"]}", "more than 20,000 values"),
        (b'{"a": [' + b"[]" * (MAX_ITEMS + 1) + b"]}", "more than 20,000 values"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (b"text=hello&payload=1", "malformed JSON"),
        (b'{"a": 1', "malformed JSON"),
        (b"", "malformed JSON"),
    ],
)
def test_what_the_doors_refuse_is_one_malformed_json_error(raw: bytes, reason: str):
    with pytest.raises(MalformedJsonError, match=reason) as refused:
        parse_object(raw)
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 120


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": [' + b",".join([b"[]"] * (MIB // 3)) + b"]}",
        b'{"a": [' + b",".join([b"[" * 30 + b"]" * 30] * (MIB // 61)) + b"]}",
        b'{"a": [' + b",".join([b"[" * 60 + b"]" * 60] * (MAX_ITEMS // 60)) + b"]}",
        b'{"a": {' + b",".join(b'"k%d": 1.5' % n for n in range(MAX_ITEMS)) + b"}}",
        b'{"a": "' + b"\\\\" * (MIB // 2) + b'"}',
        b'{"a": ' + b"[" * (MIB // 2),
        b'{"a": "' + b'\\"' * (MIB // 2),
    ],
    ids=[
        "wide",
        "deep and wide",
        "as deep and wide as allowed",
        "as many keys as allowed",
        "escapes",
        "unclosed",
        "unterminated",
    ],
)
def test_a_megabyte_is_read_or_refused_in_well_under_a_second(raw: bytes):
    started = time.perf_counter()
    try:
        parse_object(raw)
    except MalformedJsonError:
        pass
    assert time.perf_counter() - started < 1.0


def test_mutated_provider_payloads_never_raise_anything_else():
    # Bounded fuzzing: real payloads cut, spliced and bit-flipped; the parse answers a dict or MalformedJsonError.
    seeds = [
        json.dumps(stripe_event("charge.succeeded", stripe_charge(pi="pi_fuzz0001"))).encode(),
        json.dumps(capture_completed_event("CAPTURE0000000001", "10.00", "USD", at=START)).encode(),
        json.dumps(ticket_event("ticket.created", ticket_id="T-1", message_id="M-1", body="Hello")).encode(),
    ]
    pieces = [b"[", b"{", b"]", b"}", b'"', b"\\", b"9" * 50, b"NaN", b"\xff", b"\xed\xa0\x80", b"1e999", b","]
    rng = random.Random(11)
    for _ in range(3_000):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(raw))
            match rng.randrange(3):
                case 0:
                    raw[at] = rng.randrange(256)
                case 1:
                    raw[at:at] = rng.choice(pieces) * rng.randint(1, 80)
                case _:
                    del raw[at : at + rng.randint(1, 40)]
        try:
            assert isinstance(parse_object(bytes(raw)), dict)
        except MalformedJsonError:
            pass
