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
            raw: bytes, lifted: tuple[Lifted, ...], limits: tuple[int, int]) -> Bodies | None:
    """The bodies mail-parser gave for the skeleton (`plain`, `html` entries and attachment
    `items`), each one that held a marker read from `raw` instead; None when that cannot be
    shown to be the whole parse."""
    if not all(_readable(leaf, lifted) for leaf in set(holders.values())):
        return None
    try:
        texts = [_texts(plain, holders, raw, lifted, limits[0], True),
                 _texts(html, holders, raw, lifted, limits[1], False)]
        attachments = _attachments(items, holders, raw, lifted)
    except bigtext.NotStreamable:
        return None
    if texts[0] is None or texts[1] is None or attachments is None:
        return None
    return Bodies(texts[0], texts[1], attachments)


def _readable(leaf, lifted: tuple[Lifted, ...]) -> bool:
    """Whether every output mail-parser makes of this leaf shows its markers as they are (or,
    for a base64 body that is one marker, decoded), so none can go unnoticed."""
    cte = str(leaf.get("content-transfer-encoding", "")).lower()
    if cte.strip() == "base64":
        payload = leaf._payload.strip(" \t\r\n")
        return len(bigparts.markers_in(payload, lifted)) == 1 and len(payload) == 52
    if cte in UUENCODE:
        return False
    charset = leaf.get_content_charset("utf-8")
    try:  # a charset that does not read ASCII as ASCII would hide the markers
        return codecs.decode(b"ldp-Ab09+/", charset) == "ldp-Ab09+/"
    except (LookupError, UnicodeError, TypeError):
        return True  # mail-parser falls back to UTF-8


def _leaf_of(found: list[Lifted], holders: dict):
    leaves = {id(holders[run.marker]): holders[run.marker] for run in found}
    return next(iter(leaves.values())) if len(leaves) == 1 else None


def _texts(entries: list[str], holders: dict, raw: bytes, lifted: tuple[Lifted, ...],
           limit: int, newlines: bool) -> list[Text] | None:
    result = []
    for entry in entries:
        found = bigparts.markers_in(entry, lifted) or bigparts.decoded_markers_in(entry, lifted)
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
                 lifted: tuple[Lifted, ...]) -> dict | None:
    found: dict[int, tuple[Callable, Callable]] = {}
    for index, item in enumerate(items or ()):
        payload: Any = item.get("payload")
        spot = bigparts.placed(lifted, payload) if item.get("binary") else None
        if spot is not None:
            leaf = holders[spot[0].marker]
            found[index] = (bigparts.body_of(leaf, raw, lifted), _base64_or_text)
            continue
        seen = _shown(payload, item.get("binary"))
        markers = bigparts.markers_in(seen, lifted) or bigparts.decoded_markers_in(seen, lifted)
        if not markers:
            if bigparts.leaked(lifted, seen):
                return None
            continue
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
