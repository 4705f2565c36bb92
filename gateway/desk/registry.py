"""The command registry: every `#command` an agent may write, declared once.

A row says everything the rest of the desk needs to know about a command: its names in both
languages, its arguments (for the parser), its help line (for #help and the cheat-sheet), who
may use it (for the permission rules), how it moves the ticket through the level/status table
(`flow`), which field its events name, the line its receipt and event add, and the mail it sends
the reporter. Its behaviour, when it has any beyond the table, is a plan step in
`desk/commands/` (`plan`). The parser, the help text, the permission rules, the levels table,
the plan, the receipts, the notices and the service-level history all read this table; none of
them names a command it does not have to.

Adding a command: a row here, its step in `desk/commands/` (if it changes more than the status),
its wording in the templates (if its receipt says more than its field changes), and tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Collection

from gateway.desk.commands import concerns, fields, followers, links, moves, people, work
from gateway.domain import Level, Priority


# The argument a LEVEL_TEXT line carries after its level when it names an emergency jump.
EMERGENCY = "emergency"


class ArgKind(StrEnum):
    """The shape of a command's arguments."""

    NONE = "none"  # nothing may follow the name
    TEXT = "text"  # free text, required; goes into Command.text
    NAME = "name"  # one value that may contain spaces, required; goes into Command.args
    LEVEL_TEXT = "level+text"  # an optional level (in args), then required text
    AGENT = "agent"  # one agent email, or me/saya (both become "me")
    EMAIL = "email"  # one plain email address, lower-cased, in the form SMTP carries
    CHOICE = "choice"  # one word from `choices`, stored as its canonical value
    TICKET = "ticket"  # one ticket reference (LDP-123, [LDP-000123]), stored as PREFIX-000123


class Flow(StrEnum):
    """How a command moves a ticket through the levels table (`desk.levels`)."""

    WORK = "work"  # keeps level and status (opens a new ticket)
    QUERY = "query"  # reads only: allowed on any ticket, for any agent, changes nothing
    OWN = "own"  # a row of its own in `levels.RULES` (escalate, pending, close, ...)


@dataclass(frozen=True)
class CommandSpec:
    """One row of the registry."""

    name: str
    aliases: tuple[str, ...]
    kind: ArgKind
    help_en: str
    help_id: str
    args_en: str = ""
    args_id: str = ""
    missing: str = ""  # the problem code when the required text is missing
    levels: tuple[Level, ...] = ()  # the levels LEVEL_TEXT accepts
    choices: tuple[tuple[str, str], ...] = ()  # accepted word -> canonical value
    flow: Flow = Flow.WORK
    # Who may use it: None, an agent of the ticket's level (or an admin); else the actor's
    # levels that may (queries are open to every agent, see `Flow.QUERY`).
    actor_levels: tuple[Level, ...] | None = None
    plan: Callable | None = None  # its step in desk/commands/, when the table is not enough
    primary: str = ""  # the field its event names in old/new
    destination: bool = False  # it says where the body of the reply goes
    # The line its event adds to the field changes ("the reporter was told").
    effect: str = ""
    # The mail it sends the reporter, and the template field its text fills.
    reporter_template: str = ""
    reporter_field: str = ""
    # An agent's use of it answers the reporter: it stops the first-response clock.
    answers: bool = False
    # Words that, right after the level, mark a lead's emergency jump (stored as the argument
    # "emergency"; the levels table and the permission rule "emergency-lead" read it).
    emergency: tuple[str, ...] = ()
    # It adds to the message a #reply sends (a canned answer): whoever may #reply may use it.
    with_reply: bool = False

    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


