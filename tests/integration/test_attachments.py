"""Attachments both ways, over a real IMAP server, a real SMTP sink, SQLite and PostgreSQL: a
reporter's files reach the agents' notices byte for byte (an inline image under its
Content-ID), an agent's own file reaches the reporter while what was forwarded, quoted back or
inlined by a signature does not, a set over the limit is listed with the command that fetches
it, and `ldp attachments list/get` give the stored bytes back."""
from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from email.message import EmailMessage

import pytest

from gateway.store import tickets
from tests import mails
from tests.conftest import write_config
from tests.integration.agent_replies import POLICY, _headers, gmail_reply
from tests.integration.test_agent_flow import ANDI, BUDI, REF, REPORT_ID, RINA, SARI, Desk

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOGO_CID = "logo-lkpp.001@budi"
SCREEN_CID = "layar-001@rina"


def data(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


PDF = b"%PDF-1.7\n" + data(2_000_000, 1)
PNG = b"\x89PNG\r\n\x1a\n" + data(2_000_000, 2)


def report_with_files(pdf: bytes = PDF, png: bytes = PNG) -> bytes:
    """Rina's report as a mail client writes one with a pasted screenshot: text and HTML,
    the PNG inline in the HTML by its Content-ID, the PDF attached."""
    message = EmailMessage()
    message["From"] = "Rina Wati <rina@pemkab-bogor.go.id>"
    message["To"] = "helpdesk@lpse.example"
    message["Subject"] = "Tidak bisa login SPSE"
    message["Date"] = "Mon, 02 Nov 2026 09:15:00 +0000"
    message["Message-ID"] = REPORT_ID
    message.set_content("Selamat pagi,\n\nSaya tidak bisa login ke SPSE. Tangkapan layar dan "
                        "laporan terlampir.\n\nTerima kasih,\nRina\n")
    message.add_alternative(f'<p>Selamat pagi,</p><p>Saya tidak bisa login ke SPSE.</p>'
                            f'<p><img src="cid:{SCREEN_CID}"></p><p>Rina</p>', subtype="html")
    message.get_payload()[1].add_related(png, "image", "png", cid=f"<{SCREEN_CID}>",
                                         filename="layar.png", disposition="inline")
    message.add_attachment(pdf, "application", "pdf", filename="laporan.pdf")
    return message.as_bytes(policy=POLICY)


def files_of(raw: bytes) -> dict[str, tuple[str, str, str | None, str]]:
    """Each leaf part with a file name or an attachment disposition, by file name:
    (MIME type, SHA-256, Content-ID, disposition). A message/rfc822 part shows as one."""
    found = {}
    for part in mails.parse(raw).walk():
        if part.is_multipart():
            continue
        if part.get_content_type() == "message/rfc822" or part.get_filename():
            payload = part.get_payload(decode=True) or b""
            found[part.get_filename() or part.get_content_type()] = (
                part.get_content_type(), sha(payload), part["Content-ID"],
                part.get_content_disposition())
    return found


def test_a_reporters_pdf_and_inline_png_reach_every_l0_agent_with_the_same_bytes(
        imap_server, smtp_sink, db_url, tmp_path):
    """Both 2 MB files are attached to each L0 agent's new-ticket notice, byte for byte; the
    inline screenshot keeps its Content-ID and the HTML shows it; the text says so."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(report_with_files())
    assert sorted(new) == [BUDI, RINA, SARI]
    for agent in (BUDI, SARI):
        assert files_of(new[agent]) == {
            "layar.png": ("image/png", sha(PNG), f"<{SCREEN_CID}>", "inline"),
            "laporan.pdf": ("application/pdf", sha(PDF), None, "attachment")}
        assert f'src="cid:{SCREEN_CID}"' in mails.html_of(new[agent])
    assert "Lampiran : layar.png (1.9 MB), laporan.pdf (1.9 MB)\n" \
           "           (terlampir pada email ini)\n" in mails.text_of(new[BUDI])
    assert "Files    : layar.png (1.9 MB), laporan.pdf (1.9 MB)\n" \
           "           (attached to this mail)\n" in mails.text_of(new[SARI])
    # The reporter's acknowledgement carries nothing back.
    assert files_of(new[RINA]) == {}
    stored = tickets.ticket_files(tickets.get_ticket(REF))
    assert [(f.name, f.sha256, f.content_id) for f in stored] == [
        ("layar.png", sha(PNG), SCREEN_CID), ("laporan.pdf", sha(PDF), "")]
    # Escalated, the ticket's files go along to the L1 team, attached as plain files.
    up = desk.deliver(gmail_reply("Budi Santoso <budi@lkpp.example>", new[BUDI],
                                  "#ambil\n#tim telkom\n#eskalasi L1 Akun terkunci di server",
                                  "Budi", "<budi-up@mail.gmail.com>"))
    assert files_of(up[ANDI]) == {
        "layar.png": ("image/png", sha(PNG), None, "attachment"),
        "laporan.pdf": ("application/pdf", sha(PDF), None, "attachment")}
    assert "cid:" not in mails.html_of(up[ANDI])


XLSX_BYTES = b"PK\x03\x04" + data(300_000, 3)
LOGO = b"\x89PNG\r\n\x1a\n" + data(5_000, 4)
INTERNAL = b"%PDF-1.4\n" + data(50_000, 5)


def forwarded_mail() -> EmailMessage:
    """A colleague's mail with its own PDF, which Budi forwards as an attachment."""
    inner = EmailMessage()
    inner["From"] = "Andi <andi@telkom.example>"
    inner["To"] = "budi@lkpp.example"
    inner["Subject"] = "Data internal akun"
    inner.set_content("Data internal, jangan diteruskan ke pelapor.\n")
    inner.add_attachment(INTERNAL, "application", "pdf", filename="internal.pdf")
    return inner


def budi_reply_with_files(notice: bytes) -> bytes:
    """Budi answers the notice in Gmail: #balas with his corrected spreadsheet attached, a
    5 KB logo inlined by his signature's HTML, Andi's mail forwarded as message/rfc822, and
    Rina's own PDF, which his client kept from the notice."""
    message = _headers(EmailMessage(), "Budi Santoso <budi@lkpp.example>", notice,
                       "<CAGx7budi0001@mail.gmail.com>", "Re: ")
    top = ("#balas\n\nSelamat siang Ibu Rina,\n\nBerikut data akun yang sudah kami perbaiki, "
           "terlampir.")
    quoted = "\n".join(f"> {line}" for line in mails.text_of(notice).split("\n"))
    message.set_content(f"{top}\n\n-- \nBudi Santoso\nHelpdesk LPSE LKPP\n\n"
                        f"Pada Sen, 2 Nov 2026 pukul 16.20 Layanan <helpdesk@lpse.example> "
                        f"menulis:\n\n{quoted}\n")
    message.add_alternative(
        f'<div dir="ltr"><div>#balas</div><div><br></div><div>Selamat siang Ibu Rina,</div>'
        f'<div>Berikut data akun yang sudah kami perbaiki, terlampir.</div><br>'
        f'<div class="gmail_signature">Budi Santoso<br>Helpdesk LPSE LKPP<br>'
        f'<img src="cid:{LOGO_CID}" width="80"></div></div>'
        f'<div class="gmail_quote"><blockquote>{mails.html_of(notice)}</blockquote></div>',
        subtype="html")
    message.get_payload()[1].add_related(LOGO, "image", "png", cid=f"<{LOGO_CID}>",
                                         filename="logo.png", disposition="inline")
    message.add_attachment(XLSX_BYTES, *XLSX.split("/"), filename="koreksi-akun.xlsx")
    message.add_attachment(forwarded_mail())
    message.add_attachment(PDF, "application", "pdf", filename="laporan.pdf")
    return message.as_bytes(policy=POLICY)


def ldp(tmp_path, *args: str, cwd=None) -> tuple[int, bytes, str]:
    environ = {k: v for k, v in os.environ.items() if k != "LDP_LANG"}
    environ.update({"LDP_CONFIG": str(tmp_path / "ldp.toml"), "LANG": "C"})
    result = subprocess.run([sys.executable, "-m", "gateway", *args], cwd=cwd or tmp_path,
                            env=environ, capture_output=True, timeout=120)
    return result.returncode, result.stdout, result.stderr.decode()


def test_an_agents_own_file_reaches_the_reporter_and_nothing_else_does(
        imap_server, smtp_sink, db_url, tmp_path):
    """Of Budi's #balas with four files, only his spreadsheet reaches Rina, byte for byte:
    not Andi's forwarded mail nor the PDF inside it, not his signature's logo, not Rina's own
    PDF coming back. Every file is kept on the ticket, and `ldp attachments` lists and gives
    them back; a name two files share is refused with both listed."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.deliver(report_with_files())
    answered = desk.deliver(budi_reply_with_files(new[BUDI]))
    assert sorted(answered) == [BUDI, RINA]
    assert files_of(answered[RINA]) == {
        "koreksi-akun.xlsx": (XLSX, sha(XLSX_BYTES), None, "attachment")}
    text = mails.text_of(answered[RINA])
    assert "Berikut data akun yang sudah kami perbaiki, terlampir." in text
    assert "Lampiran: koreksi-akun.xlsx (293 KB)\n(terlampir pada email ini)\n" in text
    assert b"jangan diteruskan" not in answered[RINA]
    assert files_of(answered[BUDI]) == {}  # the receipt carries no files

    # Every file of Budi's mail is kept on the ticket (his message, as received).
    kept = {(f.name, f.sha256) for f in tickets.ticket_files(tickets.get_ticket(REF))
            if f.author.endswith(f"<{BUDI}>")}
    assert {("koreksi-akun.xlsx", sha(XLSX_BYTES)), ("logo.png", sha(LOGO)),
            ("laporan.pdf", sha(PDF))} <= kept

    write_config(tmp_path / "ldp.toml", desk.settings)
    code, out, err = ldp(tmp_path, "attachments", "list", REF, "--json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [(r["name"], r["sha256"], r["size"]) for r in listed][:2] == [
        ("layar.png", sha(PNG), len(PNG)), ("laporan.pdf", sha(PDF), len(PDF))]
    assert (listed[0]["from"], listed[0]["message"], listed[0]["content_id"]) == \
        (f"Rina Wati <{RINA}>", 1, SCREEN_CID)
    assert {r["message"] for r in listed if r["from"].endswith(f"<{BUDI}>")} == {2}
    code, out, err = ldp(tmp_path, "attachments", "list", REF)
    assert (code, err) == (0, "")
    assert out.decode().splitlines()[0].split() == \
        ["id", "name", "type", "size", "sha256", "message", "from"]
    assert f"{sha(XLSX_BYTES)[:16]}  2        Budi Santoso <{BUDI}>" in out.decode()
    xlsx_id = next(r["id"] for r in listed if r["name"] == "koreksi-akun.xlsx")

    # By name and by number, to stdout (not a terminal) and to a file.
    assert ldp(tmp_path, "attachments", "get", REF, "koreksi-akun.xlsx")[:2] == (0, XLSX_BYTES)
    assert ldp(tmp_path, "attachments", "get", REF, str(listed[0]["id"]))[:2] == (0, PNG)
    target = tmp_path / "out.xlsx"
    code, out, err = ldp(tmp_path, "attachments", "get", REF, str(xlsx_id), "-o", str(target))
    assert (code, err) == (0, "") and target.read_bytes() == XLSX_BYTES
    assert out.decode() == f"attachment koreksi-akun.xlsx written to {target} " \
                           f"({len(XLSX_BYTES)} bytes)\n"

    # Refused, each with one line and its code: a file there already, a name two files
    # share (Rina's PDF and the copy in Budi's reply), a name or a ticket that is not there.
    code, out, err = ldp(tmp_path, "attachments", "get", REF, str(xlsx_id), "-o", str(target))
    assert (code, out) == (73, b"") and err == \
        f"error: {target} exists: not overwritten (give another --output, or --force to " \
        f"overwrite it)\n"
    pdf_ids = [r["id"] for r in listed if r["name"] == "laporan.pdf"]
    assert len(pdf_ids) == 2
    code, out, err = ldp(tmp_path, "attachments", "get", REF, "laporan.pdf")
    assert (code, out) == (2, b"") and err.count("\n") == 1
    assert err.startswith(f"error: ticket {REF} has more than one attachment named laporan.pdf: "
                          f"{pdf_ids[0]} (laporan.pdf, {len(PDF)}, Rina Wati <{RINA}>), "
                          f"{pdf_ids[1]} (laporan.pdf, {len(PDF)}, Budi Santoso <{BUDI}>)")
    assert ldp(tmp_path, "attachments", "get", REF, "../../etc/passwd") == \
        (66, b"", f"error: ticket {REF} has no attachment ../../etc/passwd\n")
    assert ldp(tmp_path, "attachments", "list", "LDP-999999") == \
        (66, b"", "error: no ticket LDP-999999\n")


def test_a_set_over_the_limit_is_listed_with_the_command_that_fetches_each_file(
        imap_server, smtp_sink, db_url, tmp_path):
    """Three 10 MB files (30 MB, within max_message_bytes) are over the 10 MiB a notice
    carries: the notice carries none of them and lists each with its size and the command;
    that command gives the bytes back, lifted out of the large mail as they were."""
    parts = [data(10_000_000, 10 + i) for i in range(3)]
    raw = mails.report(message_id=REPORT_ID, attachments=[
        (f"rekaman-{i}.zip", "application/zip", payload) for i, payload in enumerate(parts)])
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path)
    assert len(raw) < desk.settings.imap.max_message_bytes
    new = desk.deliver(raw)
    assert sorted(new) == [BUDI, RINA, SARI]
    assert files_of(new[BUDI]) == {} and len(new[BUDI]) < 100_000
    ids = [f.id for f in tickets.ticket_files(tickets.get_ticket(REF))]
    assert len(ids) == 3
    assert (f"Files    : rekaman-0.zip (9.5 MB), rekaman-1.zip (9.5 MB), rekaman-2.zip (9.5 MB)\n"
            f"           Not attached: together 28.6 MB, more than the 10.0 MB one mail "
            f"carries. Fetch each one with its number:\n"
            + "".join(f"           ldp attachments get {REF} {ids[i]}    "
                      f"(rekaman-{i}.zip, 9.5 MB)\n" for i in range(3))) \
        in mails.text_of(new[SARI])
    assert f"<code>ldp attachments get {REF} {ids[1]}</code>" in mails.html_of(new[SARI])
    write_config(tmp_path / "ldp.toml", desk.settings)
    code, out, err = ldp(tmp_path, "attachments", "get", REF, str(ids[1]))
    assert (code, err) == (0, "") and sha(out) == sha(parts[1])


def test_a_follow_ups_file_reaches_the_assignee_and_an_agents_file_over_the_limit_is_named(
        imap_server, smtp_sink, db_url, tmp_path):
    """With a 1 MB limit: Rina's screenshot in a follow-up reaches Budi (who took the ticket)
    attached, byte for byte; Budi's 2 MB spreadsheet is over the limit, so Rina's mail has
    his answer and names the file and its size, with no file and no internal command."""
    desk = Desk(imap_server, smtp_sink, db_url, tmp_path,
                support={"max_attached_bytes": 1_000_000})
    new = desk.deliver(mails.report(message_id=REPORT_ID))
    took = desk.deliver(gmail_reply("Budi Santoso <budi@lkpp.example>", new[BUDI], "#ambil",
                                    "Budi Santoso", "<CAGx7budi0001@mail.gmail.com>"))
    assert sorted(took) == [BUDI]
    screenshot = b"\x89PNG\r\n\x1a\n" + data(300_000, 6)
    follow_up = desk.deliver(mails.report(
        subject=f"Re: [{REF}] Tidak bisa login SPSE", body="Ini tangkapan layarnya.\n",
        message_id="<CAGx7rina0002@mail.gmail.com>", in_reply_to=REPORT_ID,
        references=REPORT_ID, attachments=[("galat.png", "image/png", screenshot)]))
    assert sorted(follow_up) == [BUDI]
    assert files_of(follow_up[BUDI]) == {
        "galat.png": ("image/png", sha(screenshot), None, "attachment")}
    assert "Lampiran : galat.png (293 KB)\n           (terlampir pada email ini)\n" in \
        mails.text_of(follow_up[BUDI])

    sheet = b"PK\x03\x04" + data(2_000_000, 7)
    reply = _headers(EmailMessage(), "Budi Santoso <budi@lkpp.example>", follow_up[BUDI],
                     "<CAGx7budi0002@mail.gmail.com>", "Re: ")
    reply.set_content("#balas\n\nIbu Rina, data akun yang sudah diperbaiki terlampir.\n")
    reply.add_attachment(sheet, *XLSX.split("/"), filename="koreksi-akun.xlsx")
    answered = desk.deliver(reply.as_bytes(policy=POLICY))
    assert sorted(answered) == [BUDI, RINA]
    assert files_of(answered[RINA]) == {}
    text = mails.text_of(answered[RINA])
    assert "Ibu Rina, data akun yang sudah diperbaiki terlampir." in text
    assert ("Lampiran: koreksi-akun.xlsx (1.9 MB)\nJumlahnya 1.9 MB: terlalu besar untuk "
            "dikirim lewat email (paling banyak 977 KB per email). Silakan balas email ini bila "
            "Bapak/Ibu memerlukannya, dan kami akan mengirimkannya dengan cara lain.\n") in text
    assert "ldp " not in text


def test_get_on_a_terminal_writes_a_file_of_a_safe_name_here_and_never_over_another(
        db_url, tmp_path):
    """With a terminal for stdout and no --output, the file goes to the current folder under
    its name made safe again (a hostile name in the database cannot leave the folder); a
    second get refuses to overwrite it, --force does, and the bytes are the stored ones."""
    import pty
    from gateway.store import database
    from gateway.store.models import AttachmentRow
    from tests.integration.agent_replies import LocalDesk
    desk = LocalDesk(db_url, tmp_path)
    payload = b"%PDF-1.4\n" + data(40_000, 8)
    desk.report(attachments=[("catatan.pdf", "application/pdf", payload)])
    with database.transaction(desk.ctx.db):  # as if written by hand, or by an older gateway
        AttachmentRow.update(name="../../keluar.pdf").execute()
    write_config(tmp_path / "ldp.toml", desk.settings)
    here = tmp_path / "here"
    here.mkdir()

    def on_terminal(*args: str) -> tuple[int, str, str]:
        leader, follower = pty.openpty()
        environ = {k: v for k, v in os.environ.items() if k != "LDP_LANG"}
        environ.update({"LDP_CONFIG": str(tmp_path / "ldp.toml"), "LANG": "C"})
        try:
            result = subprocess.run([sys.executable, "-m", "gateway", *args], cwd=here,
                                    env=environ, stdout=follower, stderr=subprocess.PIPE,
                                    timeout=120)
            os.close(follower)
            shown = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(leader)
        return result.returncode, shown.decode().replace("\r\n", "\n"), result.stderr.decode()

    [item] = tickets.ticket_files(tickets.get_ticket(REF))
    assert on_terminal("attachments", "get", REF, str(item.id)) == \
        (0, f"attachment ../../keluar.pdf written to keluar.pdf ({len(payload)} bytes)\n", "")
    assert sorted(p.name for p in tmp_path.rglob("keluar.pdf")) == ["keluar.pdf"]
    assert (here / "keluar.pdf").read_bytes() == payload
    (here / "keluar.pdf").write_bytes(b"mine")
    assert on_terminal("attachments", "get", REF, str(item.id)) == \
        (73, "", "error: keluar.pdf exists: not overwritten (give another --output, or --force "
                 "to overwrite it)\n")
    assert (here / "keluar.pdf").read_bytes() == b"mine"
    assert on_terminal("attachments", "get", REF, str(item.id), "--force")[0] == 0
    assert (here / "keluar.pdf").read_bytes() == payload


def test_in_a_surge_a_notice_queued_unrendered_holds_references_and_is_sent_with_the_bytes(
        imap_server, smtp_sink, db_url, tmp_path):
    """During a surge the agents' notices are queued unrendered: the row's notice (JSON) names
    the stored files and holds none of their bytes; the sender renders it after the commit,
    with the files read from their place, byte for byte."""
    import asyncio

    from gateway.intake.rounds import intake_once
    from gateway.outgoing.sender import send_due
    from gateway.service import build_context
    from gateway.store import outbox
    from gateway.store.models import OutboxRow
    from gateway.transport.imap import Mailbox
    from tests.conftest import deliver, make_settings
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink)
    deliver(imap_server, settings.imap.folder, report_with_files())
    ctx = build_context(settings, tmp_path)
    ctx.defer_rendering = lambda: True
    with Mailbox(settings.imap) as box:
        intake_once(ctx, box)
    waiting = [i for i in outbox.list_items() if i.recipient in (BUDI, SARI)]
    assert len(waiting) == 2 and all(i.raw == b"" for i in waiting)
    for item in waiting:
        assert [(f.name, f.size, f.content_id) for f in item.notice.files] == [
            ("layar.png", len(PNG), SCREEN_CID), ("laporan.pdf", len(PDF), "")]
        assert len(bytes(OutboxRow.get_by_id(item.id).notice)) < 20_000
    report = asyncio.run(send_due(ctx))
    assert report.sent == 3
    sent = {recipients[0]: raw for _sender, recipients, raw in smtp_sink.messages}
    for agent in (BUDI, SARI):
        assert files_of(sent[agent]) == {
            "layar.png": ("image/png", sha(PNG), f"<{SCREEN_CID}>", "inline"),
            "laporan.pdf": ("application/pdf", sha(PDF), None, "attachment")}
