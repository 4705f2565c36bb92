"""mail-parser's reading of a skeleton (a large message with its long bodies lifted out,
`bigparts`) made whole again: each body text and attachment that held a marker is read from the
raw bytes instead, text only as far as it is kept (`bigtext`), an attachment only when its bytes
are read.

`resolve` returns None whenever it cannot show that the result is the one a whole parse gives;
the caller then parses with fewer runs lifted, or the whole message.
"""
from __future__ import annotations

import base64
import binascii
import codecs
from dataclasses import dataclass
from typing import Any, Callable

from gateway.parsers import bigparts, bigtext
from gateway.parsers.bigparts import Lifted

UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


@dataclass(frozen=True)
class Text:
    """One body's text as kept (cut after the caller's limit) and the length of all of it."""

    text: str
    size: int
    recovered: bool = False  # the declared charset failed: UTF-8 was used (a defect)


@dataclass(frozen=True)
class Bodies:
    plain: list[Text]
    html: list[Text]
    # attachment index -> (body pieces, how to decode them into the file's bytes)
    attachments: dict[int, tuple[Callable, Callable]]
    partial: bool = False  # only the message's beginning was parsed (mime.WHOLE_PARSE_BYTES)


def resolve(plain: list[str], html: list[str], items: list[dict], holders: dict,
            raw: bytes, lifted: tuple[Lifted, ...], limits: tuple[int, int],
            not_managed: list[str] = ()) -> Bodies | None:
    """The bodies mail-parser gave for the skeleton (`plain`, `html` entries and attachment
    `items`), each one that held a marker read from `raw` instead; None when that cannot be
    shown to be the whole parse."""
    if not all(_readable(leaf, lifted) for leaf in {id(v): v for v in holders.values()}.values()):
        return None
    seen: set[str] = set()  # the markers found in mail-parser's outputs
    try:
        texts = [_texts(plain, holders, raw, lifted, limits[0], True, seen),
                 _texts(html, holders, raw, lifted, limits[1], False, seen)]
        attachments = _attachments(items, holders, raw, lifted, seen)
    except bigtext.NotStreamable:
        return None
    if texts[0] is None or texts[1] is None or attachments is None:
        return None
    for entry in not_managed:  # text mail-parser keeps aside (text/csv inline): dropped here
        seen.update(run.marker for run in _found(entry, lifted))
    # A marker that shows nowhere was read as something else (a stateful charset turned it
    # into other characters): that body's text cannot be trusted to be the whole parse's.
    if seen != set(holders):
        return None
    return Bodies(texts[0], texts[1], attachments)


def _found(text: str, lifted: tuple[Lifted, ...]) -> list[Lifted]:
    return bigparts.markers_in(text, lifted) or bigparts.decoded_markers_in(text, lifted)


def _readable(leaf, lifted: tuple[Lifted, ...]) -> bool:
    """Whether every output mail-parser makes of this leaf shows its markers as they are (or,
    for a base64 body that is one marker, decoded), so none can go unnoticed."""
    cte = str(leaf.get("content-transfer-encoding", "")).lower()
    if cte.strip() == "base64":
        payload = leaf._payload.strip(" \t\r\n")
        if len(bigparts.markers_in(payload, lifted)) != 1 or len(payload) != 52:
            return False
    elif cte in UUENCODE:
        return False
    charset = leaf.get_content_charset("utf-8")
    try:
        codec = codecs.lookup(charset)
    except (LookupError, UnicodeError, TypeError, ValueError):
        return True  # mail-parser falls back to UTF-8
    if not getattr(codec, "_is_text_encoding", True):
        return True  # base64, zlib, rot13...: no text encoding, the same fallback
    # A charset that does not read ASCII as ASCII, or reads it by a state an earlier line set
    # (ISO-2022, HZ, UTF-7), could hide the markers.
    if codec.name.startswith(("iso2022", "hz", "utf-7", "utf_7")):
        return False
    try:
        return codecs.decode(b"ldp-Ab09+/", codec.name) == "ldp-Ab09+/"
    except Exception:  # noqa: BLE001 - any codec's failure means: do not lift this body
        return False


def _leaf_of(found: list[Lifted], holders: dict):
    leaves = {id(holders[run.marker]): holders[run.marker] for run in found}
    return next(iter(leaves.values())) if len(leaves) == 1 else None


def _texts(entries: list[str], holders: dict, raw: bytes, lifted: tuple[Lifted, ...],
           limit: int, newlines: bool, seen: set[str]) -> list[Text] | None:
    result = []
    for entry in entries:
        found = _found(entry, lifted)
        seen.update(run.marker for run in found)
        if not found:
            if bigparts.leaked(lifted, entry):
                return None
            result.append(Text(entry, -1))  # the caller measures it
            continue
        leaf = _leaf_of(found, holders)
        if leaf is None:
            return None
        result.append(Text(*bigtext.text(bigparts.body_of(leaf, raw, lifted),
                                         str(leaf.get("content-transfer-encoding", "")).lower(),
                                         leaf.get_content_charset("utf-8"), limit, newlines)))
    return result


def _attachments(items: list[dict], holders: dict, raw: bytes,
                 lifted: tuple[Lifted, ...], seen: set[str]) -> dict | None:
    found: dict[int, tuple[Callable, Callable]] = {}
    for index, item in enumerate(items or ()):
        payload: Any = item.get("payload")
        spot = bigparts.placed(lifted, payload) if item.get("binary") else None
        if spot is not None:
            seen.add(spot[0].marker)
            leaf = holders[spot[0].marker]
            found[index] = (bigparts.body_of(leaf, raw, lifted), _base64_or_text)
            continue
        shown = _shown(payload, item.get("binary"))
        markers = _found(shown, lifted)
        if not markers:
            if bigparts.leaked(lifted, shown):
                return None
            continue
        seen.update(run.marker for run in markers)
        leaf = _leaf_of(markers, holders)
        if leaf is None or not item.get("binary"):
            return None
        cte = str(leaf.get("content-transfer-encoding", "")).lower()
        decode = _base64_or_text if cte.strip() == "base64" else _transfer_decoder(cte)
        found[index] = (bigparts.body_of(leaf, raw, lifted), decode)
    return found


def _shown(payload: Any, binary: bool) -> str:
    """An attachment payload as text to look for markers in (a binary one decoded first)."""
    if not isinstance(payload, str):
        return ""
    if not binary:
        return payload
    try:
        return base64.b64decode(payload).decode("ascii", "replace")
    except (binascii.Error, ValueError):
        return payload


def _base64_or_text(pieces) -> bytes:
    """As mime does for a base64 attachment: decoded leniently, or kept as its text when it is
    not base64 at all. A body that is one run is decoded straight from the raw bytes."""
    pieces = list(pieces)
    filled = [p for p in pieces if len(p) > 64 or bytes(p).strip()]
    data = filled[0] if len(filled) == 1 else b"".join(pieces)
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return b"".join(pieces)


def _transfer_decoder(cte: str) -> Callable:
    return lambda pieces: b"".join(bigtext.transfer_decoded(pieces, cte))
