"""Real-world-shaped mail, parsed: the customer's new text only, every charset and header decoded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.mailbox.events import body_text
from bot.mailbox.parse import Attachment, parse_mail, subject_key
from bot.policies.mail_rules import MailKind
from tests.mail.conftest import sample

SHOP = "support@shop.example"


def parsed(name: str, **fill: str):
    return parse_mail(sample(name, **fill), SHOP)


def test_a_gmail_reply_keeps_only_the_new_text_and_names_its_parents():
    mail = parsed("gmail_reply.eml", PARENT="<reply.1@shop.example>")
    assert mail.text == "That worked, thank you so much! The app shows Pro now."
    assert mail.kind is MailKind.CUSTOMER
    assert mail.sender == "dana.whitfield@gmail.com" and mail.sender_name == "Dana Whitfield"
    assert mail.message_id == "<CAJx8Qm0pZ3kT5u+Yh2Lw8vN4cR1eG7sDq@mail.gmail.com>"
    assert mail.parents == ("<reply.1@shop.example>", "<CAJx8Qm2Vw7n4F+kqP1=Xd9sT0aH6yB3rLm@mail.gmail.com>")
    assert mail.sent_at == datetime(2026, 12, 1, 15, 2, 41, tzinfo=UTC)


def test_an_outlook_reply_in_iso_8859_1_loses_the_von_block_and_the_signature():
    mail = parsed("outlook_reply_latin1.eml")
    assert mail.subject == "AW: Rückerstattung für Bestellung #5120"
    assert mail.text.startswith("Hallo,\n\nich warte immer noch auf die Rückerstattung. Bitte prüfen Sie das.")
    assert "Von:" not in mail.text and "kümmern" not in mail.text


def test_an_apple_mail_reply_loses_the_quote_and_sent_from_my_iphone():
    mail = parsed("apple_mail_reply.eml")
    assert "Perfect, the company name on the invoice is correct now." in mail.text
    assert "Sent from my iPhone" not in mail.text and "corrected invoice" not in mail.text


def test_an_8bit_latin1_mail_is_decoded_and_its_dash_dash_signature_cut():
    mail = parsed("thunderbird_latin1_8bit.eml")
    assert mail.sender_name == "Renée Lefèvre" and mail.subject == "Problème de téléchargement"
    assert "Le lien de téléchargement ne fonctionne pas, j'ai déjà essayé deux fois." in mail.text
    assert "12 rue des Lilas" not in mail.text


def test_html_only_mail_becomes_text_and_encoded_words_are_decoded():
    mail = parsed("html_only_encoded_subject.eml")
    assert mail.subject == "注文について / question about my order"
    assert "I ordered the Team plan but was billed for the Solo plan & my team cannot log in." in mail.text
    assert "Order: #6001" in mail.text and "<" not in mail.text and "margin" not in mail.text


def test_a_forward_keeps_what_it_carries_and_lists_its_attachment_by_name_and_size():
    mail = parsed("gmail_forward_attachment.eml")
    assert "I was charged twice" in mail.text and "Amount paid: $49.00" in mail.text
    assert mail.attachments == (Attachment("bank-statement-nov.pdf", 99),)
    assert body_text(mail.text, [{"name": "bank-statement-nov.pdf", "size": 99}]).endswith(
        "Attachments: bank-statement-nov.pdf (99 B)"
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("outlook_out_of_office.eml", MailKind.AUTO_REPLY),
        ("dsn_bounce.eml", MailKind.BOUNCE),
        ("own_address.eml", MailKind.OWN),
        ("gmail_new.eml", MailKind.CUSTOMER),
    ],
)
def test_who_wrote_it(name, kind):
    assert parsed(name).kind is kind


def test_a_mail_without_message_id_gets_the_same_identity_each_time():
    raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    assert parse_mail(raw, SHOP).message_id == parse_mail(raw, SHOP).message_id
    assert parse_mail(raw, SHOP).message_id != parse_mail(raw + b"again\r\n", SHOP).message_id


@pytest.mark.parametrize(
    ("subject", "key"),
    [
        ("Re: Order #4417", "order #4417"),
        ("RE: re:  Order   #4417", "order #4417"),
        ("AW: Rückerstattung", "rückerstattung"),
        ("Fwd: Receipt", "receipt"),
        ("Re[2]: Order", "order"),
        ("", None),
        (None, None),
    ],
)
def test_subject_key(subject, key):
    assert subject_key(subject) == key
