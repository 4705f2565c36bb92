"""Issue 14, item 11: misleading text. Bidi controls (the right-to-left override above all) in a
subject, a display name or an attachment name never reach an agent's notice, a reporter's mail
or the command line's output of tickets; and a reply is labelled by who wrote it, so a
colleague of the reporter's is not shown as the reporter. Through the whole gateway: Dovecot,
the SMTP sink, SQLite and PostgreSQL, and the real `ldp` command."""
from __future__ import annotations

import base64
import json

import pytest

from gateway.cli import views
from gateway.domain import Address, Level, Priority, Status, Ticket
from gateway.store import tickets
from tests import mails
from tests.conftest import write_config
from tests.integration.test_cli import ldp
from tests.reliability.desk import BUDI, RINA, Desk

pytestmark = pytest.mark.integration

SARI, ANDI = "sari@lkpp.example", "andi.kantor@pemkab-bogor.go.id"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Shown, these read "Faktur exe.txt ...", "Rina Wati" and "laporanexe.pdf", "fotoexe.png".
SUBJECT = "Faktur \u202etxt.exe\u202c tidak bisa dibuka \u200f\u061c\u200e"
NAME = "Rina \u2067Wati\u2069 \u202a"
FILE_2231 = "laporan%E2%80%AEfdp.exe"          # laporan RLO fdp.exe
FILE_2047 = "=?utf-8?q?foto=E2=81=A6gnp=2Eexe=E2=81=A9?="  # foto LRI gnp.exe PDI
CLEAN_SUBJECT = "Faktur txt.exe tidak bisa dibuka"


def b64word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def bidi_report() -> bytes:
    return (f"From: {b64word(NAME)} <{RINA}>\r\nTo: helpdesk@lpse.example\r\n"
            f"Subject: {b64word(SUBJECT)}\r\nMessage-ID: <bidi-1@pemkab-bogor.go.id>\r\n"
            "Date: Mon, 02 Nov 2026 09:15:00 +0700\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
            "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFaktur tidak bisa dibuka.\r\n"
            "--B\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Disposition: attachment; filename*=utf-8''{FILE_2231}\r\n\r\nMZ\r\n"
            "--B\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="{FILE_2047}"\r\n\r\nMZ\r\n'
            "--B--\r\n").encode()


def no_bidi(text: str) -> bool:
    return not any(char in text for char in BIDI)


@pytest.fixture
def desk(imap_server, smtp_sink, db_url, tmp_path):
    return Desk(imap_server, smtp_sink, db_url, tmp_path)


def test_bidi_controls_never_reach_notices_reporter_mail_or_the_command_line(desk, tmp_path):
    """Budi's notice, Sari's and Rina's acknowledgement show the subject, the name and both
    file names without a single bidi control, in their headers and their text; so do
    `ldp tickets show` and `ldp tickets list`, as tables and as JSON."""
    sent = {rcpts[0]: raw for rcpts, raw in desk.run(bidi_report())}
    assert sorted(sent) == [BUDI, RINA, SARI]
    for raw in sent.values():
        assert no_bidi(raw.decode("ascii")) and no_bidi(str(mails.parse(raw)["Subject"]))
        assert no_bidi(mails.text_of(raw)) and no_bidi(mails.html_of(raw))
    assert str(mails.parse(sent[BUDI])["Subject"]) == f"[LDP-000001] Tiket baru L0: {CLEAN_SUBJECT}"
    assert str(mails.parse(sent[RINA])["Subject"]) == \
        f"[LDP-000001] Laporan Bapak/Ibu telah kami terima: {CLEAN_SUBJECT}"
    budi = mails.text_of(sent[BUDI]).split("\n")
    assert budi[2:4] == [f"Pelapor  : Rina Wati <{RINA}>", f"Perihal  : {CLEAN_SUBJECT}"]
    assert "Lampiran : laporanfdp.exe (2 B), fotognp.exe (2 B)" in budi
    assert "Files    : laporanfdp.exe (2 B), fotognp.exe (2 B)" in \
        mails.text_of(sent[SARI]).split("\n")

    write_config(tmp_path / "ldp.toml", desk.settings)
    for args in (("show", "LDP-000001"), ("list",), ("show", "LDP-000001", "--json"),
                 ("list", "--json")):
        code, out, err = ldp(tmp_path, "tickets", *args)
        assert (code, err) == (0, "") and no_bidi(out), args
    shown = json.loads(ldp(tmp_path, "tickets", "show", "LDP-000001", "--json")[1])
    assert (shown["subject"], shown["reporter_name"]) == (CLEAN_SUBJECT, "Rina Wati")
    assert [a["name"] for a in shown["messages"][0]["attachments"]] == \
        ["laporanfdp.exe", "fotognp.exe"]
    assert shown["messages"][0]["from"] == f"Rina Wati <{RINA}>"


