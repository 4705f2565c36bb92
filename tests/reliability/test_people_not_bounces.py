"""Issue 14, item 13: people's mail about mail that did not arrive is not a bounce. Wording
alone ("tidak terkirim", "returned", "undeliverable") never makes a mail a bounce when a person
wrote it: a reporter's first mail opens a ticket and is acknowledged, an agent's token-verified
reply has its commands applied, a reporter's reply is appended, and no address is suppressed.
A real delivery report (multipart/report, or the mail system with a returned message) still is."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from gateway.domain import Disposition
from gateway.store import tickets
from gateway.store.models import OutboxRow, SuppressedAddressRow, TicketRow
from tests import mails
from tests.integration.agent_replies import LocalDesk, gmail_reply
from tests.reliability.bounce_mail import dsn

pytestmark = pytest.mark.integration
RINA, BUDI = "rina@pemkab-bogor.go.id", "budi@lkpp.example"
REF = "LDP-000001"

# (subject, body) in the words reporters use, Indonesian and English.
SAYINGS = {
    "gagal-terkirim-returned": (
        "Undangan gagal terkirim dan kembali (returned)",
        "Selamat pagi,\n\nUndangan pembuktian kualifikasi yang kami kirim ke penyedia gagal "
        "terkirim dan kembali (returned). Mohon bantuannya.\n\nTerima kasih,\nRina\n"),
    "tidak-terkirim": (
        "Email notifikasi SPSE tidak terkirim",
        "Email notifikasi dari SPSE tidak terkirim ke alamat kantor kami sejak kemarin.\n"),
    "tidak-sampai": (
        "Email aktivasi tidak sampai",
        "Email aktivasi akun tidak sampai ke kotak masuk, folder spam juga sudah dicek. Email "
        "kami ke pokja juga tidak dapat dikirim.\n"),
    "tidak-diterima": (
        "Pesan tidak diterima penyedia",
        "Pesan undangan tidak diterima oleh penyedia; kata mereka email gagal dikirim.\n"),
    "email-kembali": (
        "Email kembali terus",
        "Setiap kirim email ke pokja, email kembali dengan tulisan tidak terkirim. Alamat "
        "yang gagal:\n\npokja.konstruksi@pemkab-bogor.go.id\nulp@pemkab-bogor.go.id\n"),
    "undeliverable": (
        "Undeliverable: tender invitation",
        "Our tender invitation came back as undeliverable. Delivery failed for every bidder.\n"),
    "delivery-failed": (
        "Delivery failed for the SPSE notification",
        "The SPSE notification could not be delivered to our office; delivery failed twice.\n"),
    "returned-mail": (
        "Returned mail from LPSE",
        "We got a returned mail notice: the message was not delivered to the committee.\n"),
    "not-received": (
        "Verification email not received",
        "The verification email was not received; it seems it was not delivered at all.\n"),
}


def assert_no_suppression() -> None:
    assert SuppressedAddressRow.select().count() == 0


@pytest.mark.parametrize("name", sorted(SAYINGS))
def test_a_reporters_first_mail_about_lost_mail_opens_a_ticket(name, db_url, tmp_path):
    """Each saying as a reporter's first mail: a ticket, an acknowledgement, no suppression."""
    subject, body = SAYINGS[name]
    desk = LocalDesk(db_url, tmp_path)
    sent = desk.report(subject=subject, body=body)
    assert desk.outcome.disposition == Disposition.NEW_TICKET, desk.outcome
    assert tickets.get_ticket(REF).subject == subject
    [ack] = sent[RINA]  # in the reporter's language: Indonesian or English
    assert mails.parse(ack)["Subject"] in (f"[{REF}] Laporan Bapak/Ibu telah kami terima: {subject}",
                                           f"[{REF}] We have received your report: {subject}")
    assert OutboxRow.get(OutboxRow.recipient == RINA).template == "reporter_ack"
    assert_no_suppression()


