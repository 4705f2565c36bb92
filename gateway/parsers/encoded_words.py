"""RFC 2047 encoded words decoded into text, whatever their charset claims.

Only ever applied to text a person reads (a subject, a display name, a file name): RFC 2047
forbids encoded words in an address, and `addresses` never decodes one there.
"""
from __future__ import annotations

import binascii
import codecs
from email.header import decode_header, make_header


def decode(value) -> str:
    """RFC 2047 decoding that never fails: a word in an unknown or lying charset is decoded
    as utf-8 with replacement characters, never left as `=?...?=` soup."""
    text = str(value)
    try:
        parts = decode_header(text)
    except (ValueError, binascii.Error):
        return text.replace("\x00", "")
    if all(isinstance(chunk, str) for chunk, _ in parts):
        return text.replace("\x00", "")
    try:
        return str(make_header(parts)).replace("\x00", "")
    except (LookupError, UnicodeError, ValueError):
        pass
    decoded = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            decoded.append(chunk)
        else:
            decoded.append(chunk.decode(codec(charset), "replace"))
    return "".join(decoded).replace("\x00", "")


def codec(charset: str | None) -> str:
    """The declared charset when Python knows it; mislabelled ones (uft-8...) become utf-8."""
    try:
        return codecs.lookup(charset or "utf-8").name
    except LookupError:
        return "utf-8"
