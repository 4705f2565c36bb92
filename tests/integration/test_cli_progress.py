"""Issue 13, item 4: the command talks like a tool. `--version`; progress on stderr during long
work (a backlog in `run --once`, `rules test` over a folder, a second gateway waiting for the
mailbox lease), silent under `--quiet` and `--json`; `ldp run`'s start-up line. The progress
interval is set to 0 (`--progress-interval 0`), so the lines appear without waiting."""
from __future__ import annotations

import json
import re
from importlib import metadata

import pytest

from gateway.intake.rounds import mailbox_name
from gateway.store import database, guards
from tests import mails
from tests.cli_run import ldp
from tests.conftest import deliver, make_settings, write_config

pytestmark = pytest.mark.integration


@pytest.fixture
def backlog(tmp_path, imap_server, smtp_sink):
    """30 reports waiting in the mailbox; intake stores them in batches of 5."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}", imap_server,
                             smtp_sink, imap={"batch_size": 5})
    write_config(tmp_path / "ldp.toml", settings)
    deliver(imap_server, settings.imap.folder, *[
        mails.report(subject=f"Laporan {i}", message_id=f"<p-{i}@x.id>",
                     sender=f"pelapor{i}@example.org") for i in range(30)])
    assert ldp(tmp_path, "init").code == 0
    return tmp_path, settings


def test_version_is_the_package_version(tmp_path):
    result = ldp(tmp_path, "--version")
    assert (result.code, result.out, result.err) == (
        0, f"ldp {metadata.version('ldp-gateway')}\n", "")


def test_run_once_says_what_it_uses_and_how_far_it_is(backlog):
    folder, settings = backlog
    imap = settings.imap
    result = ldp(folder, "--progress-interval", "0", "run", "--once")
    assert result.code == 0, result.err
    assert result.out.startswith("done: 30 messages processed")
    lines = result.err.splitlines()
    assert lines[0] == (f"ldp run: mailbox {imap.username}@{imap.host}:{imap.port}/"
                        f"{imap.folder}, database sqlite:///{folder / 'ldp.sqlite3'}, "
                        f"configuration {folder / 'ldp.toml'}")
    progress = [re.sub(r", \d+ s$", "", line) for line in lines if line.startswith("intake: ")
                and "processed" in line]
    assert progress == [f"intake: {n}/30 messages processed ({100 * n // 30} %)"
                        for n in range(5, 31, 5)]
    assert imap.password not in result.err


def test_quiet_prints_no_progress_and_no_start_up_line(backlog):
    folder, _ = backlog
    result = ldp(folder, "--quiet", "--progress-interval", "0", "run", "--once")
    assert result.code == 0
    assert result.out.startswith("done: 30 messages processed")
    assert result.err == ""


def test_a_second_gateway_says_which_lease_it_waits_for(backlog):
    """The lease is held by another live gateway (host `mail-2`, pid 4242): `run --once`
    says so while it waits, then that it only sends; nothing is stored."""
    folder, settings = backlog
    db = database.connect(settings.database.url)
    name = mailbox_name(settings.imap)
    with database.transaction(db):
        assert guards.acquire_lease(name, "mail-2:4242:beef", 3600)
        _, expires = guards.lease_row(name)
    db.close()
    result = ldp(folder, "--progress-interval", "0", "run", "--once")
    assert result.code == 0 and result.out.startswith("done: 0 messages processed")
    waits = [line for line in result.err.splitlines() if line.startswith("waiting for")]
    assert waits, result.err
    expiry = expires.strftime("%Y-%m-%d %H:%M:%S UTC")
    pattern = (rf"waiting for the mailbox lease {re.escape(name)}: held by mail-2 pid 4242 "
               rf"\(seen since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC, expires {expiry} unless "
               rf"renewed\); waited \d+ s")
    assert all(re.fullmatch(pattern, line) for line in waits), waits
    assert f"another gateway (mail-2 pid 4242) holds the mailbox {name}: only sending" \
        in result.err.splitlines()


def test_rules_test_reports_progress_but_not_in_json_mode(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}")
    write_config(tmp_path / "ldp.toml", settings)
    mails_dir = tmp_path / "mails"
    mails_dir.mkdir()
    for i in range(4):
        (mails_dir / f"{i}.eml").write_bytes(mails.report(message_id=f"<r-{i}@x.id>"))
    result = ldp(tmp_path, "--progress-interval", "0", "rules", "test", str(mails_dir))
    assert result.code == 0
    assert [re.sub(r", \d+ s$", "", line) for line in result.err.splitlines()] == [
        f"rules test: {n}/4 mails explained ({25 * n} %)" for n in range(1, 5)]
    quiet = ldp(tmp_path, "--progress-interval", "0", "rules", "test", str(mails_dir),
                "--json")
    assert quiet.code == 0 and quiet.err == ""
    assert [row["file"] for row in json.loads(quiet.out)] == ["0.eml", "1.eml", "2.eml",
                                                               "3.eml"]


def test_a_wrong_imap_password_is_a_configuration_error(tmp_path, imap_server):
    """Issue 13: a refused login exited 75 (try again later) with Python bytes in the message;
    it is a sentence and exit 78, in the chosen language."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}", imap_server,
                             imap={"password": "not-the-password"})
    write_config(tmp_path / "ldp.toml", settings)
    server = f"{imap_server.host}:{imap_server.port}"
    for language, sentence in (
            ("en", f"error: the IMAP server {server} refused the login of user "
                   f"{imap_server.username}: check imap.username and imap.password"),
            ("id", f"galat: server IMAP {server} menolak login pengguna "
                   f"{imap_server.username}: periksa imap.username dan imap.password")):
        result = ldp(tmp_path, "--quiet", "run", "--once", env={"LDP_LANG": language})
        result.assert_one_line(78)
        assert result.err.startswith(sentence), result.err
        assert "b'" not in result.err and "not-the-password" not in result.err
