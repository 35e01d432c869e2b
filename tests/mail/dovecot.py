"""A real Dovecot IMAP server for tests: unprivileged, in a short temporary directory, on a free port.

Dovecot 2.3 (Debian 12's `dovecot-imapd`). Its config lives entirely in the temporary directory: no system
config is read and nothing outside the directory is written. As root (CI), the master process may stay root,
but Dovecot refuses mail access as uid 0, so the mail user is `nobody` and its home is handed to it; the
internal and login processes use the `dovecot`/`dovenull` users the package creates. As anyone else, every
process runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "shop"
PASSWORD = "imap-test-password"

_CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose: no delay after a failed login.
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:~/Maildir
mail_privileged_group =
imap_idle_notify_interval = 1 secs
mail_fsync = never
passdb {{
  driver = passwd-file
  args = {base}/users
}}
userdb {{
  driver = passwd-file
  args = {base}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # Without this socket, failed logins are not penalised with growing delays (tests fail logins on purpose).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _users() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid) for whoever runs the tests."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
    nobody = pwd.getpwnam("nobody")
    internal = "dovecot" if _exists("dovecot") else "nobody"
    login = "dovenull" if _exists("dovenull") else "nobody"
    return internal, login, nobody.pw_uid, nobody.pw_gid


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def start(binary: str = "dovecot") -> tuple[Dovecot, subprocess.Popen[bytes], Path]:
    if shutil.which(binary) is None:
        raise RuntimeError("Dovecot is not installed: apt-get install dovecot-imapd (.ci/run does it)")
    # Unix socket paths must stay under ~100 characters: a short directory in /tmp, not pytest's tmp_path.
    base = Path(tempfile.mkdtemp(prefix="dc", dir="/tmp"))
    internal, login, uid, gid = _users()
    home = base / "home"
    (home / "Maildir").mkdir(parents=True)
    for path in (home, home / "Maildir"):
        os.chown(path, uid, gid)
    base.chmod(0o755)
    (base / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::\n")
    port = free_port()
    config = base / "dovecot.conf"
    config.write_text(_CONFIG.format(base=base, internal=internal, login=login, uid=uid, port=port))
    with (base / "stdout.log").open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [shutil.which(binary) or binary, "-F", "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
        )
    server = Dovecot("127.0.0.1", port, USER, PASSWORD, base / "dovecot.log")
    try:
        _wait_for_greeting(server, process, base)
    except BaseException:
        stop(process, base)
        raise
    return server, process, base


def _wait_for_greeting(server: Dovecot, process: subprocess.Popen[bytes], base: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (base / "stdout.log").read_text(errors="replace")
            log = server.log.read_text(errors="replace") if server.log.exists() else ""
            raise RuntimeError(f"Dovecot exited with {process.returncode}: {output}{log}")
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("Dovecot did not greet within 15 s")


def stop(process: subprocess.Popen[bytes], base: Path) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    shutil.rmtree(base, ignore_errors=True)
