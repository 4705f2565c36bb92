"""Command-line messages in Indonesian and English (LDP_LANG, else LANG; English by default)."""
from __future__ import annotations

import os

from gateway import vocabulary

TEXT = {
    "error": ("galat", "error"),
    "no_config": ("tidak ada berkas konfigurasi {path}: salin ldp.example.toml ke ldp.toml atau "
                  "beri --config", "no configuration file {path}: copy ldp.example.toml to "
                  "ldp.toml or pass --config"),
    "migrated": ("skema basis data diperbarui: {names}", "database schema migrated: {names}"),
    "up_to_date": ("skema basis data sudah mutakhir", "database schema is up to date"),
    "stored": ("tersimpan: {detail}", "stored: {detail}"),
    "refused": ("ditolak: {detail}", "refused: {detail}"),
    "no_tickets": ("tidak ada tiket", "no tickets"),
    "empty_outbox": ("kotak keluar kosong", "the outbox is empty"),
    "empty_quarantine": ("karantina kosong", "the quarantine is empty"),
    "retried": ("pesan karantina #{id}: {detail}", "quarantined message #{id}: {detail}"),
    "still_bad": ("pesan karantina #{id} masih gagal: {detail}",
                  "quarantined message #{id} still fails: {detail}"),
    "once_done": ("selesai: {stored} pesan diproses, {sent} email terkirim, {retried} ditunda, "
                  "{dead} gagal", "done: {stored} messages processed, {sent} mails sent, "
                  "{retried} deferred, {dead} failed"),
    "stopping": ("berhenti...", "stopping..."),
    "no_file": ("berkas tidak ditemukan: {path}", "file not found: {path}"),
    "rules_ok": ("{count} aturan valid", "{count} rules are valid"),
    "messages": ("pesan:", "messages:"),
    "events": ("riwayat:", "events:"),
    "attachment_line": ("{name} ({size} bita, {content_type})",
                        "{name} ({size} bytes, {content_type})"),
    "not_a_date": ("bukan tanggal (TTTT-BB-HH): {value!r}", "not a date (YYYY-MM-DD): {value!r}"),
    "demo_done": ("Demo LDP Gateway: {read} email dibaca, {sent} email terkirim (data di {workdir})",
                  "LDP Gateway demo: {read} mails read, {sent} mails sent (data in {workdir})"),
    "demo_outgoing": ("Email keluar:", "Outgoing mail:"),
    "demo_sent_to": ("  kepada {to}: {subject}", "  to {to}: {subject}"),
    "demo_first": ("Balasan pertama kepada pelapor:", "The first acknowledgement:"),
}

# The names of columns and fields in what people read (tables, `tickets show`, `parse`);
# JSON keeps its documented English keys.
HEADINGS = {
    "ref": ("tiket", "ref"), "level": ("tingkat", "level"), "status": ("keadaan", "status"),
    "priority": ("prioritas", "priority"), "team": ("tim", "team"),
    "category": ("kategori", "category"), "assignee": ("petugas", "assignee"),
    "reporter": ("pelapor", "reporter"), "subject": ("perihal", "subject"),
    "linked": ("tertaut", "linked"), "id": ("nomor", "id"), "attempts": ("percobaan", "attempts"),
    "to": ("kepada", "to"), "from": ("dari", "from"), "last_error": ("galat terakhir", "last_error"),
    "at": ("waktu", "at"), "source": ("sumber", "source"), "uid": ("uid", "uid"),
    "size": ("ukuran", "size"), "error": ("galat", "error"), "file": ("berkas", "file"),
    "drop": ("buang", "drop"), "rule": ("aturan", "rule"), "name": ("nama", "name"),
    "when": ("jika", "when"), "then": ("maka", "then"), "tried": ("dicoba", "tried"),
    "tags": ("label", "tags"), "language": ("bahasa", "language"),
    "message_id": ("message-id", "message_id"), "thread": ("utas tiket", "thread"),
    "machine": ("email otomatis", "machine"), "attachment": ("lampiran", "attachment"),
    "#": ("#", "#"),
}


def language() -> str:
    value = os.environ.get("LDP_LANG") or os.environ.get("LANG") or ""
    return "id" if value.lower().startswith("id") else "en"


def t(key: str, **values: object) -> str:
    indonesian, english = TEXT[key]
    return (indonesian if language() == "id" else english).format(**values)


def heading(name: str) -> str:
    """A column or field name in the output language; an unknown name is shown as it is."""
    pair = HEADINGS.get(name)
    return name if pair is None else pair[0 if language() == "id" else 1]


def word(kind: str, value: object) -> str:
    """A stored value (a status, a priority, ...) in the output language (`vocabulary`)."""
    return vocabulary.word(kind, value, language())
