"""`ldp check` and the check every command makes before it starts, run as an operator runs
them: every problem at once with exit 78 before any mail is read or sent, paths from the
configuration file's folder, and a refused IMAP login as a sentence against real Dovecot."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import mails
from tests.conftest import folder_uids, deliver, make_settings, write_config

pytestmark = pytest.mark.integration


def ldp(cwd: Path, *args: str, env: dict | None = None, stdin: bytes | None = None):
    environ = {k: v for k, v in os.environ.items() if k not in ("LDP_LANG", "LDP_CONFIG")}
    environ.update({"LANG": "C", **(env or {})})
    result = subprocess.run([sys.executable, "-m", "gateway", *args], cwd=cwd, env=environ,
                            input=stdin, capture_output=True, timeout=120)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_check_on_a_good_file_prints_a_summary_and_exits_0(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}")
    config = write_config(tmp_path / "ldp.toml", settings)
    code, out, err = ldp(tmp_path, "--config", str(config), "check")
    assert (code, err) == (0, "")
    assert out == (f"{config}: the configuration is valid: 6 teams, 4 agents, 0 rules; database "
                   f"sqlite:///{tmp_path / 'ldp.sqlite3'}; IMAP - at 127.0.0.1:1 (none); SMTP "
                   f"127.0.0.1:1 (none); data in {tmp_path / 'data'}\n")


def test_check_reports_every_problem_at_once_in_one_language(tmp_path):
    config = tmp_path / "ldp.toml"
    config.write_text('[support]\naddress = "@"\nticket_prefix = "L.D.P"\n'
                      '[imap]\nbatch_size = 0\nidle_renew = 900\n[smtp]\ntimeout = 0\n'
                      '[loops]\nauto_per_hour = -1\n')
    code, out, err = ldp(tmp_path, "--config", str(config), "check",
                         env={"LDP_IMAP_PASWORD": "hunter2"})
    lines = err.splitlines()
    assert (code, out, lines[0]) == (78, "", f"error: 7 problems in the configuration {config}:")
    assert [line.strip().removeprefix(f"{config}: ").split(" must be ")[0].split(": unknown")[0]
            for line in lines[1:]] == [
        "support.address", "support.ticket_prefix", "imap.idle_renew", "imap.batch_size",
        "smtp.timeout", "loops.auto_per_hour", "LDP_IMAP_PASWORD (environment)"]
    assert "hunter2" not in err and "Traceback" not in err
    code, _, err = ldp(tmp_path, "--config", str(config), "check",
                       env={"LDP_LANG": "id", "LDP_IMAP_PASWORD": "x"})
    assert err.splitlines()[0] == f"galat: 7 masalah dalam konfigurasi {config}:"
    assert err.splitlines()[4] == (f"  {config}: imap.batch_size harus bilangan bulat dari 1 "
                                   "sampai 10000, bukan 0")
    assert " must " not in err and "unknown" not in err


def test_every_command_checks_first(tmp_path):
    """Read commands and `run` stop at the same check, before touching the database."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}")
    config = write_config(tmp_path / "ldp.toml", settings)
    for command in (["tickets", "list"], ["outbox", "list"], ["init"], ["rules", "check"],
                    ["quarantine", "list"], ["run", "--once"]):
        code, out, err = ldp(tmp_path, "--config", str(config), *command,
                             env={"LDP_SMTP_TIMOUT": "5"})
        assert (code, out, err) == (78, "", "error: LDP_SMTP_TIMOUT (environment): unknown "
                                    "variable; did you mean LDP_SMTP_TIMEOUT? (known: "
                                    "LDP_<SECTION>_<KEY> for a key of ldp.toml, LDP_CONFIG, "
                                    "LDP_LANG, LDP_CORPUS)\n"), command
    assert not (tmp_path / "ldp.sqlite3").exists()


def test_bad_work_hours_stop_run_before_any_mail_is_read_or_sent(tmp_path, imap_server,
                                                                 smtp_sink):
    """Found only after `ldp run` had stored mail and sent acknowledgements, before."""
    from tests.conftest import TEAMS
    teams = [dict(t) for t in TEAMS]
    teams[3].update(work_hours="08:00-25:00")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}", imap_server,
                             smtp_sink, teams=teams)
    config = write_config(tmp_path / "ldp.toml", settings)
    deliver(imap_server, settings.imap.folder, mails.report(message_id="<hours-1@x.id>"))
    code, out, err = ldp(tmp_path, "--config", str(config), "run", "--once")
    assert (code, out, err) == (78, "", f"error: {config}: teams[3].work_hours must be hours "
                                "like \"08:00-16:00\" (00:00 to 23:59, start before end), got "
                                "'08:00-25:00'\n")
    assert smtp_sink.messages == [] and len(folder_uids(imap_server, settings.imap.folder)) == 1
    assert not (tmp_path / "ldp.sqlite3").exists()


