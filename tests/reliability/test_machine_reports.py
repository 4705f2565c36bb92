"""Issue 14, item 10: machine mail never opens a ticket or gets an answer. Feedback-loop
reports (RFC 5965), a SendGrid delivery report whose returned message is cut short (it made
mail-parser raise AttributeError), and old-style notices from Apache James / Verizon, fml and
Sendmail 8: each is recorded as machine mail, opens no ticket and sends nothing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.domain import Disposition
from gateway.intake.rounds import handle_raw
from gateway.service import build_context
from gateway.store.models import OutboxRow, SuppressedAddressRow, TicketRow
from tests import mails
from tests.conftest import make_settings, write_config
from tests.integration.test_cli import ldp

pytestmark = pytest.mark.integration
DATA = Path(__file__).resolve().parents[1] / "data" / "bounces"
RINA = "rina@pemkab-bogor.go.id"


def feedback_report(reported_id: str, complainer: str = RINA, quoted: bool = True) -> bytes:
    """A mailbox provider's feedback-loop report: one of its users marked our mail as spam."""
    report_type = '"feedback-report"' if quoted else "feedback-report"
    return (f"From: Feedback Loop <fbl@mail.pemkab-bogor.go.id>\r\nTo: helpdesk@lpse.example\r\n"
            f"Subject: Abuse report\r\nMessage-ID: <fbl-1@mail.pemkab-bogor.go.id>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/report; boundary=F;\r\n"
            f" report-type={report_type}\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\n"
            "This is an email abuse report for a message received from 192.0.2.8.\r\n"
            "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
            "User-Agent: Pemkab-FBL/1.0\r\nVersion: 1\r\nOriginal-Mail-From: "
            f"<helpdesk@lpse.example>\r\nOriginal-Rcpt-To: <{complainer}>\r\n"
            "--F\r\nContent-Type: message/rfc822\r\n\r\nFrom: helpdesk@lpse.example\r\n"
            f"To: {complainer}\r\nMessage-ID: {reported_id}\r\nSubject: [LDP-000001] Laporan "
            "Anda telah diterima\r\n\r\nTerima kasih.\r\n--F--\r\n").encode()


def sendgrid_report() -> bytes:
    """SendGrid's delivery report: the returned message is a multipart/alternative whose
    boundary never comes (SendGrid returns the headers and the first line only)."""
    return (b"Return-Path: <apps@sendgrid.net>\r\nFrom: MAILER-DAEMON@mx.sendgrid.example\r\n"
            b"To: helpdesk@lpse.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            b"Message-Id: <sg-1@mx.sendgrid.example>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/report; report-type=delivery-status;\r\n"
            b' boundary="----------=_1351676802-30315-116783"\r\n'
            b"Content-Transfer-Encoding: binary\r\n\r\nThis is a multi-part message in MIME "
            b"format...\r\n\r\n------------=_1351676802-30315-116783\r\nContent-Type: text/plain"
            b"\r\n\r\nThis is an automatically generated message from SendGrid.\r\n\r\nI'm sorry "
            b"to have to tell you that your message was not able to be\r\ndelivered to one of "
            b"its intended recipients.\r\n\r\n------------=_1351676802-30315-116783\r\n"
            b"Content-Type: message/delivery-status\r\n\r\nX-SendGrid-QueueID: 959479146\r\n"
            b"Arrival-Date: 2026-11-02 04-46-42\r\n\r\nFinal-Recipient: rfc822; "
            b"dina@desa.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: 550 5.1.1 "
            b"User Unknown\r\n\r\n------------=_1351676802-30315-116783\r\nContent-Type: "
            b'message/rfc822; name="959479146"\r\nContent-Transfer-Encoding: binary\r\n\r\n'
            b"From: helpdesk@lpse.example\r\nTo: dina@desa.example\r\nMessage-Id: "
            b"<ldp.000001.x@lpse.example>\r\nSubject: [LDP-000001] Laporan diterima\r\n"
            b"Content-type: multipart/alternative; boundary=\"----------=_1351676787-21036-33\""
            b"\r\n\r\nThis is a multi-part message in MIME format...\r\n\r\n")


def james_notice() -> bytes:
    """Apache James as Verizon's SMS gateway runs it: "post_master", a "Re:" subject."""
    return (b"From: post_master@vtext.example\r\nTo: helpdesk@lpse.example\r\n"
            b"Message-ID: <00000000.000000.JavaMail.c@vtext.example>\r\nIn-Reply-To: "
            b"<ldp.000001.y@lpse.example>\r\nSubject: Re:[LDP-000001] Laporan diterima\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            b"Error: Invalid user address\r\n\r\nError message below:\r\n550 - Requested action "
            b"not taken: no such user here\r\n\r\nMessage details:\r\n  Subject: [LDP-000001] "
            b"Laporan diterima\r\n  MAIL FROM: helpdesk@lpse.example\r\n  RCPT TO: "
            b"0811000000@vtext.example\r\n")


