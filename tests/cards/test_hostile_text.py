"""Nothing a customer, a provider or a help desk writes can mention, broadcast or link in Slack.

Every card builder gets records whose every outside field holds hostile text; what it draws (blocks, views and
the notification `text`) must carry none of it live. A fuzz test does the same with text Hypothesis makes up.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards.blocks import Card, section
from bot.cards.text import Mrkdwn, escape, link, md, mention
from tests.cards.hostile import all_problems, card_builders, draw_all, problems_in

HOSTILE = [
    "<!channel>",
    "<!here> please",
    "<!everyone>",
    "<@U0EVIL1>",
    "<@U0EVIL1|boss>",
    "<#C0EVIL1>",
    "<!subteam^S0EVIL1|@team>",
    "<https://evil.example/login|Reset your password>",
    "https://evil.example|<!channel>",
    "Tom & Jerry <b>bold</b> &lt;!channel&gt;",
    "ctl \x00\x07\x1b[31m red\r\n\x7f\x85 end",
    "<!channel" + "x" * 6000,
    ">" * 50 + "<" * 50,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_no_builder_lets_hostile_text_through(text: str) -> None:
    assert all_problems(draw_all(text)) == {}


def test_every_card_builder_is_fed_hostile_text() -> None:
    """A new builder must join the table in tests/cards/hostile.py, or this fails."""
    assert card_builders() - set(draw_all("plain")) == set()


def test_the_checker_sees_a_live_mention() -> None:
    """The test above cannot pass by checking nothing."""
    assert problems_in(Card(Mrkdwn("hi <!channel>"), [])) == ["live '<!channel>'"]
    assert problems_in([section("<@U0EVIL1> said")]) == ["live '<@U0EVIL1>'"]


def test_plain_text_is_escaped_once_and_our_markup_is_kept() -> None:
    card = Card(md("{} from {}: {}", mention("U0OURS1"), "a & b", escape("<!here>")), [])
    assert card.text == "<@U0OURS1> from a &amp; b: &lt;!here&gt;"
    assert Card("<!channel> & co", []).text == "&lt;!channel&gt; &amp; co"
    assert escape(escape("<x>")) == "&lt;x&gt;"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert link("https://x.example/?a=1&b=2|<!here>", "a|b") == "<https://x.example/?a=1&amp;b=2%7C%3C!here%3E|a|b>"
    assert link("javascript:alert(1)", "<label>") == "&lt;label&gt;"


_FRAGMENTS = st.sampled_from([*HOSTILE[:-1], "<", ">", "&", "|", "@", "!", "^", "\n", "*", "`"])
_TEXT = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), min_size=1, max_size=8).map("".join)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_fuzzed_text_never_becomes_live_markup(text: str) -> None:
    assert all_problems(draw_all(text)) == {}