@pytest.mark.parametrize("language, sentence", [
    ("en", "error: the IMAP server 127.0.0.1:{port} refused the login of user {user}: check "
           "imap.username and imap.password (or LDP_IMAP_PASSWORD)\n"),
    ("id", "galat: server IMAP 127.0.0.1:{port} menolak login pengguna {user}: periksa "
           "imap.username dan imap.password (atau LDP_IMAP_PASSWORD)\n"),
])
def test_a_wrong_imap_password_is_a_configuration_error_in_a_sentence(tmp_path, imap_server,
                                                                     smtp_sink, language,
                                                                     sentence):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}", imap_server,
                             smtp_sink)
    config = write_config(tmp_path / "ldp.toml", settings)
    deliver(imap_server, settings.imap.folder, mails.report(message_id="<pw-1@x.id>"))
    wrong = "wrong-Pa55word"
    code, out, err = ldp(tmp_path, "--quiet", "--config", str(config), "run", "--once",
                         env={"LDP_IMAP_PASSWORD": wrong, "LDP_LANG": language})
    assert (code, err) == (78, sentence.format(port=imap_server.port, user=imap_server.username))
    assert wrong not in err and "b'" not in err
    assert len(folder_uids(imap_server, settings.imap.folder)) == 1
    if language == "en":  # the long-running `ldp run` stops too, instead of retrying forever
        assert ldp(tmp_path, "--quiet", "--config", str(config), "run",
                   env={"LDP_IMAP_PASSWORD": wrong})[::2] == (78, sentence.format(
                       port=imap_server.port, user=imap_server.username))


def test_relative_paths_follow_the_configuration_file_not_the_current_folder(tmp_path):
    etc, elsewhere = tmp_path / "etc", tmp_path / "elsewhere"
    etc.mkdir()
    elsewhere.mkdir()
    (etc / "rules.toml").write_text('[[rules]]\nname = "tender"\nteam = "l0-telkom"\n'
                                    'when = { subject = { keywords = ["tender"] } }\n')
    settings = make_settings(tmp_path, "sqlite:///db/ldp.sqlite3",
                             support={"data_dir": "data"}, routing={"rules_file": "rules.toml"})
    config = write_config(etc / "ldp.toml", settings)
    raw = mails.report(subject="Masalah tender", message_id="<rel-1@x.id>",
                       attachments=[("layar.png", "image/png", b"\x89PNG....")])
    assert ldp(elsewhere, "--config", "../etc/ldp.toml", "init")[0] == 0
    code, out, err = ldp(elsewhere, "--config", "../etc/ldp.toml", "ingest", "-", stdin=raw)
    assert (code, out, err) == (0, "stored: -: new_ticket LDP-000001 team l0-telkom\n", "")
    assert (etc / "db" / "ldp.sqlite3").is_file()
    assert [p.name for p in (etc / "data" / "attachments").rglob("*") if p.is_file()]
    assert sorted(p.name for p in elsewhere.iterdir()) == []
    code, out, _ = ldp(tmp_path, "--config", str(config), "tickets", "list", "--json")
    assert code == 0 and '"ref": "LDP-000001"' in out


def test_plain_imap_to_a_remote_host_is_refused_unless_accepted(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}",
                             imap={"host": "imap.lpse.example"})
    config = write_config(tmp_path / "ldp.toml", settings)
    code, _, err = ldp(tmp_path, "--config", str(config), "check")
    assert (code, err) == (78, f"error: {config}: imap.security must be ssl or starttls for "
                           "host imap.lpse.example: without TLS the password travels in clear; "
                           "\"none\" only for 127.0.0.1, ::1, localhost, or with "
                           "imap.allow_plaintext = true, got 'none'\n")
    code, _, err = ldp(tmp_path, "--config", str(config), "check",
                       env={"LDP_IMAP_ALLOW_PLAINTEXT": "true"})
    assert (code, err) == (0, "")
