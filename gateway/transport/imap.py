"""IMAP with imapclient (the only module that imports it): fetch by UID with BODY.PEEK[] after
checking RFC822.SIZE, IDLE, and acknowledge (move, or copy and delete, or flag) after commit.

Every network or protocol failure leaves as TemporaryFailure, so the service can back off and
reconnect; nothing here changes the mailbox before the caller says a message is stored.
"""
from __future__ import annotations

import logging
import socket
import time
import ssl
from dataclasses import dataclass
from typing import Iterator

import imapclient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from gateway.text import config_problems
from gateway.config import Imap
from gateway.errors import ConfigError, TemporaryFailure

PROCESSED_KEYWORD = b"$LDPProcessed"
NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, IMAPClientError, EOFError)


@dataclass(frozen=True, order=True)
class Waiting:
    uid: int
    size: int


SIZES_PER_FETCH = 1000


class Mailbox:
    """One connection to one folder. Use as a context manager, or call connect()/close()."""

    def __init__(self, settings: Imap) -> None:
        self.settings = settings
        self.client: imapclient.IMAPClient | None = None
        self.uidvalidity = 0
        self.can_move = False
        self.can_idle = False
        self.folders: dict[str, str] = {}

    def __enter__(self) -> "Mailbox":
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        s = self.settings
        try:
            client = imapclient.IMAPClient(s.host, port=s.port, ssl=s.security == "ssl",
                                           timeout=s.timeout, use_uid=True)
            if s.security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(s.username, s.password)
            capabilities = set(client.capabilities())
            self.can_move = b"MOVE" in capabilities
            self.can_idle = b"IDLE" in capabilities
            self.folders = {name: _server_name(client, name)
                            for name in (s.processed_folder, s.quarantine_folder) if name}
            for folder in self.folders.values():
                if not client.folder_exists(folder):
                    client.create_folder(folder)
            selected = client.select_folder(s.folder)
            self.uidvalidity = int(selected[b"UIDVALIDITY"])
            self.client = client
        except LoginError as exc:
            if _login_temporary(exc):
                raise TemporaryFailure(f"IMAP {s.host}:{s.port}: login: {_describe(exc)}") \
                    from None
            # A refused login will not pass by retrying: say which, never with the password.
            raise ConfigError(config_problems.line("imap_login", host=s.host, port=s.port,
                                               user=s.username or '""')) from None
        except NETWORK_ERRORS as exc:
            raise TemporaryFailure(f"IMAP {s.host}:{s.port}: {_describe(exc)}") from exc

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.logout()
        except NETWORK_ERRORS:
            pass
        self.client = None

    def waiting(self, after_uid: int) -> list[Waiting]:
        """Messages above the cursor with their sizes, lowest UID first."""
        client = self._client()
        try:
            # NOOP first: Dovecot answers SEARCH from the session's last view of the folder, so
            # without it a poll would only see mail that arrived before the previous poll.
            client.noop()
            uids = sorted(u for u in client.search(["UID", f"{after_uid + 1}:*"])
                          if u > after_uid)
            waiting = []
            # The sizes a slice at a time: the parsed answer for a backlog of ten thousand in
            # one piece took several megabytes for a moment, a peak that grew with the backlog.
            for start in range(0, len(uids), SIZES_PER_FETCH):
                sizes = client.fetch(uids[start:start + SIZES_PER_FETCH], ["RFC822.SIZE"])
                waiting += sorted(Waiting(uid, int(data.get(b"RFC822.SIZE", 0)))
                                  for uid, data in sizes.items())
        except NETWORK_ERRORS as exc:
            raise TemporaryFailure(f"IMAP search: {_describe(exc)}") from exc
        return waiting

    def fetch(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        """The raw bytes of each message, in UID order, without setting \\Seen."""
        client = _quiet(self._client())
        try:
            data = client.fetch(uids, ["BODY.PEEK[]"])
        except NETWORK_ERRORS as exc:
            raise TemporaryFailure(f"IMAP fetch: {_describe(exc)}") from exc
        for uid in sorted(data):
            # Popped, so a message already handed out is not kept alive by this batch.
            body = data.pop(uid).get(b"BODY[]")
            if body is not None:
                yield uid, bytes(body)  # the same object when it is bytes already
            del body

    def fetch_header(self, uid: int) -> bytes:
        client = _quiet(self._client())
        try:
            data = client.fetch([uid], ["BODY.PEEK[HEADER]"])
        except NETWORK_ERRORS as exc:
            raise TemporaryFailure(f"IMAP fetch: {_describe(exc)}") from exc
        return bytes(data.get(uid, {}).get(b"BODY[HEADER]", b""))

    def acknowledge(self, uids: int | list[int], folder: str) -> None:
        """Take stored messages out of the way: move them, or mark them where moving is
        impossible. One command for the whole set: on Dovecot a MOVE costs a few milliseconds
        (a file system sync) whether it carries one UID or fifty."""
        uids = [uids] if isinstance(uids, int) else list(uids)
        if not uids:
            return
        client = self._client()
        folder = self.folders.get(folder, folder)
        try:
            if folder and self.can_move:
                client.move(uids, folder)
            elif folder:
                client.copy(uids, folder)
                client.add_flags(uids, [imapclient.DELETED, PROCESSED_KEYWORD])
                client.uid_expunge(uids) if client.has_capability("UIDPLUS") else None
            else:
                client.add_flags(uids, [imapclient.SEEN, PROCESSED_KEYWORD])
        except NETWORK_ERRORS as exc:
            raise TemporaryFailure(f"IMAP acknowledge UID {_uid_set(uids)}: {_describe(exc)}") \
                from exc

    def wait(self, timeout: float, stop=None) -> bool:
        """IDLE until the server reports a change, the timeout passes or `stop` is set.

        It checks `stop` every second so that SIGTERM is answered promptly; the caller
        re-issues IDLE (with a catch-up fetch first) at least every `idle_renew` seconds.
        """
        client = self._client()
        deadline = time.monotonic() + timeout
        try:
            client.idle()
            try:
                while time.monotonic() < deadline and not (stop and stop.is_set()):
                    started = time.monotonic()
                    responses = client.idle_check(timeout=min(1.0, timeout))
                    if _news(responses):
                        return True
                    # imapclient swallows EOF: a poll that wakes early with nothing to read
                    # means the server (or the network) closed the connection.
                    if not responses and time.monotonic() - started < 0.05:
                        raise TemporaryFailure("IMAP IDLE: the connection was closed")
            finally:
                client.idle_done()
        except NETWORK_ERRORS as exc:
            raise TemporaryFailure(f"IMAP IDLE: {_describe(exc)}") from exc
        return False

    def idle_available(self) -> bool:
        return self.settings.idle and self.can_idle

    def _client(self) -> imapclient.IMAPClient:
        if self.client is None:
            raise TemporaryFailure("IMAP: not connected")
        return self.client


def _quiet(client: imapclient.IMAPClient) -> imapclient.IMAPClient:
    """Stop imaplib from formatting every response for a debug log nobody reads.

    imapclient sets imaplib's debug level to 5 and routes its messages to the logger
    "imapclient.imaplib"; imaplib then builds the repr of each response before the logger can
    decline it. For a 27 MB literal that was two strings of about 63 MB each, the largest cost
    of a fetch. The protocol trace is kept when that logger is enabled for DEBUG."""
    imap = getattr(client, "_imap", None)
    if imap is not None and not logging.getLogger("imapclient.imaplib").isEnabledFor(
            logging.DEBUG):
        imap.debug = 0
    return client


def _uid_set(uids: list[int]) -> str:
    return str(uids[0]) if len(uids) == 1 else f"{min(uids)}..{max(uids)} ({len(uids)})"


def _news(responses: list) -> bool:
    """EXISTS and RECENT mean new mail; keep-alive chatter does not."""
    return any(len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses)


def _server_name(client: imapclient.IMAPClient, name: str) -> str:
    """Configured names use '/'; servers with another hierarchy delimiter get theirs."""
    try:
        namespaces = client.namespace().personal if client.has_capability("NAMESPACE") else None
        delimiter = namespaces[0][1] if namespaces and namespaces[0][1] else "/"
    except NETWORK_ERRORS:
        delimiter = "/"
    if isinstance(delimiter, bytes):
        delimiter = delimiter.decode()
    return name.replace("/", delimiter)


def _login_temporary(exc: LoginError) -> bool:
    """imapclient turns every error during LOGIN into LoginError: a dropped connection, or the
    server's [UNAVAILABLE] (RFC 5530: its authentication backend is down), means try again."""
    return isinstance(exc.__context__, IMAPClientAbortError) or "[UNAVAILABLE]" in str(exc)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
