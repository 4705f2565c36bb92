"""`ldp attachments list TICKET` and `ldp attachments get TICKET NAME|ID [--output PATH]`: the
files a ticket holds (the reporter's and the agents'), listed or given back byte for byte.

A file's name came from a mail, so it is hostile: it is reduced to a safe base name again
before it names a file here (never a path out of the folder), a file is never overwritten
unless `--force` says so, and the bytes are checked against the SHA-256 stored at intake.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from gateway.cli.common import context, print_rows
from gateway.errors import CannotCreate, NotFound, UsageError
from gateway.failures import EX_OK
from gateway.parsers.mime import safe_filename
from gateway.parsers.safetext import shown
from gateway.text.messages import t

CHUNK = 1 << 20


def cmd_attachments_list(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    context(args, migrate=False)
    ticket = tickets.get_ticket(args.ref)
    files = tickets.ticket_files(ticket)
    # The message a file came with, numbered as `ldp tickets original REF N` numbers them.
    numbers = {key: tickets.message_number(ticket, key)
               for key in dict.fromkeys(f.message_key for f in files)}
    rows = [{"id": f.id, "name": f.name, "type": f.content_type, "size": f.size,
             # A table shows a SHA-256's first 16 digits (the table cuts cells at 60); JSON
             # all of it.
             "sha256": f.sha256 if args.json else f.sha256[:16],
             "message": numbers[f.message_key], "from": f.author,
             "kind": f.kind, "content_id": f.content_id or None} for f in files]
    print_rows(args, rows, ["id", "name", "type", "size", "sha256", "message", "from"],
               t("no_attachments", ref=ticket.ref))
    return EX_OK


def cmd_attachments_get(args: argparse.Namespace) -> int:
    from gateway.store import tickets
    ctx = context(args, migrate=False)
    ticket = tickets.get_ticket(args.ref)
    item = pick(tickets.ticket_files(ticket), args.file, ticket.ref)
    source = (ctx.attachments_dir or Path(".")) / item.storage_id
    if not source.is_file():
        raise NotFound(t("attachment_missing", ref=ticket.ref, id=item.id, path=str(source)))
    if _sha256(source) != item.sha256:  # checked before a byte is written anywhere
        raise NotFound(t("attachment_changed", ref=ticket.ref, id=item.id, path=str(source)))
    if args.output is None and not sys.stdout.isatty():
        _copy(source, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return EX_OK
    target = Path(args.output) if args.output else Path(safe_filename(item.name))
    if target.is_dir():
        target = target / safe_filename(item.name)
    try:
        # O_EXCL: an existing file (or a link planted under that name) is never written over
        # unless --force says so.
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if args.force else os.O_EXCL)
        handle = os.fdopen(os.open(target, flags, 0o644), "wb")
    except FileExistsError:
        raise CannotCreate(t("attachment_exists", path=str(target))) from None
    with handle:
        _copy(source, handle)
    print(t("attachment_written", path=shown(str(target)), size=item.size,
            name=shown(item.name)))
    return EX_OK


def pick(files: list, wanted: str, ref: str):
    """The file a NAME or an ID names: an ID of this ticket's files first, then the exact
    name, then the name in any case; more than one file by that name is refused with the
    candidates listed (their IDs tell them apart)."""
    wanted = wanted.strip()
    if wanted.isdigit():
        found = [f for f in files if f.id == int(wanted)]
        if found:
            return found[0]
    for same in (lambda f: f.name == wanted, lambda f: f.name.lower() == wanted.lower()):
        found = [f for f in files if same(f)]
        if len(found) == 1:
            return found[0]
        if found:
            candidates = ", ".join(f"{f.id} ({shown(f.name)}, {f.size}, {shown(f.author)})"
                                   for f in found)
            raise UsageError(t("attachment_ambiguous", name=wanted, ref=ref,
                               candidates=candidates))
    raise NotFound(t("no_attachment", name=wanted, ref=ref))


def _sha256(source: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(source: Path, target) -> None:
    """The stored file to `target`, a megabyte at a time."""
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            target.write(chunk)
