"""Attachment files that follow the transaction storing their rows: written (and fsynced)
under a pending name while it runs, moved into place only after its commit, removed when it
(or the message's savepoint) rolls back. A rollback leaves no file behind, so a quarantined
message's retry writes each file once.

Pending files live in `<attachments>.pending/<pid>/`, beside the attachments folder (the same
file system, so the move is a rename). A gateway killed between a commit and the moves leaves
its folder there: `recover` moves what a committed row names into place and deletes the rest,
for every process of this host that no longer runs.
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

log = logging.getLogger("ldp")
_local = threading.local()


def _frames() -> list[list[tuple[Path, Path]]]:
    frames = getattr(_local, "frames", None)
    if frames is None:
        frames = _local.frames = []
    return frames


@contextmanager
def following_transaction() -> Iterator[None]:
    """Around one transaction (database.transaction): the files staged inside it are moved
    into place after the outermost commit, handed to the enclosing transaction when this one
    is a savepoint, and deleted when it rolls back."""
    frames = _frames()
    frames.append([])
    try:
        yield
    except BaseException:
        _discard(frames.pop())
        raise
    staged = frames.pop()
    if frames:
        frames[-1].extend(staged)
    else:
        _promote(staged)


def pending_dir(folder: Path, pid: int | None = None) -> Path:
    return folder.parent / f"{folder.name}.pending" / str(pid or os.getpid())


def stage(folder: Path, storage_id: str, payload: bytes) -> None:
    """Write `payload` as `folder/storage_id` once the current transaction commits (at once
    outside a transaction). A file already in place under that name is reused."""
    final = folder / storage_id
    if final.exists() and final.stat().st_size == len(payload):
        return  # the same name is the same message's same part (tickets.attachment_id)
    frames = _frames()
    if not frames:
        folder.mkdir(parents=True, exist_ok=True)
        _write(final, payload)
        return
    pending = pending_dir(folder)
    pending.mkdir(parents=True, exist_ok=True)
    path = pending / storage_id
    _write(path, payload)
    frames[-1].append((path, final))


def locate(folder: Path, storage_id: str) -> Path | None:
    """Where a stored file is now: in place, or still pending in this process's transaction
    (a notice rendered in the transaction that stored the file reads it there); None when it
    is in neither. A storage id is a name we made (hex), never a path."""
    if not storage_id or not storage_id.isalnum():
        return None
    for path in (folder / storage_id, pending_dir(folder) / storage_id, folder / storage_id):
        if path.is_file():  # in place last again: the commit may have moved it meanwhile
            return path
    return None


def _write(path: Path, payload: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())


def _discard(staged: list[tuple[Path, Path]]) -> None:
    for path, _final in staged:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _promote(staged: list[tuple[Path, Path]]) -> None:
    folders = set()
    for path, final in staged:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)
        folders.add(final.parent)
    for folder in folders:  # the renames themselves survive a power cut
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def recover(folder: Path, committed: Callable[[str], bool]) -> int:
    """Finish the moves of gateway processes of this host that died between a commit and
    their moves: a pending file a committed row names (`committed(storage_id)`) goes into
    place, any other is deleted. Returns how many files were moved."""
    root = folder.parent / f"{folder.name}.pending"
    if not root.is_dir():
        return 0
    moved = 0
    for directory in root.iterdir():
        if not directory.name.isdigit() or _running(int(directory.name)):
            continue
        for path in directory.iterdir():
            if committed(path.name):
                folder.mkdir(parents=True, exist_ok=True)
                os.replace(path, folder / path.name)
                moved += 1
            else:
                path.unlink()
        directory.rmdir()
    if moved:
        log.info("attachments: %d file(s) of a gateway that died moved into place", moved)
    return moved


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process has staged nothing yet when it recovers
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
