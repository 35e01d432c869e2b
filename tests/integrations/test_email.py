"""SmtpMailer, with aiosmtplib underneath, over real SMTP against FakeSmtp (aiosmtpd)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from bot.core.errors import ProviderError
from bot.fakes.smtp import FakeSmtp, fake_smtp_server
from bot.integrations.contracts import OutgoingEmail
from bot.integrations.email import SmtpMailer

AT = datetime(2026, 11, 24, 12, 0, 5, tzinfo=UTC)
BODY = "Hi Carla,\n\nhere is a fresh download link. Grüße aus Köln 🍪 — 東京の件、了解です。\n\nAna\n"
PASSWORD = "correct horse battery staple"
# As long as Gmail's, so that the header would need folding.
PARENT_ID = "<CAF=xyz123+K7pQ-w9mZ3vR8tLx2NfHq4sY6bJd0cUeA1gVoXiT5rMn@mail.gmail.example.jp>"


def reply(**changes: object) -> OutgoingEmail:
    fields: dict = {
        "to": "carla@example.jp",
        "to_name": "Carla Mori",
        "subject": "Re: Download link says expired",
        "body": BODY,
        "message_id": "<reply-T-1042-1@shop.example>",
        "in_reply_to": PARENT_ID,
    }
    return OutgoingEmail(**{**fields, **changes})


def mailer_for(fake: FakeSmtp, **options) -> SmtpMailer:
    settings: dict = {
        "tls": fake.tls,
        "from_address": "support@shop.example",
        "from_name": "Shop Support",
        "timeout": 2.0,
        "now": lambda: AT,
    }
    if fake.tls != "none":
        settings["tls_context"] = fake.client_tls_context()
    if fake.username:
        settings.update(username=fake.username, password=fake.password)
    return SmtpMailer(fake.host, fake.port, **{**settings, **options})


@pytest.fixture
async def fake() -> AsyncIterator[FakeSmtp]:
    async with fake_smtp_server() as fake:
        yield fake


async def test_a_reply_is_delivered_as_threaded_utf8_plain_text(fake: FakeSmtp) -> None:
    sent = await mailer_for(fake).send(reply())

    [received] = fake.messages
    message = received.message
    assert (received.mail_from, received.rcpt_tos) == ("support@shop.example", ["carla@example.jp"])
    assert message["From"] == "Shop Support <support@shop.example>"
    assert message["To"] == "Carla Mori <carla@example.jp>"
    assert message["Subject"] == "Re: Download link says expired"
    assert message["Date"] == format_datetime(AT)
    assert sent == message["Message-ID"] == "<reply-T-1042-1@shop.example>"
    assert message["In-Reply-To"] == message["References"] == PARENT_ID
    # Literally, not as encoded text, which mail programs would not thread on.
    assert f"\nIn-Reply-To: {PARENT_ID}\r\n".encode() in received.raw
    assert f"\nReferences: {PARENT_ID}\r\n".encode() in received.raw
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == BODY
    assert "Auto-Submitted" not in message
    assert received.raw.isascii()  # 7-bit on the wire, so any server relays it unchanged


async def test_references_carry_the_whole_thread_literally_with_the_parent_last(fake: FakeSmtp) -> None:
    earlier = ("<first@mail.gmail.example.jp>", "<reply-T-1042-0@shop.example>", PARENT_ID)
    await mailer_for(fake).send(reply(references=earlier))

    [received] = fake.messages
    assert str(received.message["References"]).split() == list(earlier)
    assert received.message["In-Reply-To"] == PARENT_ID
    # One msg-id per folded line, never encoded text and never only the first id.
    assert f"\nReferences: {earlier[0]}\r\n {earlier[1]}\r\n {PARENT_ID}\r\n".encode() in received.raw


async def test_non_ascii_names_and_subjects_are_encoded_and_read_back(fake: FakeSmtp) -> None:
    await mailer_for(fake, from_name="Équipe Support").send(reply(to_name="森 カルラ", subject="Re: ダウンロード"))

    message = fake.messages[0].message
    assert message["From"] == "Équipe Support <support@shop.example>"
    assert message["To"] == "森 カルラ <carla@example.jp>"
    assert message["Subject"] == "Re: ダウンロード"


async def test_an_id_without_brackets_or_domain_is_completed(fake: FakeSmtp) -> None:
    sent = await mailer_for(fake).send(reply(message_id="reply-T-1042-2", in_reply_to=None))

    message = fake.messages[0].message
    assert sent == message["Message-ID"] == "<reply-T-1042-2@shop.example>"
    assert "In-Reply-To" not in message and "References" not in message


async def test_line_breaks_in_a_subject_cannot_add_a_header(fake: FakeSmtp) -> None:
    await mailer_for(fake).send(reply(subject="Refund?\r\nBcc: everyone@example.com\nX-Evil: 1"))

    [received] = fake.messages
    assert received.rcpt_tos == ["carla@example.jp"]
    assert "Bcc" not in received.message and "X-Evil" not in received.message
    assert received.message["Subject"] == "Refund? Bcc: everyone@example.com X-Evil: 1"


@pytest.mark.parametrize("to", ["not-an-address", "carla@example.jp\r\nBcc: x@example.com", "a@b@c", ""])
async def test_an_address_we_cannot_send_to_is_refused_before_connecting(fake: FakeSmtp, to: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await mailer_for(fake).send(reply(to=to))

    assert caught.value.retryable is False
    assert "not an email address" in caught.value.reason
    assert fake.messages == []


@pytest.mark.parametrize("tls", ["starttls", "tls"])
async def test_mail_goes_encrypted_and_logged_in(tls: str) -> None:
    async with fake_smtp_server(tls=tls, username="bot@shop.example", password=PASSWORD) as fake:
        await mailer_for(fake).send(reply())

    [received] = fake.messages
    assert (received.tls, received.login) == (True, "bot@shop.example")
    assert received.message.get_content() == BODY


async def test_plain_smtp_with_a_login_works_for_a_trusted_relay() -> None:
    async with fake_smtp_server(username="relay", password=PASSWORD) as fake:
        await mailer_for(fake).send(reply())

    assert [(m.tls, m.login) for m in fake.messages] == [(False, "relay")]


async def test_a_wrong_password_is_not_retryable_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with fake_smtp_server(tls="starttls", username="bot", password=PASSWORD) as fake:
        with pytest.raises(ProviderError) as caught:
            await mailer_for(fake, password="hunter2-wrong").send(reply())

    assert (caught.value.status, caught.value.retryable) == (535, False)
    assert "username and password" in caught.value.reason
    assert fake.failed_logins >= 1 and fake.messages == []
    for text in (str(caught.value), repr(mailer_for(fake)), caplog.text):
        assert "hunter2" not in text and PASSWORD not in text


async def test_a_server_requiring_a_login_refuses_mail_without_one() -> None:
    async with fake_smtp_server(username="bot", password=PASSWORD) as fake:
        with pytest.raises(ProviderError) as caught:
            await mailer_for(fake, username=None, password=None).send(reply())

    assert (caught.value.status, caught.value.retryable) == (530, False)


async def test_a_refused_recipient_is_not_retryable(fake: FakeSmtp) -> None:
    fake.refuse_recipient("carla@example.jp")

    with pytest.raises(ProviderError) as caught:
        await mailer_for(fake).send(reply())

    assert (caught.value.status, caught.value.retryable) == (550, False)
    assert "refused the recipient carla@example.jp: 550 5.1.1 No such user here" in caught.value.reason
    assert fake.messages == []


async def test_a_temporary_failure_is_retryable_and_the_retry_is_the_same_message(fake: FakeSmtp) -> None:
    fake.fail_next()
    mailer = mailer_for(fake)

    with pytest.raises(ProviderError) as caught:
        await mailer.send(reply())
    sent = await mailer.send(reply())

    assert (caught.value.status, caught.value.retryable) == (451, True)
    assert [m.message["Message-ID"] for m in fake.messages] == [sent]


async def test_a_permanent_failure_of_the_message_is_not_retryable(fake: FakeSmtp) -> None:
    fake.fail_next(reply="554 5.7.1 Message rejected as spam")

    with pytest.raises(ProviderError) as caught:
        await mailer_for(fake).send(reply())

    assert (caught.value.status, caught.value.retryable) == (554, False)
    assert "rejected as spam" in caught.value.reason


async def test_a_server_that_is_down_is_retryable() -> None:
    async with fake_smtp_server() as gone:
        pass  # closed: nothing listens on its port any more

    with pytest.raises(ProviderError) as caught:
        await mailer_for(gone).send(reply())

    assert caught.value.retryable is True
    assert caught.value.reason == "could not reach 127.0.0.1"


async def test_a_server_answering_too_slowly_is_retryable(fake: FakeSmtp) -> None:
    fake.fail_next(delay=3.0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await mailer_for(fake, timeout=0.3).send(reply())

    assert caught.value.retryable is True
    assert "in time" in caught.value.reason
    assert time.monotonic() - started < 1.5


async def test_starttls_never_falls_back_to_sending_in_the_clear(fake: FakeSmtp) -> None:
    with pytest.raises(ProviderError) as caught:
        await mailer_for(fake, tls="starttls").send(reply())

    assert caught.value.retryable is False
    assert "STARTTLS" in caught.value.reason
    assert fake.messages == []


async def test_an_untrusted_certificate_is_not_retryable() -> None:
    async with fake_smtp_server(tls="starttls") as fake:
        with pytest.raises(ProviderError) as caught:
            await mailer_for(fake, tls_context=None).send(reply())

    assert caught.value.retryable is False
    assert "certificate" in caught.value.reason
    assert fake.messages == []


async def test_implicit_tls_against_a_plain_port_says_to_check_the_mode(fake: FakeSmtp) -> None:
    with pytest.raises(ProviderError) as caught:
        await mailer_for(fake, tls="tls").send(reply())

    assert caught.value.retryable is False
    assert "TLS mode and port" in caught.value.reason


async def test_the_body_never_reaches_our_logs(fake: FakeSmtp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next()

    with pytest.raises(ProviderError):
        await mailer_for(fake).send(reply())
    await mailer_for(fake).send(reply())

    ours = [record.getMessage() for record in caplog.records if record.name.startswith("bot.")]
    assert ours  # it does log, just not the body
    assert not any("fresh download link" in line or "Grüße" in line for line in ours)


@pytest.mark.parametrize(
    "options",
    [
        {"tls": "ssl"},
        {"username": "bot", "password": None},
        {"from_address": "Support"},
    ],
    ids=["unknown tls mode", "username without password", "sender is not an address"],
)
def test_a_mailer_set_up_wrong_fails_at_start(options: dict) -> None:
    settings: dict = {"from_address": "support@shop.example", **options}

    with pytest.raises(ValueError):
        SmtpMailer("smtp.example.com", **settings)
