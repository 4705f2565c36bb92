"""The project's own types: every layer above speaks these, never an outside library's.

Plain enums and frozen dataclasses, standard library only (`problems` below is too).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Mapping

from gateway.text.problems import Problem


class Level(StrEnum):
    L0 = "L0"
    L1 = "L1"
    L2 = "L2"


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Disposition(StrEnum):
    """What became of one inbound message; the service acknowledges the mailbox from it."""

    NEW_TICKET = "new_ticket"
    FOLLOW_UP = "follow_up"
    DUPLICATE = "duplicate"
    MACHINE = "machine"
    DROPPED = "dropped"
    REFUSED = "refused"
    QUARANTINED = "quarantined"
    HELD = "held"  # kept in quarantine, unanswered: its sender is over the new-ticket cap


@dataclass(frozen=True)
class Address:
    email: str
    name: str = ""

    def __str__(self) -> str:
        if not self.name:
            return self.email
        name = self.name
        if any(c in name for c in '()<>@,;:\\"[]'):
            # Quoted as RFC 5322 quotes it, so a name that looks like an address (or holds
            # angle brackets) never passes for the address that follows it.
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{self.email}>"


@dataclass(frozen=True)
class Attachment:
    """An attachment as parsed: the name is already reduced to a safe base name."""

    name: str
    content_type: str
    payload: bytes = field(repr=False)
    # An image shown inside the mail's HTML: its Content-ID without <> ("" for a plain file).
    content_id: str = ""

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass(frozen=True)
class NoticeFile:
    """A stored attachment a notice carries: a reference, never the bytes (the outbox keeps a
    notice as JSON; `compose` reads the file from the attachments folder when it renders)."""

    storage_id: str
    name: str
    content_type: str
    size: int
    content_id: str = ""  # kept, so the notice's HTML can show an inline image


@dataclass(frozen=True)
class InboundMail:
    """One received message, decoded. `headers` maps lower-case names to every value, in order."""

    message_id: str | None
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    headers: Mapping[str, tuple[str, ...]]
    digest: str
    raw: bytes = field(repr=False)
    defects: tuple[str, ...] = ()
    # The length of the whole text when `text` was cut (mime.TEXT_CHARS); 0 when not known.
    text_size: int = 0

    @property
    def text_cut(self) -> bool:
        """Whether `text` is the first part of a longer text (the original has all of it)."""
        return self.text_size > len(self.text)

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def dedup_key(self) -> str:
        """The Message-ID, or the hash of the bytes when the mail has none."""
        return self.message_id or f"sha256:{self.digest}"


@dataclass(frozen=True)
class MachineVerdict:
    """Why a mail is machine mail (never answered): kind is auto-reply, bounce, list, loop..."""

    kind: str
    reason: str
    permanent: bool | None = None
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precomputed:
    """What the parse worker worked out beside parsing a mail, so the pipeline need not:
    autoreply's verdict, and for mail a person wrote the routing decision (None otherwise)."""

    verdict: MachineVerdict | None
    decision: RoutingDecision | None = None


@dataclass(frozen=True)
class Command:
    """One `#command` line of an agent's reply. `error` is set when the line is not valid."""

    line: str
    name: str
    args: tuple[str, ...] = ()
    text: str = ""
    error: Problem | None = None


@dataclass(frozen=True)
class RoutingDecision:
    """Where a new ticket goes, and why: the rule that decided and every rule tried."""

    team: str
    category: str | None = None
    priority: Priority = Priority.NORMAL
    tags: tuple[str, ...] = ()
    assignee: str | None = None
    language: str | None = None
    drop: bool = False
    matched: tuple[str, ...] = ()
    # What the mail concerns, from the operator's list (`routing.lpse`): the application's
    # name and the LPSE's code, None when it names neither. The new ticket keeps them.
    application: str | None = None
    lpse: str | None = None
    tried: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transition:
    """A named state change from the levels table."""

    name: str
    from_status: Status | None
    to_status: Status
    to_level: Level | None = None


@dataclass(frozen=True)
class Notice:
    """An email to send, before rendering: which template, to whom, about what."""

    template: str
    to: Address
    language: str
    context: Mapping[str, object]
    ticket_ref: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: str = "auto-replied"
    reply_to: str | None = None
    message_id: str | None = None
    # Files sent with it: (file name, MIME type, text), such as the service report's page.
    attachments: tuple[tuple[str, str, str], ...] = ()
    # Copies on the same mail (the ticket's followers on the reporter's mail): a Cc header,
    # and envelope recipients beside `to`.
    cc: tuple[Address, ...] = ()
    # Stored attachments sent with it (a reporter's files to the agents, an agent's to the
    # reporter), read from the attachments folder when the notice is rendered.
    files: tuple[NoticeFile, ...] = ()


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered email, ready for SMTP: the same bytes and Message-ID on every retry."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    raw: bytes = field(repr=False)
    template: str = ""
    text: str = ""
    visibility: Visibility = Visibility.PUBLIC


@dataclass(frozen=True)
class Outcome:
    """The result of processing one inbound message."""

    disposition: Disposition
    ticket_ref: str | None = None
    detail: str = ""
    message_key: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A ticket's current state, as the pipeline and the command line see it."""

    id: int
    ref: str
    subject: str
    reporter: Address
    level: Level
    team: str
    status: Status
    priority: Priority
    category: str | None
    assignee: str | None
    language: str
    tags: tuple[str, ...] = ()
    linked_ref: str | None = None
    # What it concerns (`routing.lpse`): the application's name and the LPSE's code.
    application: str | None = None
    lpse: str | None = None


@dataclass(frozen=True)
class Links:
    """A ticket's links to other tickets (`store.links`), by reference, as the desk's plan
    reads them: what it was merged into, its incident (parent) and that incident's own parents
    up the chain, its children, and the tickets related to it."""

    ref: str
    level: Level
    team: str
    status: Status
    merged_into: str | None = None
    parents: tuple[str, ...] = ()  # its parent first, then the parent's parent, ...
    children: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