PRIORITIES = (
    ("low", Priority.LOW.value), ("rendah", Priority.LOW.value),
    ("normal", Priority.NORMAL.value),
    ("high", Priority.HIGH.value), ("tinggi", Priority.HIGH.value),
    ("urgent", Priority.URGENT.value), ("mendesak", Priority.URGENT.value),
)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("reply", ("balas",), ArgKind.NONE,
                "Send the body to the reporter", "Kirim isi pesan ke pelapor",
                destination=True, effect="the message went to the reporter", answers=True),
    CommandSpec("note", ("catatan",), ArgKind.NONE,
                "Keep the body as an internal note", "Simpan isi pesan sebagai catatan internal",
                destination=True, effect="kept as an internal note"),
    CommandSpec("template", ("templat",), ArgKind.NAME,
                "Put the canned answer of that name into the #reply's message",
                "Sisipkan jawaban baku dengan nama itu ke pesan #balas",
                "<name>", "<nama>", "needs_template", with_reply=True,
                effect="a canned answer went into the message"),
    CommandSpec("escalate", ("eskalasi",), ArgKind.LEVEL_TEXT,
                "Move the ticket up one level (a lead may jump: L2 emergency <reason>)",
                "Naikkan tiket satu tingkat (lead dapat melompat: L2 darurat <alasan>)",
                "[L1|L2] <reason>", "[L1|L2] <alasan>", "needs_reason", (Level.L1, Level.L2),
                flow=Flow.OWN, plan=moves.move, primary="level",
                reporter_template="reporter_escalated", emergency=("darurat", "emergency")),
    CommandSpec("return", ("kembalikan",), ArgKind.LEVEL_TEXT,
                "Hand the ticket down a level, or to the level named, saying why",
                "Turunkan tiket satu tingkat, atau ke tingkat yang disebut, dengan alasan",
                "[L0|L1] <reason>", "[L0|L1] <alasan>", "needs_reason", (Level.L0, Level.L1),
                flow=Flow.OWN, plan=moves.move, primary="level"),
    CommandSpec("assign", ("tugaskan",), ArgKind.AGENT,
                "Assign the ticket to an agent of its level",
                "Tugaskan tiket ke agen di tingkat tiket",
                "<agent email|me>", "<email agen|saya>", plan=people.assign, primary="assignee"),
    CommandSpec("take", ("ambil",), ArgKind.NONE,
                "Assign the ticket to yourself", "Ambil tiket untuk Anda sendiri",
                plan=people.take, primary="assignee"),
    CommandSpec("unassign", ("lepas",), ArgKind.NONE,
                "Leave the ticket unassigned", "Lepaskan petugas tiket",
                plan=people.unassign, primary="assignee"),
    CommandSpec("follow", ("ikuti",), ArgKind.EMAIL,
                "Send the reporter's mail to this address too (Cc)",
                "Kirim juga email untuk pelapor ke alamat ini (Cc)",
                "<email>", "<email>", plan=followers.follow, primary="followers"),
    CommandSpec("unfollow", ("berhenti-ikuti",), ArgKind.EMAIL,
                "Stop sending the reporter's mail to this address",
                "Hentikan salinan email pelapor ke alamat ini",
                "<email>", "<email>", plan=followers.unfollow, primary="followers"),
    CommandSpec("team", ("tim",), ArgKind.CHOICE,
                "Hand the ticket to the LKPP or the Telkom team",
                "Serahkan tiket ke tim LKPP atau tim Telkom",
                "lkpp|telkom", "lkpp|telkom", choices=(("lkpp", "lkpp"), ("telkom", "telkom")),
                plan=moves.team, primary="team"),
    CommandSpec("priority", ("prioritas",), ArgKind.CHOICE,
                "Set the priority", "Ubah prioritas",
                "low|normal|high|urgent", "rendah|normal|tinggi|mendesak", choices=PRIORITIES,
                plan=fields.priority, primary="priority"),
    CommandSpec("category", ("kategori",), ArgKind.NAME,
                "Set the category", "Ubah kategori",
                "<name>", "<nama>", "needs_category", plan=fields.category, primary="category"),
    CommandSpec("application", ("aplikasi", "app"), ArgKind.NAME,
                "Set the application the ticket concerns (- clears it)",
                "Ubah aplikasi yang dimaksud tiket (- untuk mengosongkan)",
                "SPSE|SIKaP|other", "SPSE|SIKaP|lainnya", "needs_app_name",
                plan=concerns.application, primary="application"),
    CommandSpec("lpse", ("lpse",), ArgKind.NAME,
                "Set the LPSE the ticket concerns: its code or name (- clears it)",
                "Ubah LPSE yang dimaksud tiket: kode atau namanya (- untuk mengosongkan)",
                "<code|name>", "<kode|nama>", "needs_lpse",
                plan=concerns.lpse_instance, primary="lpse"),
    CommandSpec("action", ("tindakan",), ArgKind.TEXT,
                "Record the work you did: a code of your level's actions",
                "Catat pekerjaan yang dilakukan: kode tindakan tingkat Anda",
                "<code> [app] <note>", "<kode> [aplikasi] <catatan>", "needs_action",
                plan=work.action, effect="recorded in the work log"),
    CommandSpec("pending", ("tunda",), ArgKind.TEXT,
                "Put the ticket on hold, saying what it waits for",
                "Tunda tiket, dengan alasan yang ditunggu",
                "<reason>", "<alasan>", "needs_reason", flow=Flow.OWN, primary="status",
                effect="the reporter was told the reason", answers=True,
                reporter_template="reporter_pending", reporter_field="reason"),
    CommandSpec("progress", ("progres",), ArgKind.TEXT,
                "Record progress (L2): analysis, fixing, testing or release, then text",
                "Catat kemajuan (L2): analisa, perbaikan, pengujian atau rilis, lalu teks",
                "<stage> <text>", "<tahap> <teks>", "needs_progress",
                actor_levels=(Level.L2,), plan=work.progress,
                effect="the reporter was told", answers=True,
                reporter_template="reporter_progress", reporter_field="progress"),
    CommandSpec("resolve", ("selesai",), ArgKind.TEXT,
                "Mark the ticket resolved", "Tandai tiket selesai",
                "<resolution>", "<penyelesaian>", "needs_resolution", flow=Flow.OWN,
                primary="status", effect="the reporter was told the resolution", answers=True,
                reporter_template="reporter_resolved", reporter_field="resolution"),
    CommandSpec("close", ("tutup",), ArgKind.NONE, "Close the ticket", "Tutup tiket",
                flow=Flow.OWN, primary="status"),
    CommandSpec("reopen", ("buka",), ArgKind.NONE,
                "Reopen a resolved or closed ticket",
                "Buka kembali tiket yang selesai atau ditutup", flow=Flow.OWN, primary="status"),
    CommandSpec("merge", ("gabung",), ArgKind.TICKET,
                "Merge this duplicate into another ticket: it closes, its reporter and "
                "followers follow the other, mail to either number lands there",
                "Gabungkan tiket duplikat ini ke tiket lain: tiket ini ditutup, pelapor dan "
                "pengikutnya mengikuti tiket lain itu, email ke kedua nomor masuk ke sana",
                "<LDP-123>", "<LDP-123>", "needs_ticket", flow=Flow.OWN, plan=links.merge,
                primary="merged_into", effect="the reporter was told of the merge"),
    CommandSpec("related", ("terkait", "link"), ArgKind.TICKET,
                "Link this ticket to a related one", "Tautkan tiket ini ke tiket yang terkait",
                "<LDP-123>", "<LDP-123>", "needs_ticket", plan=links.related,
                primary="related"),
    CommandSpec("parent", ("induk",), ArgKind.TICKET,
                "Make this ticket part of an incident: the incident's #reply and resolution "
                "reach this reporter too, and it resolves and closes with the incident",
                "Jadikan tiket ini bagian dari insiden: #balas dan penyelesaian insiden juga "
                "sampai ke pelapor tiket ini, dan tiket ini selesai dan ditutup bersama insiden",
                "<LDP-100>", "<LDP-100>", "needs_ticket", plan=links.parent, primary="parent"),
    CommandSpec("check", ("cek",), ArgKind.NONE,
                "Show the ticket's level and status", "Tampilkan tingkat dan keadaan tiket",
                flow=Flow.QUERY),
    CommandSpec("help", ("bantuan",), ArgKind.NONE,
                "Show this list", "Tampilkan daftar ini", flow=Flow.QUERY),
)

