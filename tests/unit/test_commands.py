"""Tests for gateway.desk.parse: the #command block of an agent's reply."""
from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataclasses import replace

from gateway.domain import Command
from gateway.desk.parse import MAX_COMMANDS, MAX_LINE_CHARS, parse_block, parse_line
from gateway.desk.registry import COMMANDS, help_text


def one(line: str) -> Command:
    commands, _ = parse_block(line)
    assert len(commands) == 1
    return commands[0]


def shown(command: Command) -> Command:
    """The command with its error as the English sentence logs and `ldp parse` show."""
    return replace(command, error=str(command.error) if command.error else None)


# --- names, aliases and case -------------------------------------------------------------

ALIASES = [
    ("#reply", "#balas", "reply"), ("#note", "#catatan", "note"), ("#take", "#ambil", "take"),
    ("#close", "#tutup", "close"), ("#reopen", "#buka", "reopen"), ("#check", "#cek", "check"),
    ("#help", "#bantuan", "help"),
]


@pytest.mark.parametrize(("english", "indonesian", "name"), ALIASES)
def test_argumentless_commands_and_their_aliases(english: str, indonesian: str, name: str) -> None:
    """Each argument-less command and its Indonesian alias give the canonical English name."""
    assert one(english) == Command(line=english, name=name)
    assert one(indonesian) == Command(line=indonesian, name=name)


@pytest.mark.parametrize("line", ["#REPLY", "#Reply", "#BaLaS", "#CATATAN"])
def test_names_are_case_insensitive(line: str) -> None:
    """Command names match whatever their case; the line is kept as written."""
    command = one(line)
    assert command.error is None
    assert command.line == line
    assert command.name in {"reply", "note"}


def test_every_table_row_is_reachable_by_name_and_alias() -> None:
    """Every command in COMMANDS parses by its name and by each alias to the same name."""
    for spec in COMMANDS:
        for word in spec.words():
            command = parse_line(f"#{word}")
            assert command.name == spec.name, word


# --- arguments --------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "name", "args", "text"), [
    ("#escalate database is down", "escalate", (), "database is down"),
    ("#escalate L2 needs a schema change", "escalate", ("L2",), "needs a schema change"),
    ("#eskalasi l1 perlu cek server", "escalate", ("L1",), "perlu cek server"),
    # A lead's emergency: the word right after the level, in either language and any case.
    ("#eskalasi L2 darurat server down", "escalate", ("L2", "emergency"), "server down"),
    ("#escalate L2 EMERGENCY server down", "escalate", ("L2", "emergency"), "server down"),
    # Not right after a level, or not the whole word: part of the reason.
    ("#eskalasi darurat server down", "escalate", (), "darurat server down"),
    ("#eskalasi L2 server darurat", "escalate", ("L2",), "server darurat"),
    ("#eskalasi L2 darurat-nya", "escalate", ("L2",), "darurat-nya"),
    # #return takes no emergency.
    ("#kembalikan L0 darurat salah tingkat", "return", ("L0",), "darurat salah tingkat"),
    ("#return L0 user must reset the password", "return", ("L0",), "user must reset the password"),
    ("#kembalikan bukan masalah teknis", "return", (), "bukan masalah teknis"),
    ("#assign Budi@Telkom.co.id", "assign", ("budi@telkom.co.id",), ""),
    ("#assign <siti@lkpp.go.id>", "assign", ("siti@lkpp.go.id",), ""),
    ("#assign me", "assign", ("me",), ""),
    ("#tugaskan SAYA", "assign", ("me",), ""),
    ("#team LKPP", "team", ("lkpp",), ""),
    ("#tim telkom", "team", ("telkom",), ""),
    ("#priority urgent", "priority", ("urgent",), ""),
    ("#prioritas rendah", "priority", ("low",), ""),
    ("#prioritas normal", "priority", ("normal",), ""),
    ("#prioritas Tinggi", "priority", ("high",), ""),
    ("#prioritas mendesak", "priority", ("urgent",), ""),
    ("#category Akun dan Login", "category", ("Akun dan Login",), ""),
    ("#kategori jaringan", "category", ("jaringan",), ""),
    ("#pending waiting for the vendor", "pending", (), "waiting for the vendor"),
    ("#tunda menunggu vendor", "pending", (), "menunggu vendor"),
    ("#progress patch in review", "progress", (), "patch in review"),
    ("#progres sedang diuji", "progress", (), "sedang diuji"),
    ("#resolve password reset", "resolve", (), "password reset"),
    ("#selesai sudah diperbaiki", "resolve", (), "sudah diperbaiki"),
])
def test_arguments_are_parsed(line: str, name: str, args: tuple[str, ...], text: str) -> None:
    """Arguments land in args (levels, emails, choices, names) or text (reasons), normalised."""
    assert one(line) == Command(line=line, name=name, args=args, text=text)


