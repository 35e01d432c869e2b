"""`supportbot doctor` logs in to the support mailbox and opens its folder read-only, and says what to fix."""

from __future__ import annotations

import socket
from pathlib import Path

from bot.doctor import diagnose
from bot.doctor.checks import Status
from bot.fakes.slack import FakeSlack
from tests.harness import bot_settings
from tests.mail.conftest import MailFolder


def mailbox_check(found):
    [check] = [c for c in found if c.name == "support mailbox"]
    return check


async def test_a_working_mailbox_passes(mail_folder: MailFolder, slack: FakeSlack, tmp_path: Path):
    settings = bot_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", slack, **mail_folder.settings())
    check = mailbox_check(await diagnose(settings))
    assert check.status is Status.OK and f"folder {mail_folder.name!r} opened (read-only)" in check.detail


async def test_a_rotated_password_fails_with_the_fix(mail_folder: MailFolder, slack: FakeSlack, tmp_path: Path):
    settings = bot_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", slack, **mail_folder.settings(imap_password="old-password")
    )
    check = mailbox_check(await diagnose(settings))
    assert check.status is Status.FAILED and "refused the login for shop" in check.detail
    assert "app password" in check.fix


async def test_a_missing_folder_or_a_closed_port_fails(mail_folder: MailFolder, slack: FakeSlack, tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    missing = mailbox_check(await diagnose(bot_settings(url, slack, **mail_folder.settings(imap_folder="Nope"))))
    assert missing.status is Status.FAILED and "_FOLDER" in missing.fix
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = mailbox_check(await diagnose(bot_settings(url, slack, **mail_folder.settings(imap_port=closed))))
    assert down.status is Status.FAILED and "could not reach 127.0.0.1" in down.detail


async def test_without_a_mailbox_it_is_skipped(slack: FakeSlack, tmp_path: Path):
    check = mailbox_check(await diagnose(bot_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", slack)))
    assert check.status is Status.SKIPPED and "tickets come only from webhooks" in check.detail
