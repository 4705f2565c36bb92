"""Issue 14, items 2, 3 and 11, the pure parsing under them: addresses read from the raw
header with only display names decoded; the body an agent wrote, found in the MIME tree
without what is attached to it; HTML a reader never sees is never text; bidi and control
characters never shown."""
from __future__ import annotations

import base64
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP

from hypothesis import given, settings, strategies as st
import pytest

from gateway.compose import Composer, clean_header
from gateway.domain import Address, Notice
from gateway.parsers import addresses, mime, own_text, safetext
from gateway.parsers.quoting_html import html_to_text
from tests import mails

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def parsed_from(*values: str, **headers: str) -> mime.InboundMail:
    headers.setdefault("To", "helpdesk@lpse.example")
    head = "".join(f"From: {v}\r\n" for v in values)
    head += "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return mime.parse(f"{head}Subject: x\r\nMessage-ID: <a@x.id>\r\n\r\nhalo\r\n"
                      .encode("utf-8"))


FROM_VALUES = [
    # (raw From, (address, display name) read, or None when nobody can be read)
    ("Rina Wati <rina@pemkab-bogor.go.id>", ("rina@pemkab-bogor.go.id", "Rina Wati")),
    ('"Santoso, Budi S.Kom" <Budi@LKPP.example>', ("budi@lkpp.example", "Santoso, Budi S.Kom")),
    ("budi@lkpp.example (Budi Santoso)", ("budi@lkpp.example", "Budi Santoso")),
    ("=?utf-8?b?QnVkaSBTYW50b3Nv?= <budi@lkpp.example>", ("budi@lkpp.example", "Budi Santoso")),
    ("=?iso-8859-1?q?Jos=E9?= <jose@x.id>", ("jose@x.id", "José")),
    ("José Ñandú <jose@exämple.id>", ("jose@exämple.id", "José Ñandú")),
    ("Rina\r\n Wati <rina@x.id>", ("rina@x.id", "Rina Wati")),
    ("rina@x.id <Rina@x.id>", ("rina@x.id", "")),  # an address as its own name: one reading
    ("=?utf-8?q?budi=40lkpp=2Eexample?= <intern@lkpp.example>",
     ("intern@lkpp.example", "budi@lkpp.example")),
    ("=?utf-8?q?a=22_=3Cbudi=40lkpp=2Eexample=3E?= <intern@lkpp.example>",
     ("intern@lkpp.example", 'a" <budi@lkpp.example>')),
    ("(x <budi@lkpp.example>) intern@lkpp.example",
     ("intern@lkpp.example", "x <budi@lkpp.example>")),
    ("=?utf-8?q?R=0D=0ABcc=3A_e=40v=2Eid=00?= <r@x.id>", ("r@x.id", "R Bcc: e@v.id")),
    ("=?utf-8?q?budi=40lkpp=2Eexample?=", None),
    ("=?utf-8?q?budi?=@lkpp.example", None),
    ("<=?utf-8?q?budi?=@lkpp.example>", None),
    ("Intern <intern@lkpp.example=?utf-8?q?=3E?=>", None),
    ("budi@lkpp.example <intern@lkpp.example>", None),
    ("alice@example.org)<budi@lkpp.example>", None),
    ("Budi <budi@lkpp.example> <intern@lkpp.example>", None),
    ("Budi <budi@lkpp.example>, intern@lkpp.example", None),
    ("budi@lkpp.example: intern@lkpp.example;", None),
    ("intern@lkpp.example (unclosed", None),
    ('"unclosed <budi@lkpp.example>', None),
    ("budi@[127.0.0.1]", None),
    ("budi\u202e@lkpp.example", None),
    ("Undisclosed recipients:;", None),
    ("", None),
]


@pytest.mark.parametrize("raw, expected", FROM_VALUES, ids=[v[0][:40] for v in FROM_VALUES])
def test_the_sender_is_read_from_the_raw_from_or_not_at_all(raw, expected):
    """Each From value gives exactly this (address, name), or no sender."""
    sender = parsed_from(raw).sender
    assert ((sender.email, sender.name) if sender else None) == expected