def test_inner_spacing_of_a_reason_is_kept_and_the_ends_trimmed() -> None:
    """A reason keeps its inner spacing; tabs separate the level from it like spaces do."""
    assert one("   #escalate\tL2\t  two  spaces  ") == Command(
        "#escalate\tL2\t  two  spaces", "escalate", ("L2",), "two  spaces")


# --- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "name", "error"), [
    ("#escalate", "escalate", "#escalate needs a reason"),
    ("#escalate L2", "escalate", "#escalate needs a reason"),
    ("#eskalasi L2 darurat", "escalate", "#escalate needs a reason"),
    ("#kembalikan", "return", "#return needs a reason"),
    ("#return L1", "return", "#return needs a reason"),
    ("#eskalasi   ", "escalate", "#escalate needs a reason"),
    ("#escalate L0 wrong way", "escalate", "#escalate level must be L1 or L2"),
    ("#escalate L3 no such level", "escalate", "#escalate level must be L1 or L2"),
    ("#return", "return", "#return needs a reason"),
    ("#return L1", "return", "#return needs a reason"),
    ("#return L2 up is not down", "return", "#return level must be L0 or L1"),
    ("#pending", "pending", "#pending needs a reason"),
    ("#progress", "progress", "#progress needs a progress note"),
    ("#resolve", "resolve", "#resolve needs a resolution"),
    ("#category", "category", "#category needs a category name"),
    ("#assign", "assign", "#assign needs an agent email or 'me'"),
    ("#assign budi", "assign", "#assign needs an agent email or 'me'"),
    ("#assign a@b.id c@d.id", "assign", "#assign needs an agent email or 'me'"),
    ("#team", "team", "#team needs one of: lkpp, telkom"),
    ("#team kominfo", "team", "#team needs one of: lkpp, telkom"),
    ("#team lkpp telkom", "team", "#team needs one of: lkpp, telkom"),
    ("#priority", "priority", "#priority needs one of: low, normal, high, urgent"),
    ("#prioritas sangat tinggi", "priority", "#priority needs one of: low, normal, high, urgent"),
    ("#reply now", "reply", "#reply takes no arguments"),
    ("#tutup sekarang", "close", "#close takes no arguments"),
    ("#help me", "help", "#help takes no arguments"),
    ("#frobnicate", "frobnicate", "unknown command #frobnicate"),
    ("#Eskalate L1 typo", "eskalate", "unknown command #Eskalate"),
    ("#", "", "missing command name after #"),
    ("# reply", "", "missing command name after #"),
])
def test_malformed_lines_give_an_error_and_keep_the_line(line: str, name: str, error: str) -> None:
    """Missing reasons, bad values and unknown names give a Command with the exact error."""
    assert shown(one(line)) == Command(line=line.strip(), name=name, error=error)


def test_an_overlong_line_is_refused_without_parsing() -> None:
    """A command line over MAX_LINE_CHARS is an error, whatever it says."""
    line = "#note " + "x" * MAX_LINE_CHARS
    assert shown(one(line)) == Command(
        line=line, name="", error=f"command line longer than {MAX_LINE_CHARS} characters")


def test_parse_line_strips_and_rejects_a_line_without_hash() -> None:
    """parse_line strips its input, and a line not starting with # is an error, not a guess."""
    assert parse_line("  #take  ") == Command("#take", "take")
    assert shown(parse_line("take")) == Command("take", "", error="a command line starts with #")


# --- the block and the body -------------------------------------------------------------

def test_block_ends_at_the_first_other_line_and_commands_after_it_are_body() -> None:
    """The first non-# line ends the block; #lines further down are body, not commands."""
    text = "#escalate L1 server error\n#priority high\nPlease check.\n#close\nThanks"
    assert parse_block(text) == (
        (Command("#escalate L1 server error", "escalate", ("L1",), "server error"),
         Command("#priority high", "priority", ("high",))),
        "Please check.\n#close\nThanks",
    )


def test_blank_lines_before_and_inside_the_block_are_skipped() -> None:
    """Leading blank lines and blank lines between commands neither end the block nor count."""
    text = "\n  \n#reply\n\n\t\n#take\n\n\nHello Ibu,\n\nsudah kami cek.\n\n\n"
    assert parse_block(text) == (
        (Command("#reply", "reply"), Command("#take", "take")),
        "Hello Ibu,\n\nsudah kami cek.",
    )


def test_indented_command_lines_are_read() -> None:
    """A command line indented by the mail client still counts; the line is kept stripped."""
    assert parse_block("   #note\nbody") == ((Command("#note", "note"),), "body")


