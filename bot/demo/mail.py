"""The demo's support mailbox: a customer writes to support@ from Gmail, the team answers from Slack by email,
and the customer's answer, written in Gmail, joins the same ticket.

The mail is composed as Gmail composes it (multipart/alternative, its Message-ID form, "On … wrote:" quoting
the shop's reply, In-Reply-To and References taken from the mail it answers), put in the stand-in IMAP server,
and read by the bot's own IMAP client and watcher; the reply leaves through a stand-in SMTP server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.demo.script import CustomerMail, Scene, at

SHOP_ADDRESS = "support@shop.example"
SHOP_NAME = "Shop support"


_JUN: dict[str, Any] = {"name": "Jun Park", "address": "jun.park@example.kr", "timezone": "Asia/Seoul"}
JUN_SUBJECT = "Course videos stop after chapter 3"


def jun_writes() -> Iterator[Scene]:
    yield Scene(
        at("12:05"),
        "Jun, in Seoul, writes to support@ from Gmail: the mail becomes a ticket",
        mail=CustomerMail(
            **_JUN,
            message_id="CAJ7h+K2mQ4dVx1=demo-jun-0001@mail.gmail.com",
            subject=JUN_SUBJECT,
            text=(
                "Hello,\n\nI bought the Async Python video course on Monday. The lessons after chapter 3 do not "
                "play: the player says “not authorised”. Could you have a look?\n\nThanks,\nJun\n\n-- \nJun Park\n"
                "Seoul"
            ),
        ),
    )
    yield Scene(at("12:15"), "Sam answers from Slack; the reply goes out by email, threaded", team_does="email-reply")
    yield Scene(
        at("12:40"),
        "Jun answers in Gmail: his mail joins the ticket's thread, the quoted reply left out",
        mail=CustomerMail(
            **_JUN,
            message_id="CAJ7h+K2mQ4dVx1=demo-jun-0002@mail.gmail.com",
            text="It works now, all twelve chapters. Thank you for the quick help!",
            answers_shop=True,
        ),
    )
    yield Scene(
        at("12:50"),
        "Sam's last word closes the ticket; References now name the whole conversation",
        team_does="email-reply-and-close",
    )


# What Sam writes in the Reply modal for each of the scenes above, and whether he ticks "Close the ticket".
SAM_REPLIES = {
    "email-reply": (
        "Hi Jun, sorry about that: your course access had not been renewed after the update. It is fixed now; "
        "please reload the player and chapter 4 onwards will play.",
        False,
    ),
    "email-reply-and-close": ("Glad to hear it, Jun. Enjoy the course!", True),
}


def compose(mail: CustomerMail, sent_at: datetime, answering: EmailMessage | None = None) -> bytes:
    """The raw mail as the customer's Gmail would send it, dated in the customer's own zone."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"{mail.name} <{mail.address}>"
    message["To"] = SHOP_ADDRESS
    message["Date"] = format_datetime(sent_at.astimezone(ZoneInfo(mail.timezone)))
    message["Message-ID"] = f"<{mail.message_id}>"
    text = mail.text
    if answering is None:
        message["Subject"] = mail.subject or "(no subject)"
    else:
        subject = str(answering["Subject"])
        message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        parent = str(answering["Message-ID"])
        message["In-Reply-To"] = parent
        message["References"] = " ".join([*str(answering.get("References") or "").split(), parent])
        when = format_datetime(sent_at.astimezone(ZoneInfo(mail.timezone)))
        quoted = "\n".join(f"> {line}" if line else ">" for line in answering.get_content().strip().splitlines())
        text = f"{text}\n\nOn {when}, {answering['From']} wrote:\n{quoted}\n"
    message.set_content(text)
    paragraphs = "".join(f"<div>{_html(line) or '<br>'}</div>" for line in text.splitlines())
    message.add_alternative(f'<div dir="ltr">{paragraphs}</div>', subtype="html")
    return message.as_bytes()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
