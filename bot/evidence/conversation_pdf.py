"""The customer's ticket conversation as a PDF a bank's reviewer can read: who wrote what, and when.

Made with ReportLab's platypus (long messages flow across pages). `invariant` keeps the bytes the same for the
same conversation, so an upload retried after a crash is the same file under the same idempotency key.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Said:
    """One message of the conversation."""

    author: str  # "Ann Example (customer)", "Support team"
    at: datetime
    body: str


@dataclass(frozen=True)
class Conversation:
    title: str  # "Ticket T-1042: Download link does not work"
    facts: Sequence[tuple[str, str]]  # ("Customer", "ann@example.com"), ("Sale", "$49.00 on 2026-11-20")
    messages: Sequence[Said]


def conversation_pdf(conversation: Conversation) -> bytes:
    # Imported here, when a dispute's evidence is drawn up: ReportLab and Pillow add 6.5 MB to the resident
    # memory of every `serve`, which the webhooks and sales it spends its life on never use.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10, leading=13)
    who = ParagraphStyle("who", parent=styles["Heading4"], spaceBefore=8, spaceAfter=2)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=conversation.title,
        author="supportbot",
        invariant=1,
    )
    story = [Paragraph(_text(conversation.title), styles["Title"])]
    story += [Paragraph(f"<b>{_text(name)}</b>: {_text(value)}", body) for name, value in conversation.facts]
    story.append(Spacer(1, 4 * mm))
    if not conversation.messages:
        story.append(Paragraph("No messages are on record.", body))
    for said in conversation.messages:
        story.append(HRFlowable(width="100%", thickness=0.5, spaceBefore=2, spaceAfter=2))
        story.append(Paragraph(f"{_text(said.author)} · {said.at.strftime('%Y-%m-%d %H:%M UTC')}", who))
        story += [Paragraph(_text(paragraph), body) for paragraph in _paragraphs(said.body)]
    document.build(story)
    return out.getvalue()


def _paragraphs(text: str) -> list[str]:
    # A blank line starts a paragraph; single line breaks stay (addresses, signatures, lists).
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block] or ["(empty message)"]


def _text(value: str) -> str:
    # Paragraph reads a small XML markup: the customer's text is escaped, its line breaks kept.
    # The built-in fonts cover Latin-1; other characters would print as boxes, so they are named instead.
    safe = "".join(ch if ord(ch) < 256 or ch in "\n" else _named(ch) for ch in value)
    return escape(safe).replace("\n", "<br/>")


def _named(ch: str) -> str:
    replacements = {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
    return replacements.get(ch, "?")
