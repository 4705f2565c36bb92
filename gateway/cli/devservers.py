"""Throw-away mail servers on loopback for the demo, the tests and the benchmarks.

IMAP: a private Dovecot instance (from Debian's package) when `dovecot` is installed, else pymap's
in-memory server. SMTP: an aiosmtpd sink that keeps every message it receives. Nothing here is
used by `ldp run`; it only stands in for the outside world.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot")
                                      else None)
DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{root}/mail/%u:LAYOUT=fs
mail_uid = {uid}
mail_gid = {gid}
imap_idle_notify_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass
class ImapServer:
    kind: str
    host: str
    port: int
    username: str
    password: str
    process: subprocess.Popen | None = None
    root: Path | None = None

    def stop(self) -> None:
        if self.process is not None:
            if self.kind == "dovecot":
                subprocess.run([DOVECOT, "-c", str(self.root / "dovecot.conf"), "stop"],
                               capture_output=True, timeout=30)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        if self.root is not None and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)


def start_imap(kind: str | None = None, username: str = "helpdesk@lpse.example",
               password: str = "rahasia") -> ImapServer:
    """Start Dovecot (kind 'dovecot', the default where installed) or pymap ('pymap')."""
    kind = kind or os.environ.get("LDP_TEST_IMAP") or ("dovecot" if DOVECOT else "pymap")
    if kind == "dovecot":
        if not DOVECOT:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        return _start_dovecot(username, password)
    return _start_pymap(username, password)


def _start_dovecot(username: str, password: str) -> ImapServer:
    import grp
    import pwd
    root = Path(tempfile.mkdtemp(prefix="ldp-dovecot-"))
    port = free_port()
    user = "dovecot" if _has_user("dovecot") else "root"
    mail_user = pwd.getpwnam("nobody") if _has_user("nobody") else pwd.getpwuid(os.getuid())
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chmod(root, 0o755)
    os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
    (root / "passwd").write_text(f"{username}:{{PLAIN}}{password}::::::\n")
    config = DOVECOT_CONF.format(root=root, port=port, user=user,
                                 group=grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name,
                                 uid=mail_user.pw_uid, gid=mail_user.pw_gid)
    (root / "dovecot.conf").write_text(config)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
    except RuntimeError:
        process.kill()
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        raise RuntimeError(f"dovecot did not start: {process.stderr.read().decode()} {log}")
    return ImapServer("dovecot", "127.0.0.1", port, username, password, process, root)


def _start_pymap(username: str, password: str) -> ImapServer:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pymap.main import main; sys.exit(main())",
         "--host", "127.0.0.1", "--port", str(port), "--no-tls",
         "dict", "--demo-user", username, "--demo-password", password],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return ImapServer("pymap", "127.0.0.1", port, username, password, process)


def _has_user(name: str) -> bool:
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@dataclass
class SmtpSink:
    """An aiosmtpd server that keeps what it receives; `refuse` makes it answer with a code."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: tuple[int, str] | None = None
    controller: object = None
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        if self.refuse:
            return f"{self.refuse[0]} {self.refuse[1]}"
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  bytes(envelope.original_content or envelope.content)))
            self.arrived.notify_all()
        return "250 OK"

    def start(self) -> "SmtpSink":
        import logging
        from aiosmtpd.controller import Controller
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = self.port or free_port()
        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
        return True
