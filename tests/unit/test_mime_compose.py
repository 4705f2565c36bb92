"""Parsing and composing at the edges: safe attachment names, and headers that data cannot
inject into."""
from __future__ import annotations

import email
from email.policy import default

import pytest

from gateway.compose import Composer
from gateway.domain import Address, Notice
from gateway.parsers.mime import message_ids, parse, safe_filename


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("con.txt", "_con.txt"),
    ("LPT1", "_LPT1"),
    ("a\r\nb\x00c.pdf", "abc.pdf"),
    ("...", "attachment"),
    ("", "attachment"),
    ("C:evil.txt", "C_evil.txt"),
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_attachment_names_are_reduced_to_a_safe_base_name(name, safe):
    """Traversal, reserved device names, control characters and long names are neutralised."""
    assert safe_filename(name) == safe


def test_message_ids_are_extracted_in_order_without_repeats():
    """References with folding and repeats give each id once, in order."""
    assert message_ids("<a@x>\r\n <b@y> <a@x> junk <c@z>") == ("<a@x>", "<b@y>", "<c@z>")


def test_rfc2231_encoded_attachment_name_is_decoded_and_made_safe():
    """An RFC 2231 filename*= with ../ is decoded, then reduced to its base name."""
    raw = (b"From: a@b.c\r\nTo: h@l.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
           b"Content-Type: text/plain\r\n\r\nhalo\r\n--XX\r\n"
           b"Content-Type: application/pdf\r\nContent-Disposition: attachment;"
           b" filename*=utf-8''..%2F..%2Fsurat%20r%C3%A9sm%C3%AD.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--XX--\r\n")
    [attachment] = parse(raw).attachments
    assert (attachment.name, attachment.payload) == ("surat résmí.pdf", b"%PDF")


def test_header_values_from_data_cannot_inject_headers():
    """CR/LF in a subject or a name never becomes a new header in the mail we send."""
    composer = Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                        domain="lpse.example", loop_marker="helpdesk@lpse.example")
    notice = Notice(template="reporter_ack", to=Address("rina@x.id", "Rina\r\nBcc: evil@x.id"),
                    language="id", ticket_ref="LDP-000001",
                    context={"ref": "LDP-000001", "reporter_name": "<b>Rina</b>", "status": "new",
                             "subject": "Halo\r\nBcc: evil@x.id\r\nX-Evil: 1"})
    mail = composer.render(notice)
    parsed = email.message_from_bytes(mail.raw, policy=default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == \
        "[LDP-000001] Laporan Bapak/Ibu telah kami terima: Halo Bcc: evil@x.id X-Evil: 1"
    assert parsed["To"].addresses[0].addr_spec == "rina@x.id"
    html = parsed.get_body(("html",)).get_content()
    assert "<b>Rina</b>" not in html and "&lt;b&gt;Rina&lt;/b&gt;" in html
    assert mail.recipients == ("rina@x.id",)


def test_quoted_printable_bodies_decode_to_the_text_and_keep_to_76_columns():
    """The C encoder's output read back by the email package: the same text, every line within
    the limit, CRLF line ends, for text with accents, CJK, '=', tabs, trailing blanks and dots."""
    import random
    import quopri
    from gateway.compose import _quoted_printable
    rng = random.Random(7)
    alphabet = "abc déf=\t. \nFrom é中" + "x" * 20
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        encoded = _quoted_printable(text)
        lines = encoded.split("\r\n")
        assert lines[-1] == "" and all(len(line) <= 76 for line in lines)
        assert "\n" not in encoded.replace("\r\n", "")
        decoded = quopri.decodestring(encoded.replace("\r\n", "\n").encode()).decode("utf-8")
        assert decoded == "\n".join(text.splitlines()) + "\n"


def test_stored_files_are_attached_byte_for_byte_and_an_inline_image_keeps_its_content_id(
        tmp_path):
    """A notice's files are read from the folder when it renders: a plain file as an
    attachment, an image with a Content-ID inline beside the HTML (multipart/related) under
    the same Content-ID; a file that is gone is left out; hostile names and types are
    neutralised."""
    import hashlib
    from gateway.domain import NoticeFile
    (tmp_path / "aa11").write_bytes(b"%PDF" + bytes(range(256)) * 500)
    (tmp_path / "bb22").write_bytes(b"\x89PNG" + bytes(range(255, -1, -1)) * 300)
    composer = Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                        domain="lpse.example", loop_marker="helpdesk@lpse.example",
                        file_path=lambda sid: (tmp_path / sid) if (tmp_path / sid).is_file()
                        else None)
    notice = Notice(template="reporter_ack", to=Address("rina@x.id", "Rina"), language="id",
                    ticket_ref="LDP-000001",
                    context={"ref": "LDP-000001", "reporter_name": "Rina", "status": "new",
                             "subject": "x"},
                    files=(NoticeFile("aa11", 'laporan "akhir"\r\n.pdf', "application/pdf",
                                      128004),
                           NoticeFile("bb22", "layar.png", "image/png\r\nX-Evil: 1", 76804,
                                      "layar-001@rina"),
                           NoticeFile("cc33", "gone.txt", "text/plain", 3)))
    parsed = email.message_from_bytes(composer.render(notice).raw, policy=default)
    assert parsed.get_content_type() == "multipart/mixed"
    related, pdf = parsed.get_payload()
    assert related.get_content_type() == "multipart/related"
    alternative, png = related.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert (png["Content-ID"], png.get_content_disposition(), png.get_filename(),
            png.get_content_type()) == ("<layar-001@rina>", "inline", "layar.png",
                                        "application/octet-stream")
    assert hashlib.sha256(png.get_payload(decode=True)).digest() == \
        hashlib.sha256((tmp_path / "bb22").read_bytes()).digest()
    assert (pdf.get_content_disposition(), pdf.get_filename(), pdf.get_content_type()) == \
        ("attachment", 'laporan "akhir" .pdf', "application/pdf")
    assert pdf.get_payload(decode=True) == (tmp_path / "aa11").read_bytes()
    assert parsed["X-Evil"] is None and png["X-Evil"] is None


