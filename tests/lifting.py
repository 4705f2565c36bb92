"""The whole parse a lifted one must equal (bigparts lifts nothing), and the comparison."""
from __future__ import annotations

import dataclasses

from gateway.parsers import bigparts, mime


def whole(raw: bytes, monkeypatch):
    """The parse as it was before lifting: the whole message through mail-parser."""
    with monkeypatch.context() as patch:
        patch.setattr(bigparts, "LIFT_MESSAGE_BYTES", 1 << 60)
        return mime.parse(raw)


def assert_same(lifted, full) -> None:
    """Field for field, and every attachment's name, type, size and bytes."""
    for field in dataclasses.fields(full):
        if field.name != "attachments":
            assert getattr(lifted, field.name) == getattr(full, field.name), field.name
    assert [(a.name, a.content_type, a.size, a.payload) for a in lifted.attachments] == \
        [(a.name, a.content_type, a.size, a.payload) for a in full.attachments]
