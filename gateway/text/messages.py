"""Command-line messages in Indonesian and English (LDP_LANG, else LANG; English by default)."""
from __future__ import annotations

import os

from gateway.text import vocabulary

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
    # Errors of the command line itself (gateway/cli/errors.py, gateway/cli/support.py).
    "see_help": ("lihat {prog} --help", "see {prog} --help"),
    "arg_required": ("argumen wajib belum diberikan: {names}",
                     "the following arguments are required: {names}"),
    "arg_unknown": ("argumen tidak dikenal: {names}", "unrecognized arguments: {names}"),
    "arg_choice": ("argumen {arg}: pilihan tidak sah {value} (pilih dari {choices})",
                   "argument {arg}: invalid choice: {value} (choose from {choices})"),
    "arg_one_value": ("argumen {arg}: perlu satu nilai", "argument {arg}: expected one argument"),
    "arg_invalid": ("argumen {arg}: {detail}", "argument {arg}: {detail}"),
    "arg_ambiguous": ("opsi ambigu: {detail}", "ambiguous option: {detail}"),
    "bad_date": ("bukan tanggal (TTTT-BB-HH): {value}", "not a date (YYYY-MM-DD): {value}"),
    "bad_id": ("bukan nomor: {value}", "not a number: {value}"),
    "bad_address": ("bukan satu alamat email (nama@domain): {value}",
                    "not one email address (name@domain): {value}"),
    "bad_number": ("bukan angka nol atau lebih: {value}", "not a number of zero or more: {value}"),
    "dates_reversed": ("--to {end} lebih awal dari --from {start}",
                       "--to {end} is before --from {start}"),
    "no_lpse": ("tidak ada LPSE yang cocok", "no LPSE matches"),
    "lpse_applications": ("{count} LPSE; aplikasi: {applications} (daftar: {source})",
                          "{count} LPSE; applications: {applications} (list: {source})"),
    "unknown_lpse": ("LPSE tidak ada dalam daftar: {name} (yang mirip: {close})",
                     "LPSE not in the list: {name} (close ones: {close})"),
    "unknown_application": ("aplikasi tidak dikenal: {name} (yang ada: {known})",
                            "unknown application: {name} (known: {known})"),
    "unknown_team": ("tim tidak dikenal: {team} (yang ada: {known})",
                     "unknown team: {team} (known: {known})"),
    "no_ticket": ("tidak ada tiket {ref}", "no ticket {ref}"),
    "no_message": ("tiket {ref} tidak punya pesan masuk nomor {number}",
                   "ticket {ref} has no inbound message number {number}"),
    "original_missing": ("berkas asli pesan {number} tiket {ref} tidak ada: {path}",
                         "the original of message {number} of ticket {ref} is missing: {path}"),
    "original_written": ("pesan asli ditulis ke {path} ({size})",
                         "original message written to {path} ({size})"),
    "db_unreachable": ("basis data {url} tidak dapat dihubungi (coba lagi nanti): {detail}",
                       "cannot connect to the database {url} (try again later): {detail}"),
    "no_quarantined": ("tidak ada pesan karantina #{id}", "no quarantined message #{id}"),
    "no_database": ("basis data {url} belum ada: jalankan `ldp init` dulu",
                    "the database {url} does not exist yet: run `ldp init` first"),
    "no_schema": ("basis data {url} belum berisi skema: jalankan `ldp init` dulu",
                  "the database {url} has no schema yet: run `ldp init` first"),
    "old_schema": ("skema basis data {url} perlu diperbarui ({names}): jalankan `ldp init`",
                   "the database {url} needs migrating ({names}): run `ldp init`"),
    "db_unreadable": ("basis data {url} tidak dapat dibaca: {detail}",
                      "the database {url} cannot be read: {detail}"),
    "cannot_write": ("tidak dapat menulis {path}: {detail}", "cannot write {path}: {detail}"),
    "os_enoent": ("tidak ada berkas atau folder itu", "no such file or folder"),
    "os_enotdir": ("bagian jalurnya bukan folder", "a part of the path is not a folder"),
    "os_eisdir": ("ini folder, bukan berkas", "is a folder, not a file"),
    "os_eacces": ("akses ditolak", "permission denied"),
    "os_enospc": ("ruang disk habis", "no space left on the disk"),
    "os_erofs": ("sistem berkas hanya-baca", "read-only file system"),
    "not_a_folder": ("bukan folder: {path}", "not a folder: {path}"),
    "unexpected": ("kesalahan tak terduga: {detail} (jalankan dengan --debug untuk rinciannya)",
                   "unexpected error: {detail} (run with --debug for details)"),
    "choose_command": ("pilih perintah: {names}", "choose a command: {names}"),
    "starting": ("ldp run: kotak surat {mailbox}, basis data {database}, konfigurasi {config}",
                 "ldp run: mailbox {mailbox}, database {database}, configuration {config}"),
    "progress_intake": ("masuk: {done}/{total} pesan diproses ({percent} %), {elapsed} dtk",
                        "intake: {done}/{total} messages processed ({percent} %), {elapsed} s"),
    "progress_rules": ("rules test: {done}/{total} email diperiksa ({percent} %), {elapsed} dtk",
                       "rules test: {done}/{total} mails explained ({percent} %), {elapsed} s"),
    "lease_wait": ("menunggu lease kotak surat {name}: dipegang {holder} (terlihat sejak {since}, "
                   "berlaku s.d. {expires} kecuali diperbarui); sudah {waited} dtk",
                   "waiting for the mailbox lease {name}: held by {holder} (seen since {since}, "
                   "expires {expires} unless renewed); waited {waited} s"),
    "lease_standby": ("kotak surat {name} dipegang gateway lain ({holder}): hanya mengirim",
                      "another gateway ({holder}) holds the mailbox {name}: only sending"),
    "rules_ok": ("{count} aturan valid", "{count} rules are valid"),
    "no_agents": ("belum ada agen di konfigurasi ([[agents]])",
                  "no agents are configured ([[agents]])"),
    # `ldp agents add`, `update` and `remove` (gateway/cli/agents_edit.py).
    "agent_exists": ("agen {email} sudah ada di {path}", "the agent {email} is already in {path}"),
    "agent_unknown": ("tidak ada agen {email} di {path}", "there is no agent {email} in {path}"),
    "until_before_from": ("--until {until} lebih awal dari --from {begins}",
                          "--until {until} is before --from {begins}"),
    "agents_inline": ("{path}: agen ditulis sebagai tabel sebaris (agents = [...]); tulis "
                      "dengan [[agents]] agar dapat diubah", "{path}: the agents are inline "
                      "tables (agents = [...]); write them as [[agents]] to edit them"),
    "agent_added": ("agen {email} ditambahkan ke {path} (tim {team}, {level}); mulai ulang "
                    "`ldp run` agar agen ini dapat bekerja dan menerima email sambutan",
                    "the agent {email} was added to {path} (team {team}, {level}); restart "
                    "`ldp run` so the agent can act and gets the welcome mail"),
    "agent_updated": ("agen {email} diubah di {path} ({keys}); mulai ulang `ldp run`",
                      "the agent {email} was changed in {path} ({keys}); restart `ldp run`"),
    "nothing_to_change": ("tidak ada yang diubah: beri paling sedikit satu opsi",
                          "nothing to change: give at least one option"),
    "agent_removed": ("agen {email} dihapus dari {path}; mulai ulang `ldp run`",
                      "the agent {email} was removed from {path}; restart `ldp run`"),
    # `ldp templates list` (gateway/cli/answers.py).
    "no_answers_dir": ("belum ada folder jawaban baku: atur [answers] dir di konfigurasi",
                       "no folder of canned answers: set [answers] dir in the configuration"),
    "no_answers": ("belum ada jawaban baku di {folder} (id/NAMA.txt, en/NAMA.txt)",
                   "no canned answers in {folder} yet (id/NAME.txt, en/NAME.txt)"),
    "yes": ("ya", "yes"), "no": ("tidak", "no"),
    "no_suppressions": ("tidak ada alamat yang diblokir dari email otomatis",
                        "no address is suppressed from automatic mail"),
    "unsuppressed": ("email otomatis ke {address} dikirim lagi",
                     "automatic mail to {address} resumes"),
    "not_suppressed": ("{address} tidak diblokir", "{address} is not suppressed"),
    "messages": ("pesan:", "messages:"),
    "events": ("riwayat:", "events:"),
    "followers": ("pengikut (menerima salinan email pelapor):",
                  "followers (copied on the reporter's mail):"),
    "no_followers": ("  tidak ada", "  none"),
    "work_log": ("tindakan (#tindakan):", "actions (#action):"),
    "no_work": ("  tidak ada", "  none"),
    "stage_history": ("tahap (#progres):", "stages (#progress):"),
    "ticket_links": ("tautan tiket (#gabung, #induk, #terkait):",
                     "ticket links (#merge, #parent, #related):"),
    "link_merged_into": ("  digabung ke {refs}", "  merged into {refs}"),
    "link_merged_from": ("  digabungkan ke sini: {refs}", "  merged into this one: {refs}"),
    "link_parent": ("  bagian dari insiden {refs}", "  part of incident {refs}"),
    "link_children": ("  insiden dengan {count} laporan: {refs}",
                      "  incident with {count} reports: {refs}"),
    "link_related": ("  terkait: {refs}", "  related: {refs}"),
    "attachment_line": ("{name} ({size} bita, {content_type})",
                        "{name} ({size} bytes, {content_type})"),
    "no_attachments": ("tiket {ref} tidak punya lampiran", "ticket {ref} has no attachments"),
    "no_attachment": ("tiket {ref} tidak punya lampiran {name}",
                      "ticket {ref} has no attachment {name}"),
    "attachment_ambiguous": ("tiket {ref} punya lebih dari satu lampiran bernama {name}: "
                             "{candidates}; sebutkan nomornya",
                             "ticket {ref} has more than one attachment named {name}: "
                             "{candidates}; give its number"),
    "attachment_missing": ("berkas lampiran {id} tiket {ref} tidak ada: {path}",
                           "the file of attachment {id} of ticket {ref} is missing: {path}"),
    "attachment_changed": ("berkas lampiran {id} tiket {ref} sudah berubah sejak disimpan "
                           "(SHA-256 berbeda): {path}",
                           "the file of attachment {id} of ticket {ref} changed since it was "
                           "stored (SHA-256 differs): {path}"),
    "attachment_exists": ("{path} sudah ada: tidak ditimpa (beri --output lain, atau --force "
                          "untuk menimpanya)", "{path} exists: not overwritten (give another "
                          "--output, or --force to overwrite it)"),
    "attachment_written": ("lampiran {name} ditulis ke {path} ({size} bita)",
                           "attachment {name} written to {path} ({size} bytes)"),
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
    "categories": ("kategori per tingkat", "category per level"),
    "reporter": ("pelapor", "reporter"), "subject": ("perihal", "subject"),
    "linked": ("tertaut", "linked"), "application": ("aplikasi", "application"),
    "lpse": ("LPSE", "LPSE"), "lpse_name": ("nama LPSE", "LPSE name"),
    "code": ("kode", "code"), "domains": ("domain", "domains"),
    "tickets": ("tiket", "tickets"), "id": ("nomor", "id"), "attempts": ("percobaan", "attempts"),
    "to": ("kepada", "to"), "from": ("dari", "from"), "last_error": ("galat terakhir", "last_error"),
    "at": ("waktu", "at"), "source": ("sumber", "source"), "uid": ("uid", "uid"),
    "size": ("ukuran", "size"), "error": ("galat", "error"), "file": ("berkas", "file"),
    "drop": ("buang", "drop"), "rule": ("aturan", "rule"), "name": ("nama", "name"),
    "when": ("jika", "when"), "then": ("maka", "then"), "tried": ("dicoba", "tried"),
    "tags": ("label", "tags"), "language": ("bahasa", "language"),
    "message_id": ("message-id", "message_id"), "thread": ("utas tiket", "thread"),
    "machine": ("email otomatis", "machine"), "attachment": ("lampiran", "attachment"),
    "#": ("#", "#"),
    "address": ("alamat", "address"), "since": ("sejak", "since"),
    "expires": ("berakhir", "expires"), "reason": ("alasan", "reason"),
    "type": ("jenis", "type"), "sha256": ("sha256", "sha256"),
    "message": ("pesan", "message"),
    "email": ("email", "email"), "role": ("peran", "role"), "lead": ("ketua", "lead"),
    "assignment": ("surat penugasan", "assignment"), "assigned_from": ("berlaku dari",
                                                                        "assigned_from"),
    "assigned_until": ("berlaku sampai", "assigned_until"), "valid": ("berlaku hari ini",
                                                                      "valid today"),
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