def fml_alert() -> bytes:
    """fml, a Japanese list server, warning about a loop: no Precedence, no Auto-Submitted."""
    return (b"From: pengumuman-admin@lists.example\r\nTo: helpdesk@lpse.example\r\n"
            b"Subject: Loop Alert: Duplicated Message-ID (pengumuman ML)\r\n"
            b"Message-Id: <202611021810.FMLAAA26207.pengumuman@lists.example>\r\n"
            b"X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]\r\n\r\n"
            b"Duplicated Message-ID in <pengumuman@lists.example>.\r\n\r\nOriginal mail as "
            b"follows:\r\n\r\n   From: helpdesk@lpse.example\r\n   Subject: x\r\n")


def sendmail8_notice() -> bytes:
    """Sendmail 8 without MIME, its From a bare MAILER-DAEMON with a comment."""
    return (b"From: MAILER-DAEMON (Mail Delivery Subsystem)\r\nTo: helpdesk@lpse.example\r\n"
            b"Subject: Returned mail: User unknown\r\nMessage-Id: <200101011200.AA1@mx.example>"
            b"\r\n\r\n   ----- Transcript of session follows -----\r\n>>> RCPT To:"
            b"<dina@desa.example>\r\n<<< 550 <dina@desa.example>... User unknown\r\n\r\n"
            b"   ----- Unsent message follows -----\r\nMessage-ID: <ldp.000001.z@lpse.example>\r\n"
            b"From: helpdesk@lpse.example\r\nTo: dina@desa.example\r\n\r\nhalo\r\n")


SAMPLES = {
    "arf-rfc5965-example": (lambda: (DATA / "postal-mime-arf.eml").read_bytes(), "feedback"),
    "fbl-on-our-ack": (lambda: feedback_report("<ldp.000001.a@lpse.example>"), "feedback"),
    "fbl-unquoted-type": (lambda: feedback_report("<x@y.example>", quoted=False), "feedback"),
    "sendgrid-cut-short": (sendgrid_report, "bounce"),
    "apache-james-verizon": (james_notice, "bounce"),
    "fml-loop-alert": (fml_alert, "bulk"),
    "sendmail-8": (sendmail8_notice, "bounce"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_machine_reports_open_no_ticket_and_get_no_answer(name, db_url, tmp_path):
    """Each sample, first on its own and then as an answer threaded to a real ticket: machine
    mail of its kind, no new ticket, no mail out, no suppression."""
    build, kind = SAMPLES[name]
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    outcome = handle_raw(build(), ctx)
    assert outcome.disposition == Disposition.MACHINE, outcome
    assert outcome.detail.startswith(f"{kind}: ")
    assert (TicketRow.select().count(), OutboxRow.select().count()) == (0, 0)
    assert SuppressedAddressRow.select().count() == 0


def test_a_feedback_report_on_an_acknowledgement_is_recorded_on_its_ticket(db_url, tmp_path):
    """Rina's provider reports our acknowledgement as spam: the report is machine mail on the
    same ticket, which stays as it was, and nobody is answered."""
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    handle_raw(mails.report(message_id="<rina-1@mail.gmail.com>"), ctx)
    ack = OutboxRow.get(OutboxRow.template == "reporter_ack")
    before = OutboxRow.select().count()
    raw = feedback_report(ack.message_id).replace(b"Message-ID: <fbl-1",
                                                  b"In-Reply-To: " + ack.message_id.encode() +
                                                  b"\r\nMessage-ID: <fbl-1")
    outcome = handle_raw(raw, ctx)
    assert (outcome.disposition, outcome.ticket_ref) == (Disposition.MACHINE, "LDP-000001")
    assert TicketRow.select().count() == 1 and OutboxRow.select().count() == before


def test_ldp_parse_reads_the_sendgrid_report_as_a_bounce(tmp_path):
    """`ldp parse --json` on SendGrid's report: exit 0, machine mail, the failed address in
    the status part, no traceback."""
    write_config(tmp_path / "ldp.toml", make_settings(tmp_path, f"sqlite:///{tmp_path}/x.db"))
    (tmp_path / "sendgrid.eml").write_bytes(sendgrid_report())
    code, out, err = ldp(tmp_path, "parse", "sendgrid.eml", "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["machine"] == {"kind": "bounce", "reason": "delivery-status report (RFC 3464)"}
    assert result["from"]["email"] == "mailer-daemon@mx.sendgrid.example"