@pytest.mark.parametrize("value, disposition, kept", [
    ("<layar-001@rina>", "inline", "layar-001@rina"),
    ("<layar-001@rina>", None, "layar-001@rina"),
    ("<layar-001@rina>", "attachment; filename=x.png", ""),  # a file, not shown in the HTML
    ('<a"><script>@x>', "inline", ""),
    ("<a b@x>", "inline", ""),
    ("<" + "x" * 201 + ">", "inline", ""),
    (None, "inline", ""),
])
def test_only_an_inline_parts_plain_content_id_is_kept(value, disposition, kept):
    from gateway.parsers.mime import content_id
    assert content_id(value, disposition) == kept


def test_a_mail_says_which_file_it_could_not_carry(tmp_path):
    """A stored file gone from the attachments folder (removed by hand) is not attached, and
    the mail says so by name instead of claiming every file is attached."""
    from gateway.desk.attached import carried, fields
    from gateway.store.tickets import StoredFile
    (tmp_path / "s1").write_bytes(b"PK" * 100)
    stored = [StoredFile(1, "s1", "ada.xlsx", "application/zip", 200, "0" * 64, "", "<m@x>",
                         "Budi <budi@x.id>", "feedback"),
              StoredFile(2, "s2", "hilang.pdf", "application/pdf", 300, "0" * 64, "", "<m@x>",
                         "Budi <budi@x.id>", "feedback")]
    composer = Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                        domain="lpse.example", loop_marker="helpdesk@lpse.example",
                        file_path=lambda sid: (tmp_path / sid) if (tmp_path / sid).is_file()
                        else None)
    notice = Notice(template="reporter_reply", to=Address("rina@x.id", "Rina"), language="en",
                    ticket_ref="LDP-000001", files=carried(stored, 10_000, inline=False),
                    context={"ref": "LDP-000001", "reporter_name": "Rina", "status": "open",
                             "subject": "x", "message": "Here it is.",
                             **fields("LDP-000001", stored, True, 10_000)})
    raw = composer.render(notice).raw
    parsed = email.message_from_bytes(raw, policy=default)
    assert [p.get_filename() for p in parsed.iter_attachments()] == ["ada.xlsx"]
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Files: ada.xlsx (200 B), hilang.pdf (300 B)\nAttached, but for hilang.pdf, which " \
           "we could not attach: reply to this mail if you need it.\n" in text
