"""The one place Slack text is made safe: customer and provider words can never become mentions or links.

Slack reads `<!channel>`, `<!here>`, `<@U…>` and `<https://x|label>` in mrkdwn and in a message's top-level
`text` (the notification), and decodes only `&amp;`, `&lt;` and `&gt;`. So text from outside is escaped, and
text we write ourselves (a mention of the on-call person, a date, a link to a card) is marked `Mrkdwn`.

`Mrkdwn` is the only way to say "this is markup and safe to send": `escape()` returns it and passes it through
unchanged (so nothing is escaped twice), and `Card` escapes any plain `str` it is given as its text. Forgetting
to mark our own markup shows as a visible `&lt;` in a test; forgetting to escape a customer's words cannot
happen for the notification text.
"""

from __future__ import annotations

import re

# C0 and C1 controls other than the newline and the tab: Slack shows them as boxes, and a stray \r or \x1b
# makes logs and terminals lie about what was sent.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SLACK_ID = re.compile(r"[A-Z0-9]{2,40}")
_URL_SCHEMES = ("https://", "http://", "mailto:")


class Mrkdwn(str):
    """Slack markup that is safe to send as it is: written by us, with every outside part escaped."""

    __slots__ = ()


def escape(text: str | None) -> Mrkdwn:
    """Words shown as written: Slack must not read them as mentions, links or entities."""
    if isinstance(text, Mrkdwn):
        return text
    if not text:
        return Mrkdwn("")
    text = _CONTROLS.sub("", text)
    return Mrkdwn(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def md(template: str, *values: object) -> Mrkdwn:
    """`template` is ours; each value is escaped unless it is already `Mrkdwn` (`md("{} by {}", amount, who)`)."""
    return Mrkdwn(template.format(*(v if isinstance(v, Mrkdwn) else escape(str(v)) for v in values)))


def mention(user_id: str | None) -> Mrkdwn:
    """`<@U…>` for a Slack user id; anything that is not one is shown as text, never as a mention."""
    if user_id and _SLACK_ID.fullmatch(user_id) and user_id[0] in "UW":
        return Mrkdwn(f"<@{user_id}>")
    return escape(user_id or "someone")


def channel_mention(channel_id: str) -> Mrkdwn:
    if _SLACK_ID.fullmatch(channel_id) and channel_id[0] in "CGD":
        return Mrkdwn(f"<#{channel_id}>")
    return escape(channel_id)


def safe_url(url: str | None) -> str | None:
    """A URL fit for `<url|label>`: http(s) or mailto, with nothing that could end the link or start another."""
    if not url:
        return None
    url = _CONTROLS.sub("", url.strip())
    if not url.lower().startswith(_URL_SCHEMES) or any(c.isspace() for c in url):
        return None
    # `|` and `>` would end the link early and `<` start another; Slack decodes `&amp;` back to `&`.
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def link(url: str | None, label: str) -> Mrkdwn:
    """A link with a label; without a usable URL, just the label."""
    target = safe_url(url)
    shown = escape(label)
    return Mrkdwn(f"<{target}|{shown}>") if target else shown