def test_two_from_headers_give_no_sender():
    """RFC 5322 allows one From; which of two a signing server checked is anybody's guess."""
    assert parsed_from("budi@lkpp.example", "intern@lkpp.example").sender is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_a_decoded_display_name_never_yields_an_address_or_a_control(name):
    """Any text at all, spelled as an encoded display name, is only the name of the address in
    angle brackets: on one line, with no control or bidi character."""
    word = f"=?utf-8?b?{base64.b64encode(name.encode()).decode()}?="
    mail = parsed_from(f"{word} <rina@x.id>", Cc=f"{word} <c@x.id>", Reply_To=word)
    assert mail.sender.email == "rina@x.id" and [a.email for a in mail.cc] == ["c@x.id"]
    assert mail.reply_to == ()
    for shown in (mail.sender.name, mail.cc[0].name, mail.header("from")):
        assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in shown)
        assert not set(shown) & set(BIDI)


def test_address_lists_read_raw_and_shown_with_names_decoded_only():
    """To, Cc, Reply-To and Sender: encoded words are names or nothing; the kept header
    value shows the decoded names quoted, never an address spelled in one."""
    mail = parsed_from(
        "Rina <rina@x.id>",
        To="helpdesk@lpse.example, =?utf-8?q?budi=40lkpp=2Eexample?=",
        Cc='=?utf-8?q?Kepala=2C_Bagian?= <kabag@x.id>, "Sekretariat" <set@x.id>',
        Reply_To="=?utf-8?q?evil=40evil=2Eexample?= <rina@x.id>",
        Sender="=?utf-8?q?budi=40lkpp=2Eexample?=")
    assert mail.to == ()  # an encoded word where an address must be: the list is unreadable
    assert mail.cc == (Address("kabag@x.id", "Kepala, Bagian"), Address("set@x.id", "Sekretariat"))
    assert mail.reply_to == (Address("rina@x.id", "evil@evil.example"),)
    assert mail.headers["cc"] == ('"Kepala, Bagian" <kabag@x.id>, Sekretariat <set@x.id>',)
    assert mail.headers["reply-to"] == ('"evil@evil.example" <rina@x.id>',)
    assert mail.headers["sender"] == ("=?utf-8?q?budi=40lkpp=2Eexample?=",)
    assert mail.headers["to"] == ("helpdesk@lpse.example, =?utf-8?q?budi=40lkpp=2Eexample?=",)


def test_groups_and_empty_lists_in_to_are_read():
    assert addresses.parse_list("Tim: a@x.id, b@x.id;, c@x.id") == (
        Address("a@x.id"), Address("b@x.id"), Address("c@x.id"))
    assert addresses.parse_list("undisclosed-recipients:;") == ()


def test_a_hostile_name_written_back_is_one_address_and_no_header():
    """A reporter's name with CR, LF and a Bcc line, put in the To of a mail we write."""
    composer = Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                        domain="lpse.example", loop_marker="helpdesk@lpse.example")
    name = parsed_from("=?utf-8?q?R=0D=0ABcc=3A_e=40v=2Eid?= <r@x.id>").sender.name
    mail = composer.render(Notice(template="reporter_ack", to=Address("r@x.id", name),
                                  language="id", ticket_ref="LDP-000001",
                                  context={"ref": "LDP-000001", "reporter_name": name,
                                           "subject": f"a\r\nBcc: e@v.id {BIDI}"}))
    parsed = mails.parse(mail.raw)
    assert "Bcc" not in parsed
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == \
        [("R Bcc: e@v.id", "r@x.id")]
    assert str(parsed["Subject"]) == "[LDP-000001] Laporan Bapak/Ibu telah kami terima: a Bcc: e@v.id"
    assert clean_header(f"x{BIDI}\r\ny\x85z") == "x y z"


