"""Which files of an agent's reply are the agent's own, for the reporter (`own_files.choose`,
pure), and what `own_files.parts` reads from a reply's MIME tree."""
from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.policy import SMTP

from gateway.parsers.own_files import SIGNATURE_IMAGE_BYTES, Part, choose, parts

HTML = '<div>Terlampir.</div><div>Budi<br><img src="cid:Logo.1@budi"></div>'


def part(sha: str, content_type: str = "application/pdf", size: int = 50_000, cid: str = "",
         inline: bool = False, forwarded: bool = False) -> Part:
    return Part(content_type, sha, size, cid, inline, forwarded)


def test_an_agents_own_attachment_is_chosen():
    assert choose([part("a")], HTML, []) == ("a",)


def test_a_forwarded_message_and_what_is_inside_it_are_never_chosen():
    assert choose([part("m", "message/rfc822"), part("p", forwarded=True)], HTML, []) == ()


def test_a_file_the_ticket_holds_already_is_never_chosen():
    """The reporter's own PDF coming back in the reply (same SHA-256) stays with the desk."""
    assert choose([part("reporter-pdf"), part("new")], HTML, ["reporter-pdf"]) == ("new",)


def test_a_small_inline_image_the_html_shows_by_its_content_id_is_a_signature_logo():
    """Under 20 KB, inline, with a Content-ID the agent's HTML names (in any case): a logo."""
    logo = part("logo", "image/png", 5_000, "logo.1@budi", inline=True)
    assert choose([logo, part("a")], HTML, []) == ("a",)


def test_an_image_that_is_not_a_signature_logo_is_chosen():
    """Each condition of a logo matters: a large pasted screenshot, an image attached as a
    file, one the HTML does not show, one without a Content-ID, a small non-image."""
    shown = dict(cid="logo.1@budi", inline=True)
    cases = [part("big", "image/png", SIGNATURE_IMAGE_BYTES, **shown),
             part("filed", "image/png", 5_000, "logo.1@budi", inline=False),
             part("unshown", "image/png", 5_000, "other@budi", inline=True),
             part("no-cid", "image/png", 5_000, "", inline=True),
             part("text", "text/plain", 5_000, **shown)]
    assert choose(cases, HTML, []) == ("big", "filed", "unshown", "no-cid", "text")


def test_the_same_file_twice_is_chosen_once():
    assert choose([part("a"), part("b"), part("a")], HTML, []) == ("a", "b")


def test_parts_reads_every_file_of_a_reply_with_what_choose_needs():
    logo, sheet, inner = b"L" * 100, b"S" * 3000, b"I" * 200
    forwarded = EmailMessage()
    forwarded["Subject"] = "fwd"
    forwarded.set_content("inner text\n")
    forwarded.add_attachment(inner, "application", "pdf", filename="inner.pdf")
    reply = EmailMessage()
    reply["From"] = "budi@lkpp.example"
    reply.set_content("#balas\n\nTerlampir.\n")
    reply.add_alternative(HTML, subtype="html")
    reply.get_payload()[1].add_related(logo, "image", "png", cid="<Logo.1@budi>",
                                       filename="logo.png", disposition="inline")
    reply.add_attachment(sheet, "application", "vnd.ms-excel", filename="data.xls")
    reply.add_attachment(forwarded)
    found = parts(reply.as_bytes(policy=SMTP))
    digest = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    assert [(p.content_type, p.sha256, p.size, p.content_id, p.inline, p.forwarded)
            for p in found if p.sha256 in {digest(logo), digest(sheet), digest(inner)}] == [
        ("image/png", digest(logo), 100, "Logo.1@budi", True, False),
        ("application/vnd.ms-excel", digest(sheet), 3000, "", False, False),
        ("application/pdf", digest(inner), 200, "", False, True)]
    assert choose(found, HTML, []) == (digest(sheet),)


def test_parts_of_a_large_reply_hash_the_lifted_file_as_a_whole_parse_would():
    big = bytes(range(256)) * 8000  # 2 MB: the reply is over bigparts.LIFT_MESSAGE_BYTES
    reply = EmailMessage()
    reply["From"] = "budi@lkpp.example"
    reply.set_content("#balas\n\nTerlampir.\n")
    reply.add_attachment(big, "application", "zip", filename="big.zip")
    [found] = parts(reply.as_bytes(policy=SMTP))
    assert (found.sha256, found.size) == (hashlib.sha256(big).hexdigest(), len(big))


def test_parts_of_bytes_that_are_no_mail_are_none():
    assert parts(b"\x00\xff not a mail") == []


QUOTING = ('<div>Berikut langkahnya:<br><img src="cid:langkah.1@budi"></div>'
           '<div id="divRplyFwdMsg"><b>From:</b> Layanan</div>'
           '<div>Tangkapan layar pelapor:<img src="CID:layar.2@rina"></div>')


def test_an_inline_image_the_html_shows_only_inside_the_quote_is_the_notices():
    """Outlook re-encodes the notice's inline screenshot when Budi replies (a new SHA-256):
    shown only below the quote header, it came with the notice and stays with the desk; the
    screenshot Budi pasted above the quote is his and goes on."""
    pasted = part("pasted", "image/png", 300_000, "langkah.1@budi", inline=True)
    quoted = part("quoted", "image/png", 300_000, "layar.2@rina", inline=True)
    assert choose([pasted, quoted], QUOTING, []) == ("pasted",)
    # Without the quote header the same image is the agent's own.
    assert choose([quoted], QUOTING.replace('id="divRplyFwdMsg"', ""), []) == ("quoted",)
    # Gmail's quote wrapper is a quote header too.
    gmail = QUOTING.replace('id="divRplyFwdMsg"', 'class="gmail_quote"')
    assert choose([pasted, quoted], gmail, []) == ("pasted",)
