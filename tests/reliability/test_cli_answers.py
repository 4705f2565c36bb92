"""Issue 14, item 12: tracebacks instead of answers. Every subcommand, run as a person would
(a real `python -m gateway` process), with missing arguments, unknown options, bad values, a
database that was never initialised and a database file full of garbage, answers with one line
on stderr and a documented exit code; no traceback, ever.

The subcommands are read from the parser itself (tests/cli_run.py), so one added later is
covered without being named here."""
from __future__ import annotations

import json
import os

import pytest

from gateway.cli import support as cli_support
from tests.cli_run import DOCUMENTED, WRITERS, Command, commands, ldp, takes_a_value
from tests.conftest import make_settings, write_config

pytestmark = pytest.mark.integration

COMMANDS = commands()
READERS = [c for c in COMMANDS if c.path not in WRITERS]
# Commands that read the database, as today's parser has them (the generic tests cover more).
DATABASE_READERS = [("tickets", "list"), ("tickets", "show"), ("tickets", "export"),
                    ("outbox", "list"), ("quarantine", "list"), ("quarantine", "retry"),
                    ("report",)]
BAD = {cli_support.iso_date: "2026-13-01", cli_support.row_id: "1e3",
       cli_support.email_address: "lead@lkpp.example\r\nBcc: spy@evil.example",
       cli_support.seconds: "-1"}


def _configure(folder, name="ldp.sqlite3"):
    write_config(folder / "ldp.toml", make_settings(folder, f"sqlite:///{folder / name}"))
    return folder


@pytest.fixture
def fresh(tmp_path):
    """A configuration whose database does not exist yet."""
    return _configure(tmp_path)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    folder = _configure(tmp_path_factory.mktemp("cli"))
    ldp(folder, "init").assert_one_line(0)
    return folder


def test_the_walk_finds_every_subcommand():
    """The generic tests below are only as good as the walk of the parser's tree."""
    paths = {c.path for c in COMMANDS}
    assert {("init",), ("run",), ("ingest",), ("parse",), ("demo",), ("report",),
            *DATABASE_READERS, ("rules", "check"), ("rules", "explain"),
            ("rules", "test")} <= paths


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.required()], ids=str)
def test_missing_arguments_are_one_usage_line(initialised, command: Command):
    result = ldp(initialised, *command.path)
    result.assert_one_line(2)
    assert "required" in result.err and f"ldp {command}" in result.err


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_an_unknown_option_is_one_usage_line(initialised, command: Command):
    result = ldp(initialised, *command.filled(), "--no-such-option")
    result.assert_one_line(2)
    assert "unrecognized arguments: --no-such-option" in result.err


BAD_VALUES = [(c, a) for c in COMMANDS for a in c.arguments
              if takes_a_value(a) and (a.choices or a.type)]


@pytest.mark.parametrize("command,action", BAD_VALUES,
                         ids=[f"{c} {a.option_strings or a.dest}" for c, a in BAD_VALUES])
def test_a_word_the_parser_knows_is_wrong_is_one_usage_line(initialised, command, action):
    """--level L5, --status wat, --from 2026-13-01, retry 1e3, --mail with CR/LF, ...: the
    parser refuses them before any work, naming the argument. (A value type added later gets
    "no-such-value"; give it a bad sample in BAD if that is a good value for it.)"""
    bad = BAD.get(action.type, "no-such-value")
    result = ldp(initialised, *command.filled(but=action), *command.words(action, bad))
    result.assert_one_line(2)
    name = action.option_strings[0] if action.option_strings else action.dest
    assert f"argument {name}" in result.err


FREE_WORDS = [(c, a) for c in COMMANDS for a in c.arguments
              if takes_a_value(a) and not (a.choices or a.type)]


@pytest.mark.parametrize("command,action", FREE_WORDS,
                         ids=[f"{c} {a.option_strings or a.dest}" for c, a in FREE_WORDS])
def test_any_other_word_gets_one_line_and_a_documented_code(initialised, command, action):
    """Files, folders, refs, teams, output paths: a path that does not exist, a word with a
    newline and a terminal escape in it."""
    bad = "/no/such/folder/LDP-1\n\x1b[2J"
    result = ldp(initialised, *command.filled(but=action), *command.words(action, bad))
    result.assert_one_line(DOCUMENTED)
    assert "\x1b" not in result.err


