"""Which mail a customer wrote: a table of the headers real auto-responders, bounces and loops carry."""

from __future__ import annotations

import pytest

from bot.policies.mail_rules import MailKind, classify_mail

SHOP = "support@shop.example"


@pytest.mark.parametrize(
    ("headers", "content_type", "report_type", "sender", "kind"),
    [
        ({}, "text/plain", None, "ann@example.com", MailKind.CUSTOMER),
        ({"auto-submitted": "no"}, "text/plain", None, "ann@example.com", MailKind.CUSTOMER),
        ({"auto-submitted": "No; comment"}, "text/plain", None, "ann@example.com", MailKind.CUSTOMER),
        ({"auto-submitted": "auto-replied"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"auto-submitted": "auto-generated"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"precedence": "bulk"}, "text/plain", None, "news@example.com", MailKind.AUTO_REPLY),
        ({"precedence": "Junk"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"precedence": "list"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"precedence": "first-class"}, "text/plain", None, "ann@example.com", MailKind.CUSTOMER),
        ({"x-autoreply": "yes"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"x-autorespond": "Out of office"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"return-path": "<>"}, "text/plain", None, "ann@example.com", MailKind.AUTO_REPLY),
        ({"return-path": "<ann@example.com>"}, "text/plain", None, "ann@example.com", MailKind.CUSTOMER),
        ({}, "multipart/report", "delivery-status", "postmaster@example.com", MailKind.BOUNCE),
        ({}, "multipart/report", "Delivery-Status", "ann@example.com", MailKind.BOUNCE),
        # A read receipt is a report too, but not a bounce; it is automatic all the same.
        (
            {"auto-submitted": "auto-replied"},
            "multipart/report",
            "disposition-notification",
            "a@x.io",
            MailKind.AUTO_REPLY,
        ),
        ({}, "text/plain", None, "MAILER-DAEMON@mx.example.com", MailKind.BOUNCE),
        ({"x-loop": SHOP}, "text/plain", None, "ann@example.com", MailKind.LOOP),
        ({}, "text/plain", None, "Support@Shop.Example", MailKind.OWN),
        ({"auto-submitted": "auto-replied"}, "text/plain", None, SHOP, MailKind.OWN),
        ({}, "text/plain", None, None, MailKind.CUSTOMER),
    ],
)
def test_classify_mail(headers, content_type, report_type, sender, kind):
    assert classify_mail(headers, content_type, report_type, sender, SHOP) is kind


def test_without_a_shop_address_nothing_is_our_own():
    assert classify_mail({}, "text/plain", None, SHOP, None) is MailKind.CUSTOMER