def test_a_ticket_stored_with_bidi_controls_is_shown_without_them():
    """Rows stored before this fix are shown clean too: the JSON view and the table."""
    ticket = Ticket(id=1, ref="LDP-000009", subject=f"a{BIDI}b", reporter=Address(
        f"r{BIDI}@x.id", f"R{BIDI}"), level=Level.L0, team="l0-lkpp", status=Status.NEW,
        priority=Priority.NORMAL, category=None, assignee=None, language="id")
    summary = views.ticket_summary(ticket)
    assert (summary["subject"], summary["reporter"], summary["reporter_name"]) == \
        ("ab", "r@x.id", "R")
    table = views.table(views.ticket_rows([ticket]), views.TICKET_HEADER)
    assert no_bidi(table) and table.split("\n")[2].endswith("r@x.id    ab")


def reply_to_report(sender: str, message_id: str, body: str) -> bytes:
    return mails.report(subject="Re: Tidak bisa login SPSE", sender=sender, body=body,
                        message_id=message_id, in_reply_to="<CAGx7rina0001@mail.gmail.com>",
                        references="<CAGx7rina0001@mail.gmail.com>")


def test_a_reply_from_a_third_party_is_labelled_by_who_wrote_it(desk):
    """Andi, a colleague Rina copied, answers her report: the team reads "a reply from Andi,
    not the reporter", with Rina named as the reporter; Rina's own reply still reads as
    hers. Andi's reply reopens nothing and gets no acknowledgement."""
    desk.report()
    sent = dict((r[0], raw) for r, raw in desk.run(reply_to_report(
        f"Andi <{ANDI}>", "<andi-1@pemkab-bogor.go.id>", "Saya juga mengalami hal yang sama.\n")))
    assert sorted(sent) == [BUDI, SARI]
    assert str(mails.parse(sent[BUDI])["Subject"]) == (
        f"[LDP-000001] Balasan dari {ANDI}, bukan pelapor: Tidak bisa login SPSE")
    assert str(mails.parse(sent[SARI])["Subject"]) == (
        f"[LDP-000001] Reply from {ANDI}, not the reporter: Tidak bisa login SPSE")
    assert mails.text_of(sent[BUDI]).split("\n")[:5] == [
        "Ada balasan baru pada tiket LDP-000001 (L0, LKPP Level 0, keadaan baru), dari orang "
        "lain, bukan pelapor.", "", f"Dari     : Andi <{ANDI}>",
        f"Pelapor  : Rina Wati <{RINA}>", "Perihal  : Tidak bisa login SPSE"]
    assert mails.text_of(sent[SARI]).split("\n")[:4] == [
        "There is a new reply on ticket LDP-000001 (L0, LKPP Level 0, status new), from "
        "someone who is not the reporter.", "", f"From     : Andi <{ANDI}>",
        f"Reporter : Rina Wati <{RINA}>"]
    [event] = [e for e in tickets.events(tickets.get_ticket("LDP-000001")) if e.kind == "reply"]
    assert (event.actor, event.detail) == (ANDI, "reply from a third party")

    sent = dict((r[0], raw) for r, raw in desk.run(reply_to_report(
        f"Rina Wati <{RINA}>", "<rina-2@mail.gmail.com>", "Sudah saya coba lagi.\n")))
    assert str(mails.parse(sent[BUDI])["Subject"]) == \
        "[LDP-000001] Balasan pelapor: Tidak bisa login SPSE"
    assert mails.text_of(sent[BUDI]).split("\n")[:3] == [
        "Ada balasan baru dari pelapor pada tiket LDP-000001 (L0, LKPP Level 0, keadaan baru).",
        "",
        f"Dari     : Rina Wati <{RINA}>"]
