"""Desk bodies are HTML; Slack is shown their text, lines and paragraphs kept, markup and scripts gone."""

from __future__ import annotations

import pytest

from bot.integrations.desk_events.text import html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("plain words", "plain words"),
        ("<div>Hi,</div><div><br></div><div>the link &amp; the key</div>", "Hi,\n\nthe link & the key"),
        ("<p>One</p><p>Two<br>three</p>", "One\n\nTwo\nthree"),
        ("<ul><li>a</li><li>b</li></ul>", "• a\n• b"),
        ("<style>p {color: red}</style><p>kept</p><script>alert(1)</script>", "kept"),
        ("<p>&lt;@U123&gt; is text, not a mention</p>", "<@U123> is text, not a mention"),  # escaped for Slack later
        ('<div dir="ltr">Dana<br><br><br><br>Weiß</div>', "Dana\n\nWeiß"),
    ],
)
def test_html_becomes_the_text_a_person_reads(html: str, text: str):
    assert html_to_text(html) == text