def test_crlf_and_cr_line_endings_are_normalised() -> None:
    """Windows and old Mac line endings split lines; the body comes back with \\n."""
    assert parse_block("#reply\r\nline one\r\nline two\rline three\r\n") == (
        (Command("#reply", "reply"),), "line one\nline two\nline three")


def test_text_without_a_block_is_all_body() -> None:
    """A reply that does not start with # has no commands and its whole text is the body."""
    assert parse_block("\n\nHello,\n#reply\n") == ((), "Hello,\n#reply")


def test_empty_and_block_only_texts() -> None:
    """Empty text gives nothing; a block with no body gives an empty body."""
    assert parse_block("") == ((), "")
    assert parse_block("#close\n\n") == ((Command("#close", "close"),), "")


def test_errors_do_not_end_the_block() -> None:
    """An unknown command is reported and the lines after it are still read as commands."""
    commands, body = parse_block("#nope\n#take\nbody")
    assert (tuple(map(shown, commands)), body) == (
        (Command("#nope", "nope", error="unknown command #nope"), Command("#take", "take")),
        "body")


def test_the_block_is_capped_with_one_error_for_the_rest() -> None:
    """After MAX_COMMANDS commands one error stands for every further line; all are consumed."""
    text = "\n".join(["#take"] * (MAX_COMMANDS + 5) + ["body"])
    commands, body = parse_block(text)
    assert tuple(map(shown, commands)) == (
        *[Command("#take", "take")] * MAX_COMMANDS,
        Command("#take", "", error=f"too many commands: only the first {MAX_COMMANDS} are read"),
    )
    assert body == "body"


def test_a_huge_block_is_capped_and_the_body_still_found() -> None:
    """A block of 100,000 command lines yields the first 50 and one overflow error, then the
    body: the cap keeps the output bounded whatever the input (speed is measured in bench/)."""
    commands, body = parse_block("#escalate L2 reason\n" * 100_000 + "body")
    assert len(commands) == MAX_COMMANDS + 1 and commands[-1].error is not None
    assert body == "body"


# --- help -------------------------------------------------------------------------------

def row(lines: list[str], start: str) -> str:
    """The help line of one command, wherever the registry puts it."""
    return next(line for line in lines if line.startswith(start))


def test_help_text_in_english() -> None:
    """English help lists every command by its English name, arguments, purpose and alias."""
    lines = help_text("en").splitlines()
    assert lines[0] == "Commands (write them on the first lines of your reply, one per line):"
    assert len(lines) == 1 + len(COMMANDS)
    assert lines[4] == ("#escalate [L1|L2] <reason>        "
                        "Move the ticket up one level (a lead may jump: L2 emergency <reason>); "
                        "also #eskalasi")
    assert row(lines, "#priority ") == (
        "#priority low|normal|high|urgent  Set the priority; also #prioritas")
    assert row(lines, "#action ") == (
        "#action <code> [app] <note>       Record the work you did: a code of your level's "
        "actions; also #tindakan")


def test_help_text_in_indonesian() -> None:
    """Indonesian help leads with the Indonesian word and names the English one."""
    lines = help_text("id").splitlines()
    assert lines[0] == "Perintah (tulis di baris paling atas balasan, satu per baris):"
    assert lines[1] == ("#balas                                    "
                        "Kirim isi pesan ke pelapor; juga #reply")
    assert row(lines, "#prioritas ") == (
        "#prioritas rendah|normal|tinggi|mendesak  Ubah prioritas; juga #priority")
    assert row(lines, "#tindakan ") == (
        "#tindakan <kode> [aplikasi] <catatan>     Catat pekerjaan yang dilakukan: kode tindakan "
        "tingkat Anda; juga #action")


def test_help_text_language_fallback() -> None:
    """A regional tag picks its language; an unknown language falls back to English."""
    assert help_text("id-ID") == help_text("id")
    assert help_text("fr") == help_text("en")


# --- property ---------------------------------------------------------------------------

@settings(max_examples=300)
@given(st.text())
def test_parse_block_never_raises_on_arbitrary_text(text: str) -> None:
    """Any text parses without raising, and the result keeps the block's invariants."""
    commands, body = parse_block(text)
    assert len(commands) <= MAX_COMMANDS + 1
    assert all(command.line.startswith("#") for command in commands)
    body_lines = body.split("\n")
    assert body == "" or (body_lines[0].strip() and body_lines[-1].strip())


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
                .map(lambda s: "#" + s), max_size=60), st.text())
def test_parse_block_never_raises_on_command_like_lines(lines: list[str], tail: str) -> None:
    """Lines that all start with # (the parser's hard case) never raise either."""
    commands, _ = parse_block("\n".join(lines) + "\n" + tail)
    assert all(isinstance(command, Command) for command in commands)
