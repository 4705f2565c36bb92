"""Why a command line cannot be carried out, as a code and its values, worded only when shown.

The parser, the permission rules, the levels table and the plan all report a `Problem`; the
receipt renders it in the agent's language (`text`), and logs and events keep the English
(`str`), prefixed with the name of the permission rule that refused it, if any.

Values are worded by their key: `command`, `chosen` and `reopen` are command names, shown as
the command word of the language (#eskalasi, #escalate); `commands` a list of them; `status` and
`choices` go through `vocabulary`; `levels` and `applications` are lists joined with "or";
`hint` is a Problem of its own. Every other value is shown as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from gateway.text import vocabulary

# code -> (Indonesian, English). Placeholders are the same in both.
TEXT: Mapping[str, tuple[str, str]] = {
    # The parser.
    "too_many": ("terlalu banyak baris perintah: hanya {max} baris pertama yang dibaca",
                 "too many commands: only the first {max} are read"),
    "not_a_command": ("baris perintah harus diawali tanda #", "a command line starts with #"),
    "line_too_long": ("baris perintah lebih dari {max} karakter",
                      "command line longer than {max} characters"),
    "missing_name": ("nama perintah tidak ada setelah tanda #", "missing command name after #"),
    "unknown_command": ("perintah {word} tidak dikenal", "unknown command {word}"),
    "no_arguments": ("{command} tidak boleh diikuti teks apa pun", "{command} takes no arguments"),
    "needs_reason": ("{command} perlu diikuti alasannya", "{command} needs a reason"),
    "needs_progress": ("{command} perlu diikuti catatan kemajuan",
                       "{command} needs a progress note"),
    "needs_resolution": ("{command} perlu diikuti uraian penyelesaian",
                         "{command} needs a resolution"),
    "needs_category": ("{command} perlu diikuti nama kategori", "{command} needs a category name"),
    "level_must_be": ("tingkat pada {command} harus {levels}", "{command} level must be {levels}"),
    "needs_agent": ("{command} perlu diikuti satu alamat email agen, atau 'saya'",
                    "{command} needs an agent email or 'me'"),
    "needs_email": ("{command} perlu diikuti satu alamat email",
                    "{command} needs one email address"),
    "needs_choice": ("{command} perlu diikuti salah satu dari: {choices}",
                     "{command} needs one of: {choices}"),
    "html_only": ("perintah hanya dibaca dari bagian teks biasa sebuah balasan, sedangkan "
                  "balasan ini hanya berisi HTML",
                  "commands are read only from the plain-text part of a reply, and this reply "
                  "has HTML only"),
    # The permission rules.
    "unknown_role": ("peran '{role}' milik {email} tidak dikenal; peran yang ada: {roles}",
                     "{email} has the role '{role}'; the roles are {roles}"),
    "not_own_level": ("{email} adalah agen {actor_level}, sedangkan tiket ini berada di {level}",
                      "{email} is an {actor_level} agent; the ticket is at {level}"),
    "not_keeper": ("{email} adalah agen {actor_level}, sedangkan tiket ini berada di {level}; "
                   "hanya pemegangnya di L0 ({keeper}) yang masih dapat membalas pelapor, "
                   "menulis catatan, atau mengubah pengikut",
                   "{email} is an {actor_level} agent; the ticket is at {level}, where only its "
                   "L0 keeper ({keeper}) may still answer the reporter, add notes or change followers"),
    "assignment_expired": ("surat penugasan {letter} milik {email} berlaku {begins} sampai {ends} "
                           "dan sudah berakhir (hari ini {today}); perintah ini tidak dijalankan",
                           "{email}'s assignment letter {letter} ran from {begins} to {ends} and "
                           "has ended (today is {today}); this command was not carried out"),
    "assignment_not_started": ("surat penugasan {letter} milik {email} berlaku {begins} sampai "
                               "{ends} dan belum dimulai (hari ini {today}); perintah ini tidak "
                               "dijalankan",
                               "{email}'s assignment letter {letter} runs from {begins} to {ends} "
                               "and has not started (today is {today}); this command was not "
                               "carried out"),
    "partner_team": ("{email} berada di {team}, tim mitra di {level}: tiket ini dipegang "
                     "{holder}, dan hanya tim itu yang dapat menindaklanjutinya",
                     "{email} is in {team}, the partner team at {level}: the ticket is held by "
                     "{holder}, which alone acts on it"),
    "progress_l2_only": ("{command} hanya untuk agen L2; {email} adalah agen {actor_level}",
                         "{command} is for L2 agents; {email} is an {actor_level} agent"),
    "not_level_agent": ("{email} bukan agen {level}", "{email} is not an {level} agent"),
    "emergency_lead_only": ("hanya lead yang boleh melompati tingkat dalam keadaan darurat; "
                            "{email} bukan lead",
                            "only a lead may jump a level in an emergency; {email} is not a lead"),
    # The levels table.
    "not_allowed": ("{command} tidak dapat dipakai pada tiket {level} yang keadaannya {status}; "
                    "yang dapat dipakai: {commands}",
                    "{command} is not allowed on an {level} ticket in status {status}; "
                    "allowed there: {commands}"),
    "not_allowed_because": ("{command} tidak dapat dipakai pada tiket {level} yang keadaannya "
                            "{status} ({hint}); yang dapat dipakai: {commands}",
                            "{command} is not allowed on an {level} ticket in status {status} "
                            "({hint}); allowed there: {commands}"),
    "highest_level": ("{level} adalah tingkat tertinggi", "{level} is the highest level"),
    "lowest_level": ("{level} adalah tingkat terendah", "{level} is the lowest level"),
    "reopen_only": ("hanya tiket yang selesai atau ditutup yang dapat dibuka kembali",
                    "only a resolved or closed ticket can be reopened"),
    "is_resolved": ("tiket sudah selesai: buka kembali dengan {reopen} lebih dahulu",
                    "the ticket is resolved: {reopen} it first"),
    "is_closed": ("tiket sudah ditutup: buka kembali dengan {reopen} lebih dahulu",
                  "the ticket is closed: {reopen} it first"),
    "takes_no_level": ("{command} tidak dapat diberi tingkat", "{command} does not take a level"),
    "unknown_level": ("tingkat '{level}' tidak dikenal", "unknown level '{level}'"),
    "already_at_level": ("{command} tidak dapat memindahkan tiket {level} ke {target}: tiket "
                         "sudah berada di sana",
                         "{command} cannot move an {level} ticket to {target}: it is already "
                         "there"),
    "one_step": ("tiket {level} naik satu tingkat demi satu tingkat: eskalasikan dulu ke {next}, "
                 "lalu {next} yang mengeskalasikan ke {target} (dalam keadaan darurat, lead dapat "
                 "menulis {command} {target} darurat <alasan>)",
                 "an {level} ticket goes up one level at a time: escalate it to {next} first, "
                 "and {next} escalates it to {target} (in an emergency a lead may write "
                 "{command} {target} emergency <reason>)"),
    "moves_up": ("{command} tidak dapat memindahkan tiket {level} ke {target}: {command} hanya "
                 "menaikkan tingkat",
                 "{command} cannot move an {level} ticket to {target}: {command} moves up"),
    "moves_down": ("{command} tidak dapat memindahkan tiket {level} ke {target}: {command} hanya "
                   "menurunkan tingkat",
                   "{command} cannot move an {level} ticket to {target}: {command} moves down"),
    # The plan.
    "destination_conflict": ("{command} bertentangan dengan {chosen} di atasnya: isi pesan "
                             "dikirim ke pelapor ({reply}) atau disimpan sebagai catatan "
                             "internal ({note}), tidak keduanya",
                             "{command} conflicts with {chosen} above: the message goes either "
                             "to the reporter ({reply}) or into an internal note ({note})"),
    "needs_message": ("{command} perlu isi pesan di bawah baris perintah",
                      "{command} needs a message below the command lines"),
    "same_team": ("tiket sudah dipegang tim {organisation} ({team})",
                  "the ticket is already with the {organisation} team ({team})"),
    "follower_is_desk": ("{email} adalah alamat layanan atau agen, bukan pengikut",
                         "{email} is the desk's or an agent's address, not a follower"),
    "follower_is_reporter": ("{email} adalah pelapor tiket ini dan sudah menerima emailnya",
                             "{email} is the ticket's reporter and gets its mail already"),
    "follows_already": ("{email} sudah mengikuti tiket ini", "{email} follows the ticket already"),
    "not_a_follower": ("{email} tidak mengikuti tiket ini", "{email} does not follow the ticket"),
    "too_many_followers": ("tiket ini sudah mempunyai {max} pengikut, jumlah terbanyak",
                           "the ticket has {max} followers, the most it may have"),
    "assignee_level": ("{email} bukan agen {level} (tiket berada di {level} pada baris ini)",
                       "{email} is not an {level} agent (the ticket is at {level} by this line)"),
    "assignee_team": ("{email} bukan agen {team}, tim yang memegang tiket pada baris ini",
                      "{email} is not an agent of {team}, the team holding the ticket by this "
                      "line"),
    "taker_team": ("{email} bukan agen {team}, tim yang memegang tiket pada baris ini",
                   "{email} is not an agent of {team}, the team holding the ticket by this line"),
    "taker_level": ("{email} adalah agen {actor_level}, sedangkan tiket berada di {level} pada "
                    "baris ini",
                    "{email} is an {actor_level} agent; the ticket is at {level} by this line"),
    "unknown_category": ("kategori '{name}' tidak dikenal di {level} (kategori yang ada: "
                         "{known})",
                         "unknown category '{name}' for {level} (known: {known})"),
    "no_team_at_level": ("tidak ada tim {organisation} di {level}",
                         "there is no {organisation} team at {level}"),
    "team_without_agents": ("tim {team} tidak memiliki agen: tidak ada yang akan melihat tiket "
                            "di sana",
                            "team {team} has no agents: nobody would see the ticket there"),
    # #tindakan: the catalogue of actions per level (`desk.actions`).
    "unknown_action": ("kode tindakan '{action}' tidak dikenal; kode untuk {level}: {known}",
                       "unknown action code '{action}'; the codes for {level}: {known}"),
    "action_level": ("tindakan '{action}' bukan pekerjaan {level}; kode untuk {level}: {known}",
                     "the action '{action}' is not {level} work; the codes for {level}: {known}"),
    "action_needs_application": ("tindakan '{action}' perlu nama aplikasinya ({applications}); "
                                 "kode untuk {level}: {known}",
                                 "the action '{action}' needs its application ({applications}); "
                                 "the codes for {level}: {known}"),
    "unknown_application": ("aplikasi untuk '{action}' harus {applications}; kode untuk "
                            "{level}: {known}",
                            "the application for '{action}' must be {applications}; the codes "
                            "for {level}: {known}"),
    "unknown_stage": ("{command} perlu diawali tahap: {stages}; contoh: #progres analisa teks",
                      "{command} needs a stage first: {stages}; for example: #progress "
                      "analysis text"),
    "needs_action": ("{command} perlu diikuti kode tindakan", "{command} needs an action code"),
    # #merge, #related, #parent: links between tickets (`desk/commands/links.py`).
    "needs_ticket": ("{command} perlu diikuti satu nomor tiket, misalnya LDP-123",
                     "{command} needs one ticket number, for example LDP-123"),
    "unknown_ticket": ("tidak ada tiket {ref}", "there is no ticket {ref}"),
    "same_ticket": ("{command} menunjuk tiket ini sendiri ({ref})",
                    "{command} names this very ticket ({ref})"),
    "merged_ticket": ("tiket {ref} sudah digabung ke {survivor}: tulis {command} {survivor}",
                      "ticket {ref} was merged into {survivor}: write {command} {survivor}"),
    "merge_into_closed": ("tiket {ref} sudah ditutup: tidak ada yang dapat digabung ke sana",
                          "ticket {ref} is closed: nothing can be merged into it"),
    "merge_lower_level": ("tiket {ref} berada di {target}, di bawah tiket ini ({level}): "
                          "penggabungan tidak menurunkan tiket; tautkan dengan {related}",
                          "ticket {ref} is at {target}, below this ticket ({level}): a merge "
                          "never hands a ticket down; link them with {related}"),
    "merge_other_team": ("tiket {ref} dipegang tim {team}, bukan tim Anda: minta tim itu "
                         "menggabungkan, atau tautkan dengan {related}",
                         "ticket {ref} is held by team {team}, not yours: ask them to merge, "
                         "or link them with {related}"),
    "merge_incident": ("tiket ini adalah insiden dengan {count} laporan terkait: gabungkan "
                       "laporan-laporannya, bukan insidennya",
                       "this ticket is an incident, with reports linked to it ({count}): "
                       "merge the reports, not the incident"),
    "already_related": ("tiket ini sudah terkait dengan {ref}",
                        "this ticket is linked to {ref} already"),
    "has_parent": ("tiket ini sudah bagian dari insiden {parent}",
                   "this ticket is part of incident {parent} already"),
    "parent_cycle": ("tiket ini sudah menjadi induk dari {ref}: tiket tidak dapat menjadi "
                     "bagian dari insidennya sendiri",
                     "this ticket is already the parent of {ref}: a ticket cannot be part of "
                     "its own incident"),
    "parent_is_child": ("tiket {ref} sendiri bagian dari insiden {parent}: tulis {command} "
                        "{parent}",
                        "ticket {ref} is itself part of incident {parent}: write {command} "
                        "{parent}"),
    "incident_has_children": ("tiket ini adalah insiden dengan {count} laporan: insiden tidak "
                              "dapat menjadi bagian dari insiden lain",
                              "this ticket is an incident, with reports linked to it "
                              "({count}): an incident cannot be part of another"),
    "parent_closed": ("tiket {ref} sudah ditutup: tautkan ke insiden yang masih berjalan",
                      "ticket {ref} is closed: link tickets to an incident still open"),
    # Canned answers (#templat NAMA, `desk.canned`).
    "needs_template": ("{command} perlu diikuti nama jawaban baku",
                       "{command} needs the name of a canned answer"),
    "unknown_template": ("jawaban baku '{name}' tidak ada; jawaban yang ada: {known}",
                         "there is no canned answer '{name}'; the answers: {known}"),
    "template_needs_reply": ("{command} hanya dipakai bersama {reply}: jawaban baku dikirim ke "
                             "pelapor", "{command} works only with {reply}: a canned answer "
                             "goes to the reporter"),
    "template_failed": ("jawaban baku '{name}' tidak dapat disusun ({reason}); beri tahu "
                        "pengelola", "the canned answer '{name}' cannot be filled in "
                        "({reason}); tell the operator"),
    "needs_app_name": ("{command} perlu diikuti nama aplikasi, misalnya SPSE, SIKaP atau lainnya",
                       "{command} needs an application, for example SPSE, SIKaP or other"),
    "unknown_app_name": ("aplikasi '{name}' tidak dikenal; pilih {applications}, atau - untuk "
                         "mengosongkan",
                         "unknown application '{name}'; choose {applications}, or - to clear "
                         "it"),
    "needs_lpse": ("{command} perlu diikuti kode atau nama LPSE, misalnya kab-sleman atau "
                   "LPSE Kabupaten Sleman",
                   "{command} needs an LPSE code or name, for example kab-sleman or LPSE "
                   "Kabupaten Sleman"),
    "unknown_lpse_close": ("LPSE '{name}' tidak ada dalam daftar LPSE; yang mirip: {known}. "
                           "Tulis kodenya atau nama lengkapnya",
                           "LPSE '{name}' is not in the LPSE list; close ones: {known}. Write "
                           "its code or its full name"),
    "unknown_lpse": ("LPSE '{name}' tidak ada dalam daftar LPSE ({count} LPSE) dan tidak ada "
                     "yang mirip. Tulis kode, nama lengkap atau domainnya seperti dalam daftar, "
                     "misalnya {example}; LPSE yang belum terdaftar ditambahkan oleh operator",
                     "LPSE '{name}' is not in the LPSE list ({count} LPSE) and none is close. "
                     "Write its code, full name or domain as the list has it, for example "
                     "{example}; the operator adds an LPSE that is missing"),
    # Not a problem: how a receipt shows the #note or #reply a reply gets by default.
    "default_line": ("(otomatis: {command})", "(default: {command})"),
}

_COMMAND_KEYS = frozenset({"command", "chosen", "reopen", "reply", "note", "related"})
_OR = (" atau ", " or ")


@dataclass(frozen=True)
class Problem:
    """A code of `TEXT`, its values, and the permission rule that refused the line (if any)."""

    code: str
    values: tuple[tuple[str, object], ...] = ()
    rule: str = ""

    def text(self, language: str | None,
             command_word: Callable[[str, str], str] | None = None) -> str:
        """The sentence in `language`; `command_word(name, language)` gives a command's word
        in that language (without it, the canonical English name)."""
        indonesian = vocabulary.is_indonesian(language)
        lang = "id" if indonesian else "en"
        word = command_word or (lambda name, _language: name)
        values = {key: _value(key, value, lang, word) for key, value in self.values}
        return TEXT[self.code][0 if indonesian else 1].format(**values)

    def __str__(self) -> str:
        english = self.text("en")
        return f"{self.rule}: {english}" if self.rule else english


def problem(code: str, **values: object) -> Problem:
    if code not in TEXT:
        raise KeyError(code)
    return Problem(code, tuple(values.items()))


def _value(key: str, value: object, lang: str, word: Callable[[str, str], str]) -> str:
    if isinstance(value, Problem):
        return value.text(lang, word)
    if key in _COMMAND_KEYS:
        return f"#{word(str(value), lang)}"
    if key == "commands":
        return ", ".join(f"#{word(str(v), lang)}" for v in value)  # type: ignore[union-attr]
    if key == "choices":
        return ", ".join(vocabulary.word("priority", v, lang) for v in value)  # type: ignore
    if key == "levels":
        return _OR[lang == "en"].join(str(v) for v in value)  # type: ignore[union-attr]
    if key == "applications":  # "other" in the reader's words (lainnya)
        return _OR[lang == "en"].join(vocabulary.word("application", v, lang)
                                      for v in value) or "-"  # type: ignore
    if key == "stages":  # (Indonesian word, English word) per stage
        return ", ".join(v[0 if lang == "id" else 1] for v in value)  # type: ignore
    if key == "known":
        return ", ".join(str(v) for v in value) or "-"  # type: ignore[union-attr]
    if key == "status":
        return vocabulary.word("status", value, lang)
    return str(getattr(value, "value", value))
