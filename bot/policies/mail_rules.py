"""Which mail comes from a customer: auto-replies, bounces, our own mail and loops never become tickets.

Pure: the headers in, a `MailKind` out. The rules are RFC 3834 (Auto-Submitted) and what mail servers and
clients really add to what no person wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
# Set by vacation responders and ticket systems that do not use Auto-Submitted.
_AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder")
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})


class MailKind(StrEnum):
    CUSTOMER = "customer"
    AUTO_REPLY = "auto-reply"  # out of office, vacation, "we got your message", mailing lists
    BOUNCE = "bounce"  # a delivery status notification
    OWN = "own"  # sent from the shop's own address
    LOOP = "loop"  # has been through a mail loop, or through us


def classify_mail(
    headers: Mapping[str, str], content_type: str, report_type: str | None, sender: str | None, shop: str | None
) -> MailKind:
    """`headers`: lowercased names to their (first) values; `sender`, `shop`: addresses, any case."""
    sender = (sender or "").strip().lower()
    if shop and sender == shop.strip().lower():
        return MailKind.OWN
    if content_type.lower() == "multipart/report" and (report_type or "").lower() == "delivery-status":
        return MailKind.BOUNCE
    if sender.partition("@")[0] in _DAEMONS:
        return MailKind.BOUNCE
    if "x-loop" in headers:
        return MailKind.LOOP
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return MailKind.AUTO_REPLY
    if headers.get("precedence", "").strip().lower() in _BULK_PRECEDENCE:
        return MailKind.AUTO_REPLY
    if any(name in headers for name in _AUTOREPLY_HEADERS):
        return MailKind.AUTO_REPLY
    if "return-path" in headers and headers["return-path"].strip() == "<>":
        # The null sender: only automatic mail (bounces, receipts) is sent from it (RFC 5321 4.5.5).
        return MailKind.AUTO_REPLY
    return MailKind.CUSTOMER


def is_customer(kind: MailKind) -> bool:
    return kind is MailKind.CUSTOMER