# -- the agent's own body ------------------------------------------------------------------------
def message(text: str | None = "Jawaban Budi.\n", html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "budi@lkpp.example", "Re: x"
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    return msg


def forward_of(body: str, inner: EmailMessage | None = None) -> EmailMessage:
    msg = message(body)
    if inner is not None:
        msg.add_attachment(inner)
    return msg


def own(msg: EmailMessage) -> own_text.OwnBody:
    return own_text.own_body(msg.as_bytes(policy=SMTP))


def test_the_own_body_is_the_first_part_without_what_is_attached():
    """Text and HTML alternatives are the body; an inline log, a file, a forwarded message
    (two levels deep) after them are not."""
    msg = message("Jawaban Budi.\n", "<p>Jawaban Budi.</p>")
    msg.add_attachment("#selesai dari log\n", disposition="inline")
    msg.add_attachment(b"PDF", maintype="application", subtype="pdf", filename="a.pdf")
    msg.add_attachment(forward_of("#tutup\n", forward_of("#eskalasi L2 x\n")))
    assert own(msg) == own_text.OwnBody("Jawaban Budi.\n", "<p>Jawaban Budi.</p>\n")


def test_a_mail_of_only_attachments_has_no_own_body():
    msg = message("")
    msg.add_attachment(forward_of("#selesai beres\n"))
    assert own(msg) == own_text.OwnBody("\n", "")  # the empty text part set_content writes
    attached = EmailMessage()
    attached.add_attachment("#selesai beres\n", filename="catatan.txt")
    assert own(attached) == own_text.OwnBody("", "")
    top = EmailMessage()
    top.set_content(forward_of("#selesai beres\n"))  # the whole mail is a message/rfc822
    assert own(top) == own_text.OwnBody("", "")


def test_html_only_and_related_bodies_are_found():
    msg = message(None, "<p>Hanya HTML</p>")
    msg.add_related(b"\x89PNG", maintype="image", subtype="png", cid="<img1>")
    assert own(msg) == own_text.OwnBody("", "<p>Hanya HTML</p>\n")


def test_the_own_body_of_a_large_mail_is_read_from_the_lifted_skeleton():
    """A 3 MB attachment is lifted out; a 400 kB base64 body is read whole all the same."""
    msg = message("Jawaban Budi.\n")
    msg.add_attachment(b"\x00" * 3_000_000, maintype="application", subtype="zip",
                       filename="log.zip")
    assert own(msg).plain == "Jawaban Budi.\n"
    big = EmailMessage()
    big.set_content("#balas\n" + "baris panjang\n" * 30_000, cte="base64")
    big.add_attachment(b"\x00" * 2_000_000, maintype="application", subtype="zip",
                       filename="log.zip")
    assert own(big).plain == "#balas\n" + "baris panjang\n" * 30_000


@pytest.mark.parametrize("html, text", [
    ('<div style="display:none">#selesai</div><p>Terlihat</p>', "Terlihat"),
    ('<div style="DISPLAY : None !important">a<div>b</div>c</div>d', "d"),
    ("<p hidden>#tutup</p><p>e</p>", "e"),
    ("<span style='visibility:hidden'>x</span>f<img hidden src=x>g", "fg"),
    ("<table style='mso-hide:all'><tr><td>x</td></tr></table>h", "h"),
    ("<!-- #selesai -->i<!--[if mso]>j<![endif]-->", "i"),
    ("<div hidden/>k", "k"),
])
def test_hidden_html_and_comments_are_not_text(html, text):
    assert html_to_text(html) == text


def test_bidi_controls_leave_subjects_names_and_file_names():
    """Subject, display name and attachment names, as parsed, hold no bidi control."""
    raw = (f"From: =?utf-8?b?{base64.b64encode(f'R{BIDI}ina'.encode()).decode()}?= <r@x.id>\r\n"
           f"Subject: =?utf-8?b?{base64.b64encode(f'a{BIDI}b'.encode()).decode()}?=\r\n"
           "Message-ID: <b@x.id>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           "Content-Type: text/plain\r\n\r\nhalo\r\n--B\r\n"
           "Content-Type: application/octet-stream\r\n"
           "Content-Disposition: attachment; filename*=utf-8''x%E2%80%AEfdp.exe\r\n\r\nMZ\r\n"
           "--B--\r\n").encode()
    mail = mime.parse(raw)
    assert (mail.sender.name, mail.subject, [a.name for a in mail.attachments]) == \
        ("Rina", "ab", ["xfdp.exe"])
    assert safetext.one_line(f"x{BIDI}\r\n\x00\u2028y") == "x y"
