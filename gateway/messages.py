"""Command-line messages in Indonesian and English (LDP_LANG, else LANG; English by default)."""
from __future__ import annotations

import os

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
    "no_suppressions": ("tidak ada alamat yang diblokir dari email otomatis",
                        "no address is suppressed from automatic mail"),
    "unsuppressed": ("email otomatis ke {address} dikirim lagi",
                     "automatic mail to {address} resumes"),
    "not_suppressed": ("{address} tidak diblokir", "{address} is not suppressed"),
}


def language() -> str:
    value = os.environ.get("LDP_LANG") or os.environ.get("LANG") or ""
    return "id" if value.lower().startswith("id") else "en"


def t(key: str, **values: object) -> str:
    indonesian, english = TEXT[key]
    return (indonesian if language() == "id" else english).format(**values)
