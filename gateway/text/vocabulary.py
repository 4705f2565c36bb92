"""The words a mail shows for the gateway's own values (statuses, priorities, field names, SLA
measures), in Indonesian and English: one table, so every mail and receipt says "diproses" for
an open ticket, never "open" in one place and "dibuka" in another.

Each table maps a stored value to (Indonesian, English). A value no table knows (a level such
as L1, a team id, a category) is shown as it is.
"""
from __future__ import annotations

from typing import Mapping

STATUS = {
    "new": ("baru", "new"),
    "open": ("diproses", "open"),
    "pending": ("ditunda", "pending"),
    "resolved": ("selesai", "resolved"),
    "closed": ("ditutup", "closed"),
}
PRIORITY = {
    "low": ("rendah", "low"),
    "normal": ("normal", "normal"),
    "high": ("tinggi", "high"),
    "urgent": ("mendesak", "urgent"),
}
# The ticket fields that receipts and notices name.
FIELD = {
    "level": ("tingkat", "level"),
    "team": ("tim", "team"),
    "status": ("keadaan", "status"),
    "priority": ("prioritas", "priority"),
    "category": ("kategori", "category"),
    "assignee": ("petugas", "assignee"),
    "followers": ("pengikut", "followers"),
    "merged_into": ("digabung ke", "merged into"),
    "parent": ("bagian dari insiden", "part of incident"),
    "related": ("tiket terkait", "related tickets"),
    "application": ("aplikasi", "application"),
    "lpse": ("LPSE", "LPSE"),
}
# The application a ticket concerns: only "other" has words; SPSE and SIKaP are names.
APPLICATION = {"other": ("lainnya", "other")}
# The SLA targets, as the reminder and breach notices name them.
MEASURE = {
    "first_response": ("tanggapan pertama", "first response"),
    "resolution": ("penyelesaian", "resolution"),
    "update": ("pembaruan kepada pelapor", "update to the reporter"),
}
# What the command line shows of outgoing mail and of a processed message.
OUTBOX = {
    "pending": ("menunggu", "pending"),
    "sending": ("sedang dikirim", "sending"),
    "sent": ("terkirim", "sent"),
    "dead": ("gagal", "dead"),
}
DISPOSITION = {
    "new_ticket": ("tiket baru", "new_ticket"),
    "follow_up": ("tindak lanjut", "follow_up"),
    "duplicate": ("duplikat", "duplicate"),
    "machine": ("email otomatis", "machine"),
    "dropped": ("dibuang", "dropped"),
    "refused": ("ditolak", "refused"),
    "quarantined": ("dikarantina", "quarantined"),
}
DIRECTION = {"inbound": ("masuk", "inbound"), "outbound": ("keluar", "outbound")}
VISIBILITY = {"public": ("publik", "public"), "internal": ("internal", "internal")}
# The stages of #progres (`desk/stages.py`), in the plain words a reporter reads.
STAGE = {"analysis": ("analisa masalah", "analysing the problem"),
         "fixing": ("perbaikan", "fixing the problem"),
         "testing": ("pengujian perbaikan", "testing the fix"),
         "release": ("rilis perbaikan", "releasing the fix")}
TABLES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "status": STATUS, "priority": PRIORITY, "field": FIELD, "measure": MEASURE,
    "outbox": OUTBOX, "disposition": DISPOSITION, "direction": DIRECTION,
    "visibility": VISIBILITY, "stage": STAGE, "application": APPLICATION,
}


def is_indonesian(language: str | None) -> bool:
    return (language or "").strip().lower().split("-")[0] == "id"


def word(kind: str, value: object, language: str | None) -> str:
    """The word for `value` of `kind` ("status", "priority", "field", "measure") in `language`;
    a value (or kind) without an entry is shown as it is, and None as "-"."""
    if value is None:
        return "-"
    text = str(getattr(value, "value", value))
    pair = TABLES.get(kind, {}).get(text)
    if pair is None:
        return text
    return pair[0] if is_indonesian(language) else pair[1]