# Every accepted word (canonical or alias, lower case) to its row.
BY_WORD: dict[str, CommandSpec] = {word: spec for spec in COMMANDS for word in spec.words()}
BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}


def spec(name: str) -> CommandSpec | None:
    """The row of the command `name` (canonical), or None."""
    return BY_NAME.get(name)


def names(*, flow: Flow | None = None) -> tuple[str, ...]:
    """The commands' canonical names in registry order, those of one `flow` if given."""
    return tuple(s.name for s in COMMANDS if flow is None or s.flow == flow)


def names_with_emergency() -> tuple[str, ...]:
    """The commands that accept an emergency word (#escalate)."""
    return tuple(s.name for s in COMMANDS if s.emergency)


def is_query(name: str) -> bool:
    row = BY_NAME.get(name)
    return row is not None and row.flow == Flow.QUERY


def _indonesian(language: str) -> bool:
    return language.strip().lower().split("-")[0] == "id"


def help_text(language: str, only: Collection[str] | None = None) -> str:
    """The command list for `#help`, in Indonesian ("id") or English (anything else); `only`:
    the names of the commands to list (an agent's cheat-sheet: `desk.cheatsheet`)."""
    indonesian = _indonesian(language)
    rows = [_help_row(row, indonesian) for row in COMMANDS if only is None or row.name in only]
    width = max(len(usage) for usage, _ in rows)
    title = ("Perintah (tulis di baris paling atas balasan, satu per baris):" if indonesian
             else "Commands (write them on the first lines of your reply, one per line):")
    return "\n".join([title, *(f"{usage.ljust(width)}  {text}" for usage, text in rows)])


def command_word(name: str, language: str) -> str:
    """The word for the command `name` in `language`: its Indonesian alias for "id", else the
    name itself (also for a name that is not a command)."""
    row = BY_WORD.get(name)
    return row.aliases[0] if row is not None and _indonesian(language) else name


def command_words(language: str) -> str:
    """Every command on one line, in the agent's language: the cheat-sheet notices carry."""
    indonesian = language == "id"
    return " ".join(f"#{row.aliases[0] if indonesian else row.name}" for row in COMMANDS)


def _help_row(row: CommandSpec, indonesian: bool) -> tuple[str, str]:
    # Each language leads with its own word and names the other one, so both are learnt.
    if indonesian:
        first, other, args, text = row.aliases[0], row.name, row.args_id, row.help_id
    else:
        first, other, args, text = row.name, row.aliases[0], row.args_en, row.help_en
    usage = f"#{first} {args}".rstrip()
    if other == first:  # one word in both languages (#lpse)
        return usage, text
    return usage, f"{text}; {'juga' if indonesian else 'also'} #{other}"
