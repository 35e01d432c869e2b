from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.demo.blockkit_text import DIVIDER_WIDTH, Viewer, mrkdwn_to_text, render_blocks


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("see <https://shop.example/o/1|order 1>", "see order 1"),
        ("see <https://shop.example/o/1>", "see https://shop.example/o/1"),
        ("ping <@U123>", "ping @U123"),
        ("in <#C1|support>", "in #support"),
        ("due <!date^1764000000^{date_short}|Nov 24, 2025>", "due Nov 24, 2025"),
        ("<!here> look", "@here look"),
        ("*bold* stays", "*bold* stays"),
        ("a &lt;b&gt; &amp;amp;", "a <b> &amp;"),
    ],
)
def test_mrkdwn_to_text(source: str, expected: str) -> None:
    assert mrkdwn_to_text(source) == expected


def test_falls_back_to_text_without_blocks() -> None:
    assert render_blocks(None, "hello <@U1>") == "hello @U1"
    assert render_blocks([], None) == ""


def test_renders_a_ticket_card() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain("Ticket 42")},
        {"type": "section", "text": mrkdwn("Customer <mailto:a@b.c|a@b.c> asks for a refund")},
        {"type": "divider"},
        {
            "type": "section",
            "fields": [mrkdwn("*Order*"), mrkdwn("*Amount*"), mrkdwn("<https://x/o/7|#7>"), mrkdwn("€12.00")],
        },
        {
            "type": "context",
            "elements": [
                mrkdwn("opened by <@U9>"),
                {"type": "image", "image_url": "https://x/i.png", "alt_text": "avatar"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": plain("Refund"), "action_id": "refund"},
                {"type": "static_select", "placeholder": plain("Assign"), "action_id": "assign"},
            ],
        },
        {"type": "image", "image_url": "https://x/chart.png", "alt_text": "sales chart"},
    ]

    assert render_blocks(blocks, "fallback").splitlines() == [
        "TICKET 42",
        "Customer a@b.c asks for a refund",
        "─" * DIVIDER_WIDTH,
        "*Order*    *Amount*",
        "#7         €12.00",
        "opened by @U9 · [image: avatar]",
        "[ Refund ]  [ Assign ▾ ]",
        "[image: sales chart]",
    ]


def test_section_with_odd_fields_and_an_accessory() -> None:
    block = {
        "type": "section",
        "text": mrkdwn("Dispute"),
        "fields": [mrkdwn("a"), mrkdwn("b"), mrkdwn("c")],
        "accessory": {"type": "button", "text": plain("Open")},
    }

    assert render_blocks([block], None).splitlines() == ["Dispute", "a    b", "c", "[ Open ]"]


def test_unknown_blocks_show_their_text() -> None:
    assert render_blocks([{"type": "markdown", "text": "**hi**"}, {"type": "unknown"}], None) == "**hi**"


BERLIN = Viewer(
    ZoneInfo("Europe/Berlin"),
    lambda: datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
    people={"U0SAM": "Sam"},
    channels={"C0ONCALL": "oncall"},
)
PAID = int(datetime(2026, 11, 25, 9, 12, tzinfo=UTC).timestamp())  # 10:12 in Berlin


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"paid <!date^{PAID}^{{date_short_pretty}} at {{time}}|2026-11-25 09:12 UTC>", "paid today at 10:12"),
        (f"<!date^{PAID}^{{date_short_pretty}} at {{time}}|x>", "Today at 10:12"),
        (
            f"<!date^{PAID - 86400}^{{date_pretty}}|x> · <!date^{PAID + 86400}^{{date_pretty}}|x>",
            "Yesterday · tomorrow",
        ),
        (f"due <!date^{PAID + 9 * 86400}^{{date_short_pretty}} at {{time}}|x>", "due Dec 4, 2026 at 10:12"),
        (f"<!date^{PAID}^{{date_long}} {{time_secs}}|x>", "Wednesday, November 25th, 2026 10:12:00"),
        (f"<!date^{PAID}^{{date_num}} {{date}}|x>", "2026-11-25 November 25th, 2026"),
        ("ping <@U0SAM> in <#C0ONCALL>, not <@U0BOB>", "ping @Sam in #oncall, not @U0BOB"),
    ],
)
def test_a_viewer_sees_dates_in_their_zone_and_people_by_name(source: str, expected: str) -> None:
    assert mrkdwn_to_text(source, BERLIN) == expected


def test_without_a_viewer_dates_show_their_fallback() -> None:
    assert mrkdwn_to_text(f"<!date^{PAID}^{{time}}|09:12 UTC>") == "09:12 UTC"
