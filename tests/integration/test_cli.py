"""The `ldp` command as a person or an MTA runs it: exit codes, one-line errors, the
documented JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests import mails
from tests.conftest import make_settings, write_config

pytestmark = pytest.mark.integration


def ldp(tmp_path, *args, stdin: bytes | None = None, env: dict | None = None):
    environ = {k: v for k, v in os.environ.items() if k != "LDP_LANG"}
    environ.update({"LDP_CONFIG": str(tmp_path / "ldp.toml"), "LANG": "C", **(env or {})})
    result = subprocess.run([sys.executable, "-m", "gateway", *args], cwd=tmp_path, env=environ,
                            input=stdin, capture_output=True, timeout=60)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.fixture
def configured(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}")
    write_config(tmp_path / "ldp.toml", settings)
    return tmp_path


def test_init_creates_the_schema_and_is_safe_to_run_twice(configured):
    """`ldp init` migrates once, then says the schema is up to date."""
    assert ldp(configured, "init")[:2] == (
        0, "database schema migrated: 0001_initial, 0002_reliability, 0003_sla, "
        "0004_outbox_claimer, 0005_outbox_priority, 0006_outbox_notice, 0007_same_limits, "
        "0008_sender_cap, 0009_bounce_suppressions, 0010_event_command, 0012_message_originals, "
        "0013_followers, 0014_attachment_content_id, 0015_work_log, "
        "0017_assignment_reminder, 0018_ticket_application_lpse, 0019_satisfaction, "
        "0021_ticket_links, 0022_agent_welcome\n")
    assert ldp(configured, "init")[:2] == (0, "database schema is up to date\n")


def test_ingest_stores_from_stdin_and_refuses_garbage_with_exit_65(configured):
    """An MTA pipe: a good mail exits 0 and becomes LDP-000001; garbage exits 65, quarantined."""
    raw = mails.report(message_id="<pipe-1@mail.gmail.com>")
    code, out, err = ldp(configured, "ingest", "-", stdin=raw)
    assert (code, out, err) == (0, "stored: -: new_ticket LDP-000001 team l0-lkpp\n", "")
    code, out, err = ldp(configured, "ingest", "-", stdin=b"")
    assert code == 65
    assert err.startswith("refused: -: quarantined quarantine #1: empty message")
    code, out, _ = ldp(configured, "quarantine", "list", "--json")
    assert [(q["id"], q["error"]) for q in json.loads(out)] == [(1, "empty message")]


def test_tickets_original_gives_back_a_large_mail_byte_for_byte(configured):
    """A 3 MB pasted log keeps its beginning in the ticket and its original in a file; `ldp
    tickets original` writes it back, to stdout or to a file, and says so in one line when
    there is no such message."""
    body = "".join(f"2026-11-02 09:15:01 ERROR baris {i}: sandi salah\n" for i in range(60_000))
    raw = mails.report(body=body, message_id="<orig-1@mail.gmail.com>")
    assert ldp(configured, "ingest", "-", stdin=raw)[0] == 0
    result = subprocess.run([sys.executable, "-m", "gateway", "tickets", "original",
                             "LDP-000001"], cwd=configured, capture_output=True, timeout=60,
                            env={**os.environ, "LDP_CONFIG": str(configured / "ldp.toml")})
    assert result.returncode == 0 and result.stdout == raw
    code, out, err = ldp(configured, "tickets", "original", "LDP-000001", "1", "-o", "asli.eml")
    assert (code, err) == (0, "") and (configured / "asli.eml").read_bytes() == raw
    assert out == "original message written to asli.eml (3.0 MB)\n"
    assert ldp(configured, "tickets", "original", "LDP-000001", "2") == (
        66, "", "error: ticket LDP-000001 has no inbound message number 2\n")
    assert ldp(configured, "tickets", "original", "LDP-000001", "dua")[0] == 2


def test_tickets_show_json_has_the_documented_fields(configured):
    """`tickets show --json` gives the ticket, its messages and its events, in order."""
    ldp(configured, "ingest", "-", stdin=mails.report(message_id="<json-1@mail.gmail.com>"))
    code, out, _ = ldp(configured, "tickets", "show", "LDP-000001", "--json")
    data = json.loads(out)
    assert code == 0
    assert {k: data[k] for k in ("ref", "reporter", "level", "team", "status", "priority",
                                 "category", "assignee")} == {
        "ref": "LDP-000001", "reporter": "rina@pemkab-bogor.go.id", "level": "L0",
        "team": "l0-lkpp", "status": "new", "priority": "normal", "category": None,
        "assignee": None}
    inbound = data["messages"][0]
    assert (inbound["direction"], inbound["visibility"], inbound["from"],
            inbound["message_id"]) == ("inbound", "public",
                                       "Rina Wati <rina@pemkab-bogor.go.id>",
                                       "<json-1@mail.gmail.com>")
    outbound = [(m["direction"], m["visibility"], m["from"]) for m in data["messages"][1:]]
    assert outbound == [("outbound", "public", "rina@pemkab-bogor.go.id"),
                        ("outbound", "internal", "budi@lkpp.example"),
                        ("outbound", "internal", "sari@lkpp.example")]
    assert [e["kind"] for e in data["events"]] == ["created", "routed"]
    code, out, _ = ldp(configured, "tickets", "export")
    assert [json.loads(line)["ref"] for line in out.splitlines()] == ["LDP-000001"]


def test_unknown_ticket_and_bad_config_give_one_line_and_a_meaningful_exit_code(configured):
    """A missing ticket exits 66; an unknown config key exits 78 naming the file and key."""
    ldp(configured, "init")
    assert ldp(configured, "tickets", "show", "LDP-000099") == (
        66, "", "error: no ticket LDP-000099\n")
    (configured / "bad.toml").write_text('[support]\naddress = "a@b.c"\ncolour = "red"\n')
    code, out, err = ldp(configured, "--config", str(configured / "bad.toml"), "init")
    assert (code, err) == (78, f"error: {configured / 'bad.toml'}: unknown key support.colour "
                               "(known: address, name, language, ticket_prefix, data_dir, "
                               "templates_dir, message_id_domain, max_attached_bytes, "
                               "welcome_agents)\n")
    code, _, err = ldp(configured, "init", env={"LDP_IMAP_PORT": "abc"})
    assert (code, err) == (78, "error: LDP_IMAP_PORT (environment) must be an integer, "
                               "got 'abc'\n")
    code, _, err = ldp(configured, "init", env={"LDP_LANG": "id", "LDP_CONFIG": "nope.toml"})
    assert (code, err) == (78, "galat: tidak ada berkas konfigurasi nope.toml: salin "
                               "ldp.example.toml ke ldp.toml atau beri --config\n")


def test_parse_json_reads_a_mail_without_storing_it(configured):
    """`ldp parse --json` shows addresses, text, attachments and machine verdict, stores nothing."""
    raw = mails.report(message_id="<parse-1@mail.gmail.com>",
                       attachments=[("layar.png", "image/png", b"\x89PNG....")])
    (configured / "m.eml").write_bytes(raw)
    code, out, _ = ldp(configured, "parse", "m.eml", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["from"] == {"email": "rina@pemkab-bogor.go.id", "name": "Rina Wati"}
    assert data["to"] == [{"email": "helpdesk@lpse.example", "name": ""}]
    assert data["attachments"] == [{"name": "layar.png", "size": 8, "content_type": "image/png"}]
    assert data["machine"] is None and data["message_id"] == "<parse-1@mail.gmail.com>"
    assert data["text"].startswith("Selamat pagi,\n\nSaya tidak bisa login ke SPSE")
    assert not (configured / "ldp.sqlite3").exists()
