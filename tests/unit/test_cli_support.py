"""The pieces of the command line that need no process: the start-up line never shows a
password, the value types refuse what they must, argparse's words in the catalogue's language."""
from __future__ import annotations

import argparse

import pytest

from gateway.cli import support as cli_support
from gateway import config
from gateway.cli.errors import translate_usage
from gateway.store.database import redact_url


@pytest.mark.parametrize("url,shown", [
    ("postgresql://ldp:s3cret@db.lkpp.example:5432/ldp",
     "postgresql://ldp:***@db.lkpp.example:5432/ldp"),
    ("postgresql://ldp:s3cr@t@db:5432/ldp", "postgresql://ldp:***@db:5432/ldp"),
    ("postgres://:pw@h/x", "postgres://:***@h/x"),
    ("postgresql://u:p@[::1", "postgresql://u:***@[::1"),  # urlparse refuses it
    ("postgresql://ldp@db/ldp", "postgresql://ldp@db/ldp"),
    ("sqlite:///var/lib/ldp/a:b@c.sqlite3", "sqlite:///var/lib/ldp/a:b@c.sqlite3"),
])
def test_database_passwords_are_masked(url, shown):
    assert redact_url(url) == shown


def test_the_start_up_line_names_mailbox_database_and_file(monkeypatch, tmp_path):
    monkeypatch.setenv("LDP_LANG", "en")
    settings = config.from_mapping({
        "support": {"address": "helpdesk@lkpp.example"},
        "database": {"url": "postgresql://ldp:hunter2@db:5432/ldp"},
        "imap": {"host": "imap.lkpp.example", "port": 993, "username": "helpdesk",
                 "password": "imap-secret", "folder": "INBOX"}}, {}, "ldp.toml")
    (tmp_path / "ldp.toml").write_text("")
    line = cli_support.startup_line(settings, str(tmp_path / "ldp.toml"))
    assert line == ("ldp run: mailbox helpdesk@imap.lkpp.example:993/INBOX, database "
                    f"postgresql://ldp:***@db:5432/ldp, configuration {tmp_path / 'ldp.toml'}")
    assert "hunter2" not in line and "imap-secret" not in line


@pytest.mark.parametrize("word", ["a@b\r\nBcc: x@y", "a@b, c@d", "a b@c", "nobody", "@x", "x@",
                                  "a@b@c", "a@b\x1b[2J", "<a@b>", "a@b\u202e"])
def test_one_email_address_or_a_usage_error(word):
    with pytest.raises(argparse.ArgumentTypeError):
        cli_support.email_address(word)


def test_good_values_pass():
    assert cli_support.email_address("lead@lkpp.example") == "lead@lkpp.example"
    assert cli_support.email_address("ops@localhost") == "ops@localhost"
    assert cli_support.row_id(str(2**70)) == 2**70  # parsed: then "not found", exit 66
    assert cli_support.seconds("0") == 0.0
    for bad in ("-1", "nan", "inf", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli_support.seconds(bad)


def test_argparse_words_in_indonesian(monkeypatch):
    monkeypatch.setenv("LDP_LANG", "id")
    assert translate_usage("the following arguments are required: --from, --to") == \
        "argumen wajib belum diberikan: --from, --to"
    assert translate_usage("unrecognized arguments: --colour") == \
        "argumen tidak dikenal: --colour"
    assert translate_usage("argument --format: invalid choice: 'pdf' (choose from 'table', "
                           "'csv')") == \
        "argumen --format: pilihan tidak sah 'pdf' (pilih dari 'table', 'csv')"
    assert translate_usage("argument --from: expected one argument") == \
        "argumen --from: perlu satu nilai"
