"""The operator's canned answers (`#templat NAMA` inside a #balas): one Jinja template per
answer and language, `DIR/id/NAMA.txt` and `DIR/en/NAMA.txt`, in the folder `[answers] dir`
names. The folder is read at each use, so an operator's new or edited answer counts at once,
without a restart. Nothing here renders: `desk.canned` does, in `compose`'s sandbox, because
whoever may write in that folder is not trusted with the gateway's process.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("id", "en")
# A name an agent can type on a command line: lower case, digits, "-" and "_".
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_SOURCE_BYTES = 64 * 1024  # a longer file is no answer anyone writes by hand


@dataclass(frozen=True)
class Answer:
    name: str
    language: str
    path: Path

    def source(self) -> str:
        """The template's text; OSError or UnicodeDecodeError (or ValueError when too long).
        Never through a link, nor from a pipe or device (a file swapped for one after the
        listing is not read, and no open waits)."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        with os.fdopen(os.open(self.path, flags), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise OSError(f"{self.path}: not a regular file")
            data = file.read(MAX_SOURCE_BYTES + 1)
        if len(data) > MAX_SOURCE_BYTES:
            raise ValueError(f"{self.path}: longer than {MAX_SOURCE_BYTES} bytes")
        return data.decode("utf-8")

    def first_line(self) -> str:
        """Its first line that is not blank, as written (a Jinja tag and all); "" if none."""
        try:
            text = self.source()
        except (OSError, ValueError):
            return ""
        return next((line.strip() for line in text.splitlines() if line.strip()), "")


def listing(folder: str) -> tuple[Answer, ...]:
    """Every answer in `folder`, by name then language (Indonesian first); none when the
    folder is not set or not there. Files whose names are no answer name are left out, and so
    are links and whatever lies outside the folder (a link to the configuration would put its
    secret into a reporter's mail)."""
    if not folder:
        return ()
    found = []
    root = Path(folder).resolve()
    for language in LANGUAGES:
        place = Path(folder) / language
        try:
            inside = place.resolve().parent == root
            paths = sorted(place.iterdir()) if inside and place.is_dir() else []
        except OSError:
            paths = []
        found += [Answer(p.stem, language, p) for p in paths
                  if p.suffix == ".txt" and NAME.fullmatch(p.stem) and not p.is_symlink()
                  and p.is_file()]
    return tuple(sorted(found, key=lambda a: (a.name, LANGUAGES.index(a.language))))


def names(folder: str) -> tuple[str, ...]:
    """The answers' names, each once, sorted."""
    return tuple(dict.fromkeys(a.name for a in listing(folder)))


def find(folder: str, name: str, language: str) -> Answer | None:
    """The answer `name` in `language`, else in the other language (a reporter writing in
    English is better served by the Indonesian answer than by none), else None."""
    wanted = [a for a in listing(folder) if a.name == name.lower()]
    return next((a for a in wanted if a.language == language), wanted[0] if wanted else None)
