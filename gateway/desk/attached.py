"""Which stored files a mail carries, and what it says of them: a reporter's files on the
agents' notices, an agent's (`parsers.own_files` chose them) on the reporter's mail.

All of them or none: together within `support.max_attached_bytes` they are attached (the
notice names them by reference, `domain.NoticeFile`; `compose` reads the bytes when it
renders); beyond it the mail lists each with its size, and an agent's notice says how to fetch
it (`ldp attachments get REF ID`). A mail either has the files or says plainly that it has not.
"""
from __future__ import annotations

from typing import Any, Sequence

from gateway.domain import NoticeFile
from gateway.excerpt import human_size
from gateway.store.tickets import StoredFile


# Files one mail carries at most, whatever their size: each is open while the mail renders
# (1,500 one-byte files passed the 1,024 open files a service gets by default and failed the
# report), and a part each.
MAX_CARRIED_FILES = 100


def carried(files: Sequence[StoredFile], limit: int, inline: bool = True
            ) -> tuple[NoticeFile, ...]:
    """The files as the notice's references when together they fit `limit` and are at most
    MAX_CARRIED_FILES, else none. `inline`: keep inline images' Content-IDs (the agents'
    notice shows them); a reporter's mail attaches an agent's files as plain files."""
    if not files or sum(f.size for f in files) > limit or len(files) > MAX_CARRIED_FILES:
        return ()
    return tuple(f.notice_file(inline_id(f) if inline else "") for f in files)


# Shown inline only as the raster images every mail client shows safely (an SVG can script).
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def inline_id(item: StoredFile) -> str:
    """The Content-ID a file goes inline under in an agents' notice, "" for a plain file."""
    return item.content_id if item.content_type in INLINE_TYPES else ""


def fields(ref: str, files: Sequence[StoredFile], attached: bool, limit: int,
           inline: bool = True) -> dict[str, Any]:
    """Template fields: `files` (id, name, size, content ID of each, for people), whether they
    are `files_attached`, their total and the limit, and the command that fetches one.
    `inline` as for `carried`: without it no file is shown in the HTML by its Content-ID."""
    return {"files": [{"id": f.id, "name": f.name, "size": size(f.size),
                       "cid": inline_id(f) if inline else ""}
                      for f in files],
            "files_attached": attached,
            # Not attached for their number, not their size: the mail says so.
            "files_too_many": not attached and len(files) > MAX_CARRIED_FILES,
            "files_max": MAX_CARRIED_FILES,
            "files_total": size(sum(f.size for f in files)),
            "files_limit": size(limit),
            "files_command": f"ldp attachments get {ref}",
            "files_list_command": f"ldp attachments list {ref}"}


def size(count: int) -> str:
    """A file's size for people: bytes below a kilobyte (a 2-byte file is not "0 KB")."""
    return f"{count} B" if count < 1024 else human_size(count)
