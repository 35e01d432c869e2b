"""Desk message bodies are HTML from the desk's editor or a customer's mail: shown in Slack as plain text.

The standard library's HTMLParser is enough for this: we keep text, line breaks and paragraphs, drop scripts,
styles and quoted blocks' markup, and never interpret anything (the text is escaped again for Slack later).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr"})
_SKIP = frozenset({"script", "style", "head", "title"})
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS and tag not in ("br", "li"):  # a list item starts a line; one is enough
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ")))


def html_to_text(body: str) -> str:
    """Plain text of an HTML body; a body without markup comes back as it was (trimmed)."""
    if "<" not in body and "&" not in body:
        return body.strip()
    parser = _Text()
    parser.feed(body)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
