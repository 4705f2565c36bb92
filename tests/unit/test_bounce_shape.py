"""The structure of delivery reports, apart from their wording (parsers.bounce_shape and the
layout rule in parsers.bounce)."""
from __future__ import annotations

from gateway.parsers import bounce
from gateway.parsers.autoreply import classify
from gateway.parsers.mime import parse


def mail(headers: str, body: str) -> object:
    return parse((headers.replace("\n", "\r\n") + "\r\n\r\n" + body.replace("\n", "\r\n"))
                 .encode())


def verdict(raw):
    return classify(raw, own_domains=("lpse.example",), loop_marker="helpdesk@lpse.example")


PERSON = "From: Rina <rina@pemkab-bogor.go.id>\nTo: helpdesk@lpse.example\nMessage-ID: <r@x.id>"


def test_indonesian_wording_from_a_person_is_never_a_bounce_even_listing_addresses():
    raw = mail(PERSON + "\nSubject: Email undangan gagal terkirim",
               "Email undangan tidak terkirim ke alamat berikut:\n\npokja@pemkab.go.id\n")
    assert verdict(raw) is None


def test_english_wording_from_a_person_needs_a_returned_copy_or_a_listed_address():
    prose = mail(PERSON + "\nSubject: Undeliverable invitation",
                 "Our invitation to pokja@pemkab.go.id could not be delivered.\n")
    listed = mail(PERSON.replace("rina@pemkab-bogor.go.id", "gw@relay.example")
                  + "\nSubject: Delivery failure notification",
                  "Your message could not be delivered to the following recipients:\n\n"
                  "pokja@pemkab.go.id\n")
    assert verdict(prose) is None
    assert verdict(listed).reason == "delivery failure notice (subject, wording and layout)"


def test_the_same_indonesian_words_from_the_mail_system_are_a_bounce():
    raw = mail("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
               "To: helpdesk@lpse.example\nSubject: Pesan tidak terkirim",
               "Pesan Anda tidak terkirim ke rina@pemkab-bogor.go.id karena alamat tidak "
               "ditemukan.\n")
    assert verdict(raw).kind == "bounce"
    assert verdict(raw).recipients == ("rina@pemkab-bogor.go.id",)


def test_report_structure_is_a_multipart_report_or_the_mail_system_with_a_returned_copy():
    report = mail(PERSON + "\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/report; "
                  "report-type=delivery-status; boundary=B", "--B\nContent-Type: text/plain\n"
                  "\nx\n--B--\n")
    daemon = mail("From: MAILER-DAEMON@mx.example\nReturn-Path: <>\nSubject: failure",
                  "Sorry.\n\nReceived: from lpse.example\nMessage-ID: <ldp.1@lpse.example>\n")
    person_with_headers = mail(PERSON + "\nSubject: x",
                               "Received: from a\nMessage-ID: <a@b.example>\n")
    assert bounce.has_report_structure(report)
    assert bounce.has_report_structure(daemon)
    assert not bounce.has_report_structure(person_with_headers)
    assert bounce.reported_ids(daemon) == ("<ldp.1@lpse.example>",)


def test_reported_ids_are_bounded_and_ordered_returned_first():
    refs = " ".join(f"<r{i}@x.example>" for i in range(100))
    raw = mail(f"From: MAILER-DAEMON@mx.example\nSubject: failure\nIn-Reply-To: <irt@x.example>"
               f"\nReferences: {refs}", "Sorry.\nMessage-ID: <ret@lpse.example>\n")
    ids = bounce.reported_ids(raw)
    assert ids[:3] == ("<ret@lpse.example>", "<irt@x.example>", "<r99@x.example>")
    assert len(ids) == 20


def test_a_feedback_report_is_its_own_kind_of_machine_mail():
    raw = mail("From: fbl@isp.example\nTo: helpdesk@lpse.example\nSubject: report\n"
               "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B",
               "--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--B--\n")
    assert (verdict(raw).kind, verdict(raw).reason) == ("feedback",
                                                        "feedback-loop report (RFC 5965)")