def test_groups_without_their_subcommand_and_a_missing_configuration(initialised):
    for group in {c.path[:-1] for c in COMMANDS if len(c.path) > 1} | {()}:
        result = ldp(initialised, *group)
        result.assert_one_line(2)
        assert "required" in result.err
    result = ldp(initialised, "--config", "/no/such.toml", "tickets", "list")
    result.assert_one_line(78)


@pytest.mark.parametrize("command", READERS, ids=str)
def test_before_init_no_traceback_and_no_database_file(fresh, command: Command):
    """Issue 13: read commands before `ldp init` printed tracebacks AND created an empty
    database. Now they say to run `ldp init` (exit 78) and create nothing."""
    result = ldp(fresh, *command.filled())
    result.assert_one_line({0, 2, 66, 78})
    assert not (fresh / "ldp.sqlite3").exists()
    if command.path in DATABASE_READERS:
        assert (result.code, result.err) == (
            78, f"error: the database sqlite:///{fresh / 'ldp.sqlite3'} does not exist yet: "
                "run `ldp init` first\n")


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.path != ("demo",)], ids=str)
def test_a_corrupt_database_file_is_one_line(fresh, command: Command):
    """A database file filled with garbage: one line naming it, exit 78; writers included."""
    (fresh / "ldp.sqlite3").write_bytes(os.urandom(3000) * 10)
    words = command.filled() + (["--once"] if command.path == ("run",) else [])
    result = ldp(fresh, *words, timeout=60)
    result.assert_one_line(DOCUMENTED)
    if command.path in DATABASE_READERS or command.path in WRITERS:
        assert result.code == 78
        assert result.err.startswith(f"error: the database sqlite:///") \
            and result.err.rstrip().endswith("cannot be read: file is not a database")


def test_quarantine_retry_of_an_id_no_database_holds(initialised):
    """`ldp quarantine retry 2**70` was an OverflowError traceback."""
    for word in (str(2**70), "0"):
        result = ldp(initialised, "quarantine", "retry", word)
        assert (result.code, result.err) == (66, f"error: no quarantined message #{word}\n")
    result = ldp(initialised, "quarantine", "retry", "1.5")
    result.assert_one_line(2)


def test_report_output_into_a_missing_folder(initialised):
    result = ldp(initialised, "report", "--from", "2026-01-01", "--to", "2026-01-31",
                 "--output", str(initialised / "nope" / "r.csv"), "--format", "csv")
    assert (result.code, result.err) == (
        73, f"error: cannot write {initialised / 'nope' / 'r.csv'}: no such file or folder\n")
    assert not (initialised / "nope").exists()


def test_report_mail_with_cr_lf_in_the_address_queues_nothing(initialised):
    for address in ("lead@lkpp.example\r\nBcc: spy@evil.example", "a@b.example, c@d.example",
                    "lead@lkpp.example\n", "no-at-sign"):
        result = ldp(initialised, "report", "--from", "2026-01-01", "--to", "2026-01-31",
                     "--mail", address)
        result.assert_one_line(2)
        assert "argument --mail: not one email address" in result.err
    result = ldp(initialised, "outbox", "list", "--json")
    assert (result.code, json.loads(result.out)) == (0, [])


def test_errors_are_in_one_language_at_a_time(initialised):
    """With LDP_LANG=id the usage line is Indonesian from end to end (argparse's own words
    included), and English without it."""
    words = ("tickets", "list", "--level", "L5")
    english = ldp(initialised, *words)
    indonesian = ldp(initialised, *words, env={"LDP_LANG": "id"})
    assert english.err == ("ldp tickets list: error: argument --level: invalid choice: 'L5' "
                           "(choose from 'L0', 'L1', 'L2') (see ldp tickets list --help)\n")
    assert indonesian.err == ("ldp tickets list: galat: argumen --level: pilihan tidak sah "
                              "'L5' (pilih dari 'L0', 'L1', 'L2') (lihat ldp tickets list "
                              "--help)\n")
    missing = ldp(initialised, "report", env={"LDP_LANG": "id"})
    assert missing.err.startswith("ldp report: galat: argumen wajib belum diberikan: --from")
    for english_word in ("error", "argument", "required", "choose"):
        assert english_word not in indonesian.err + missing.err
