"""The conversation PDF as a bank's reviewer reads it: every message, who wrote it and when, in order."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta

import pypdf

from bot.evidence.conversation_pdf import Conversation, Said, conversation_pdf
from tests.clocks import START


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def conversation(messages: list[Said]) -> Conversation:
    return Conversation("Conversation with Ann Example", [("Customer", "Ann Example, ann@example.com")], messages)


def test_each_message_is_shown_with_its_author_and_time_in_order():
    pdf = conversation_pdf(
        conversation(
            [
                Said("Ann Example (customer)", START, "[Download link]\nThe link says expired.\n\nCan you help?"),
                Said("Sam (support)", START + timedelta(minutes=7), "Here is a new link: https://shop.example/d/1"),
            ]
        )
    )
    pages, text = text_of(pdf)
    assert pdf.startswith(b"%PDF-") and pages == 1
    assert text.index("The link says expired.") < text.index("Here is a new link")
    assert "Ann Example (customer) · 2026-11-24 12:00 UTC" in text and "Sam (support) · 2026-11-24 12:07 UTC" in text
    assert "Customer: Ann Example, ann@example.com" in text


def test_markup_in_a_message_is_printed_as_written_and_the_same_conversation_makes_the_same_file():
    said = [
        Said("<b>Mallory</b> (customer)", START, "<script>alert(1)</script> & <font size=90>big</font> “quoted” – ok")
    ]
    pdf = conversation_pdf(conversation(said))
    _, text = text_of(pdf)
    assert "<script>alert(1)</script> & <font size=90>big</font>" in text and '"quoted" - ok' in text
    assert "<b>Mallory</b> (customer)" in text
    assert conversation_pdf(conversation(said)) == pdf  # a retried upload is the same file


def test_a_long_conversation_flows_over_pages_and_an_empty_one_says_so():
    long = [Said("Ann (customer)", START + timedelta(hours=n), f"Message {n}. " + "words " * 150) for n in range(40)]
    pages, text = text_of(conversation_pdf(conversation(long)))
    assert pages > 3 and "Message 0." in text and "Message 39." in text
    assert "No messages are on record." in text_of(conversation_pdf(conversation([])))[1]


def test_serve_loads_reportlab_only_when_evidence_is_drawn_up():
    # A new interpreter: this one may have imported ReportLab already. Its 6.5 MB count against serve's memory.
    wired = "import sys, bot.app.server; print(sorted(m for m in ('reportlab', 'PIL') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", wired], capture_output=True, text=True, check=True)  # noqa: S603
    assert loaded.stdout.strip() == "[]"