def test_a_reporters_first_mail_with_the_bounce_attached_opens_a_ticket(db_url, tmp_path):
    """Rina forwards the delivery report she got as an attachment, without "Fwd:": a person
    asking for help, not a bounce."""
    subject, body = SAYINGS["gagal-terkirim-returned"]
    report = mails.report(subject=subject, body=body, attachments=[
        ("returned.eml", "message/rfc822", dsn("penyedia@cv-maju.example",
                                               returned_id="<inv-1@pemkab-bogor.go.id>"))])
    desk = LocalDesk(db_url, tmp_path)
    sent = desk.deliver(report)
    assert desk.outcome.disposition == Disposition.NEW_TICKET, desk.outcome
    assert len(sent[RINA]) == 1 and len(sent[BUDI]) == 1
    assert_no_suppression()


def budi_says(notification: bytes, top: str, number: int) -> bytes:
    return gmail_reply("Budi Santoso <budi@lkpp.example>", notification, top,
                       "Budi Santoso\nLayanan Dukungan Pengguna", f"<CAGx7budi{number}@gmail.com>")


@pytest.mark.parametrize("name", sorted(SAYINGS))
def test_an_agents_reply_on_a_ticket_about_lost_mail_is_applied(name, db_url, tmp_path):
    """On a ticket whose subject says mail did not arrive, Budi's token-verified replies are
    applied: #balas reaches Rina, #eskalasi moves the ticket to L1; nothing is suppressed."""
    subject, body = SAYINGS[name]
    desk = LocalDesk(db_url, tmp_path)
    notice = desk.report(subject=subject, body=body)[BUDI][0]
    answer = f"Ibu Rina, {body.splitlines()[-1].strip()} Sudah kami kirim ulang."
    sent = desk.deliver(budi_says(notice, f"#balas\n\n{answer}", 1))
    assert desk.outcome.disposition != Disposition.MACHINE, desk.outcome
    [to_rina] = sent[RINA]
    assert answer in mails.text_of(to_rina)
    desk.deliver(budi_says(notice, "#tim telkom\n#eskalasi L1 Email dari SPSE tidak terkirim; "
                           "mohon cek log server mail. Pesan kembali (returned) ke pengirim.", 2))
    assert desk.outcome.disposition != Disposition.MACHINE, desk.outcome
    assert tickets.get_ticket(REF).level.value == "L1", desk.outcome
    assert_no_suppression()


def test_a_reporters_reply_about_lost_mail_is_appended(db_url, tmp_path):
    """Rina answers our acknowledgement: "still not received, the mail came back"."""
    desk = LocalDesk(db_url, tmp_path)
    ack = desk.report(subject="Email notifikasi SPSE tidak terkirim")[RINA][0]
    ours = mails.parse(ack)["Message-ID"]
    reply = mails.report(subject="Re: [LDP-000001] Email notifikasi SPSE tidak terkirim",
                         body="Sampai sekarang email masih tidak diterima, dan email kami "
                              "kembali (returned): undeliverable.\n", message_id="<r2@x.id>",
                         in_reply_to=ours, references=ours)
    desk.deliver(reply)
    assert desk.outcome.disposition == Disposition.FOLLOW_UP, desk.outcome
    assert [m.kind for m in tickets.messages(tickets.get_ticket(REF))] == ["report", "reply"]
    assert_no_suppression()


def test_a_real_report_on_our_mail_to_the_reporter_is_still_a_bounce(db_url, tmp_path):
    """The mail system's report on our acknowledgement, in Gmail's Indonesian wording and as a
    multipart/report: machine mail, and Rina is suppressed; the ticket is unchanged."""
    desk = LocalDesk(db_url, tmp_path)
    ack = desk.report(subject="Email notifikasi SPSE tidak terkirim")[RINA][0]
    ours = mails.parse(ack)["Message-ID"]
    desk.deliver(dsn(RINA, returned_id=ours, sender="mailer-daemon@googlemail.com"))
    assert desk.outcome.disposition == Disposition.MACHINE
    assert [r.email for r in SuppressedAddressRow.select()] == [RINA]
    assert TicketRow.select().count() == 1
