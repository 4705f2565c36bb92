"""Fresh text of replies: quote headers, quoted history and signatures removed, traps kept."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.parsers.quoting import fresh_text, html_to_text, strip_quotes, strip_signature
from tests.conftest import CORPUS
from tests.cost import LINEAR_ENOUGH, growth

REPLIES = Path(__file__).resolve().parents[1] / "data" / "replies"
CASES = sorted(p.name.removesuffix(".expected.txt") for p in REPLIES.glob("*.expected.txt"))


def corpus_file(relative: str, corpus: Path = CORPUS) -> str:
    return (corpus / relative).read_text(encoding="utf-8", errors="replace")


# -- the team-made Indonesian fixtures ---------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_indonesian_fixture(name: str) -> None:
    """Each fixture in tests/data/replies yields exactly its .expected.txt fresh text."""
    expected = (REPLIES / f"{name}.expected.txt").read_text(encoding="utf-8").removesuffix("\n")
    text_path, html_path = REPLIES / f"{name}.txt", REPLIES / f"{name}.html"
    if text_path.exists():
        got = fresh_text(text_path.read_text(encoding="utf-8"))
    else:
        got = fresh_text("", html_path.read_text(encoding="utf-8"))
    assert got == expected


def test_there_are_at_least_twenty_indonesian_fixtures() -> None:
    """The Indonesian fixture set has at least twenty cases."""
    assert len(CASES) >= 20


# -- Gmail -------------------------------------------------------------------------------------
def test_gmail_id_attribution_wrapped_before_menulis() -> None:
    """Gmail web (id) wraps `menulis:` onto its own line; both lines go with the quote."""
    text = ("Sudah beres.\n\nPada Sab, 15 Jun 2024 pukul 14.59 Budi Santoso <budi@example.go.id>\n"
            "menulis:\n\n> Tolong dicek.\n")
    assert fresh_text(text) == "Sudah beres."


def test_gmail_en_attribution_wrapped_before_wrote() -> None:
    """Gmail web (en, 2024) wraps `wrote:` onto the next line, without a comma before the name."""
    text = ("Thanks, fixed.\n\nOn Sat, Jun 15, 2024 at 3:00 PM Budi Santoso <budi@example.com>\n"
            "wrote:\n\n> Please check.\n")
    assert fresh_text(text) == "Thanks, fixed."


def test_gmail_en_attribution_over_three_lines() -> None:
    """An attribution wrapped over three lines (name, address, `wrote:`) is one header."""
    text = ("I get proper rendering as well.\n\nOn Dec 16, 2011, at 12:47 PM, Corey Donohoe\n"
            "<reply@reply.github.com>\nwrote:\n\n> Was this caching related?\n")
    assert fresh_text(text) == "I get proper rendering as well."


def test_gmail_forward_without_comment_yields_forwarded_body() -> None:
    """A Gmail forward with nothing above it yields the forwarded message's body."""
    text = ("---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\n"
            "Date: Mon, Dec 15, 2024 at 3:00 PM\nSubject: Update\nTo: Team <team@example.com>\n\n"
            "The server is down.\n")
    assert fresh_text(text) == "The server is down."


def test_gmail_forward_with_comment_keeps_only_the_comment() -> None:
    """A forward with a comment above it yields the comment only."""
    text = ("See below.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\n"
            "Subject: Update\n\nThe server is down.\n")
    assert fresh_text(text) == "See below."


# -- Outlook -----------------------------------------------------------------------------------
def test_outlook_en_header_block_found_by_structure() -> None:
    """An Outlook From/Sent/To/Subject block ends the fresh text, even with no separator."""
    text = ("Thank you very much.\n\n\nFrom: somedude [mailto:test@webdomain.com]\n"
            "Sent: Tuesday, 14 May 2013 6:18 AM\nTo: Developer\n"
            "Subject: You have a new message\n\n"
            "Original text.\n")
    assert fresh_text(text) == "Thank you very much."


def test_outlook_split_from_line_is_still_a_header_block() -> None:
    """A From: value wrapped onto a second line does not hide the header block."""
    text = ("Fresh.\n\nFrom: Human Resources \n<a-really-long-automated-email@hr.example.com> \n"
            "Sent: Monday, August 26, 2019 4:37 PM\nTo: Abhishek <a@example.com>\n"
            "Subject: A new message\n\nOld.\n")
    assert fresh_text(text) == "Fresh."


def test_outlook_original_message_separator() -> None:
    """`-----Original Message-----` and the block under it are history."""
    text = "Fresh.\n\n-----Original Message-----\nFrom: a@example.com\nSent: Monday\n\nOld.\n"
    assert fresh_text(text) == "Fresh."


def test_outlook_bold_labels_from_gmail_conversion() -> None:
    """`*From:*`-style bold labels (Outlook mail converted by Gmail) are recognised."""
    text = ("Outlook with a reply\n\n\n ------------------------------\n\n"
            "*From:* Google Apps Sync Team [mailto:mail-noreply@google.com]\n"
            "*Sent:* Thursday, February 09, 2012 1:36 PM\n*To:* jow@example.com\n"
            "*Subject:* Google Apps Sync was updated!\n\nDear user,\n")
    assert fresh_text(text) == "Outlook with a reply"


def test_outlook_web_underscore_line_then_header() -> None:
    """Outlook on the web's 32-underscore line above the block is removed with it."""
    text = "Fresh.\n" + "_" * 32 + "\nFrom: Bob\nSent: Monday\nTo: Ann\nSubject: Hi\n\nOld.\n"
    assert fresh_text(text) == "Fresh."


# -- Apple Mail, Yahoo, Thunderbird, other webmails --------------------------------------------
def test_apple_mail_attribution_over_three_lines() -> None:
    """Apple Mail's "On <date>,\\nat <time>,\\n<name> wrote:" is joined into one header."""
    text = ("This is new.\n\nOn Nov 21, 2014,\nat 10:18,\nJohn Doe <john@doe123.com> wrote:\n\n"
            "> Ok. Thanks.\n")
    assert fresh_text(text) == "This is new."


def test_yahoo_en_attribution_without_blank_line() -> None:
    """Yahoo's long "On <weekday>, <date>, <time> GMT, <name> wrote:" needs no blank line."""
    text = ("Fine.\nOn Wednesday, January 8, 2020, 08:47:07 PM GMT, Ann <ann@example.com> wrote:\n"
            "Old text without quote marks.\n")
    assert fresh_text(text) == "Fine."


def test_yahoo_old_original_message_block() -> None:
    """Yahoo's old `----- Original Message -----` separator ends the fresh text."""
    text = ("Hello\n\n\n----- Original Message -----\nFrom: \"bob\" <bob@example.com>\n"
            "To: xxx@gmail.com\nSent: Monday, April 2, 2012 5:44 PM\nSubject: Test\n\nHi\n")
    assert fresh_text(text) == "Hello"


def test_thunderbird_en_bottom_post() -> None:
    """Thunderbird bottom-posting: the text under the quote is the fresh text."""
    text = "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi \nHello"
    assert fresh_text(text) == "Hello"


def test_zoho_attribution_with_dashes_and_no_colon() -> None:
    """Zoho's "---- On <date> <addr> wrote ----" is a header although it has no colon."""
    text = "Fresh.\n\n---- On Wed, 24 Feb 2021 14:02:50 +0530 john@gmail.com wrote ----\n\nOld.\n"
    assert fresh_text(text) == "Fresh."


def test_attribution_ending_with_address_and_colon() -> None:
    """A German-style "Am <date> schrieb <name> <addr>:" header is found by its `<addr>:` end."""
    text = ("Danke.\n\nAm So., 1. Jan. 2023 um 17:22 Uhr schrieb John Doe <\n"
            "noreply@github.com>:\n\n> Alt.\n")
    assert fresh_text(text) == "Danke."


# -- plain `>` quoting ---------------------------------------------------------------------------
def test_inline_replies_between_quotes_are_kept() -> None:
    """Text written between quoted blocks is fresh; the blocks are replaced by one blank line."""
    text = "> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two.\n"
    assert fresh_text(text) == "Answer one.\n\nAnswer two."


def test_rewrapped_quote_line_is_not_fresh_text() -> None:
    """A lowercase line wedged between quoted lines is a quote its client re-wrapped."""
    text = "Fresh.\n\n> Lorem ipsum dolor pharetra d\nignissim odio?\n>\n"
    assert fresh_text(text) == "Fresh."


def test_strip_quotes_keeps_signature() -> None:
    """strip_quotes removes quoted history only; the signature is left for strip_signature."""
    text = "Hello\n\n-- \nBudi\n\nOn Apr 3, 2012, at 4:19 PM, bob wrote:\n\n> Hi\n"
    assert strip_quotes(text) == "Hello\n\n--\nBudi"


def test_crlf_line_endings() -> None:
    """CRLF line endings are handled like LF."""
    text = (":+1:\r\n\r\nOn Tue, Sep 25, 2012 at 8:59 AM, Chris\r\n<n@github.com>wrote:\r\n\r\n"
            "> Old\r\n")
    assert fresh_text(text) == ":+1:"


# -- false-positive traps ----------------------------------------------------------------------
def test_sentences_starting_with_on_or_pada_stay() -> None:
    """Lines that start like an attribution but are prose stay in the fresh text."""
    text = ("On the other hand, it could happen TWICE!\nOn average, this works well.\n"
            "Pada hari Senin saya sudah menulis laporan.\nPada rapat kemarin Pak Budi menulis:\n"
            "- poin satu\n")
    assert fresh_text(text) == text.rstrip("\n")


def test_from_in_the_middle_of_a_line_is_not_a_header() -> None:
    """`From:` inside a sentence does not start a header block."""
    text = "The data comes From: our database, not From: external sources.\n\nThis is the content."
    assert fresh_text(text) == text


def test_memo_lines_in_fresh_text_are_not_a_header_block() -> None:
    """A memo (Kepada/Dari/Perihal) written in the reply is not taken for an Outlook block."""
    text = "Isi memo:\n\nKepada: Kepala Biro\nDari: Sekretaris\nPerihal: AC rusak\n\nMohon dicek."
    assert fresh_text(text) == text


def test_wrote_inside_a_url_is_not_a_header() -> None:
    """A URL containing "wrote" and a quoted "wrote:" word do not end the fresh text."""
    text = ("Check https://example.com/on-date-someone-wrote-about-parsing\n\n"
            "It handles patterns like \"wrote:\" in them.")
    assert fresh_text(text) == text


def test_timestamps_in_fresh_text_stay() -> None:
    """Dates and times on their own lines are content, not headers."""
    text = "Formats:\n\n2024-01-15 14:30:25\n15.01.2024 14:30\nJan 15, 2024 at 14:30\n\nDone."
    assert fresh_text(text) == text


def test_address_or_name_with_menulis_but_no_date_stays() -> None:
    """Prose ending in an address or "menulis:" without a time or year does not cut the text."""
    text = ("Laporan 3 sudah saya kirim ke budi@example.go.id:\n\nisi laporan terlampir.\n\n"
            "Pada rapat, Budi <budi@example.go.id> menulis:\nserver dipindah.")
    assert fresh_text(text) == text


def test_memo_at_the_top_yields_the_text_below() -> None:
    """A From-first block at the very top is treated as a forward: its body is returned."""
    text = "Dari: Budi <budi@example.go.id>\nTanggal: 6 Jan 2020\n\nMohon bantuan reset akun."
    assert fresh_text(text) == "Mohon bantuan reset akun."


# -- signatures --------------------------------------------------------------------------------
@pytest.mark.parametrize("footer", [
    "-- \nBudi Santoso\nBagian TI",
    "--\nrick",
    "—\nJohn Doe",
    "Sent from my iPhone",
    "Sent from my Verizon Wireless BlackBerry",
    "Sent from Mail for Windows 10",
    "Dikirim dari iPhone saya",
    "Dikirim dari Yahoo Mail di Android",
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
])
def test_signature_markers_are_stripped(footer: str) -> None:
    """Each obvious signature marker removes itself and everything below it."""
    assert strip_signature(f"Mohon dibantu.\n\n{footer}\n") == "Mohon dibantu."


@pytest.mark.parametrize("line", [
    "Sent from my desk, is much easier then my mobile phone.",
    "And here is a fix -- this is not a signature.",
    "Dikirim dari gudang Cikarang kemarin sore.",
    "-- first point needs to be checked",
    "Salam,",
])
def test_lines_that_only_look_like_signatures_stay(line: str) -> None:
    """Prose that mentions "sent from", dashes or a closing is not a signature marker."""
    text = f"Halo.\n\n{line}\nBudi"
    assert strip_signature(text) == text


# -- HTML --------------------------------------------------------------------------------------
def test_html_used_only_when_text_is_empty() -> None:
    """The text/plain body wins; the HTML is used only when the text is empty."""
    html = "<p>From HTML</p>"
    assert fresh_text("From text", html) == "From text"
    assert fresh_text("  \n", html) == "From HTML"
    assert fresh_text("", "") == ""


def test_html_gmail_quote_div_is_cut() -> None:
    """Gmail's `gmail_quote` div, attribution included, is the start of the history."""
    html = ('Hello<br><br><div class="gmail_quote">On Mon, Apr 2, 2012 at 6:26 PM, Megan '
            '&lt;<a href="mailto:m@example.com">m@example.com</a>&gt; wrote:<br>'
            '<blockquote class="gmail_quote">Hi</blockquote></div><br>')
    assert fresh_text("", html) == "Hello"


def test_html_outlook_border_top_block_is_cut() -> None:
    """Outlook desktop's border-top div holding `From:`/`Sent:` starts the history."""
    html = ("<p class=MsoNormal>Fine.</p><div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
            "<p class=MsoNormal><b>From:</b> Bob<br><b>Sent:</b> Monday<br><b>To:</b> Ann</p>"
            "</div>"
            "<p class=MsoNormal>Old.</p>")
    assert fresh_text("", html) == "Fine."


def test_html_hr_before_date_block_is_cut() -> None:
    """Hotmail's `<hr>` followed by a Date:/Subject:/From: block starts the history."""
    html = ("<div>Blah<br><br><hr>Date: Tue, 22 May 2012 18:29:16 -0600<br>To: x@hotmail.ca<br>"
            "From: q@example.com<br>Subject: New mail<br><br></div>")
    assert fresh_text("", html) == "Blah"


def test_html_hr_in_fresh_text_is_not_a_cut() -> None:
    """An `<hr>` not followed by a header block is kept as part of the fresh text."""
    html = "<p>Part one</p><hr><p>Part two</p>"
    assert fresh_text("", html) == "Part one\n\nPart two"


def test_html_outlook_for_mac_section_is_cut() -> None:
    """Outlook for Mac's OLK_SRC_BODY_SECTION span is the history."""
    html = ('<div>Reply</div><span id="OLK_SRC_BODY_SECTION"><div><span>From: </span>Bob<br>'
            "</div><div>Hi</div></span>")
    assert fresh_text("", html) == "Reply"


def test_html_blockquote_type_cite_after_attribution_is_cut() -> None:
    """Apple Mail's attribution div and `<blockquote type=cite>` are both history."""
    html = ('<div>Ya.</div><div><br>On Apr 3, 2024, at 4:19 PM, Ann &lt;a@example.com&gt; wrote:'
            '<br><br></div><blockquote type="cite"><div>Old?</div></blockquote>')
    assert fresh_text("", html) == "Ya."


def test_html_lone_gmail_blockquote_is_a_quote_not_a_cut() -> None:
    """Gmail's "quote" button (a lone blockquote.gmail_quote) drops only the quoted lines."""
    html = ('<div>Message</div><blockquote class="gmail_quote">Quoted line</blockquote>'
            "<div>After the quote</div>")
    assert fresh_text("", html) == "Message\n\nAfter the quote"


def test_html_forward_without_comment_yields_forwarded_body() -> None:
    """An HTML-only Gmail forward with nothing above the quote yields the forwarded body."""
    html = ('<div dir="ltr"><br><div class="gmail_quote">---------- Forwarded message ---------'
            '<br>From: <b class="gmail_sendername">Bob</b> &lt;bob@example.com&gt;<br>'
            "Date: Fri, Feb 11, 2010 at 5:59 PM<br>Subject: Bob WFH today<br>"
            'To: Mary &lt;mary@example.com&gt;<br><br><br><div dir="ltr">eom</div></div></div>')
    assert fresh_text("", html) == "eom"


def test_html_to_text_layout() -> None:
    """Blocks and <br> become newlines, links keep their text, entities are decoded."""
    html = ("<html><head><title>t</title><style>p {color: red}</style></head><body>"
            "<h1>Judul</h1><p>Satu &amp; <a href='https://x.example'>dua</a>\n   tiga</p>"
            "<div>baris<br>baru</div><ul><li>a</li><li>b</li></ul>"
            "<script>alert('x')</script><p>&lt;akhir&gt;&nbsp;</p></body></html>")
    assert html_to_text(html) == "Judul\n\nSatu & dua tiga\n\nbaris\nbaru\n\n- a\n- b\n\n<akhir>"


def test_html_to_text_quotes_blockquotes_and_keeps_pre() -> None:
    """Blockquote lines get `> ` prefixes and <pre> keeps its spacing."""
    html = "<p>Atas</p><blockquote><p>Kutipan</p><blockquote>Dalam</blockquote></blockquote>" \
           "<pre>  a  b\n  c</pre>"
    assert html_to_text(html) == "Atas\n\n> Kutipan\n\n>> Dalam\n\n  a  b\n  c"


def test_html_to_text_unclosed_and_broken_markup() -> None:
    """Unclosed tags and stray end tags still render their text."""
    assert html_to_text("<div><p>satu<p>dua</span></div></blockquote>tiga") == \
        "satu\n\ndua\n\ntiga"


# -- cost grows linearly ------------------------------------------------------------------------
def test_pathological_corpus_body_is_cut_at_its_header_in_linear_time() -> None:
    """The ReDoS body from github-email_reply_parser is cut at its header, and four copies of
    it cost about four times one."""
    text = corpus_file("github-email_reply_parser/test/emails/pathological.txt")
    assert fresh_text(text) == ("I think you're onto something. I will try to fix the problem as "
                                "soon as I\nget back to a computer.")
    assert growth(fresh_text, lambda n: ("x\n" + text * n,)) < LINEAR_ENOUGH


@pytest.mark.parametrize("build", [
    lambda n: ("x\n" + ">" * 100_000 * n,),
    lambda n: ("On " + "1, " * 20_000 * n + "wrote",),
    lambda n: ("On 1 Jan 2020 Budi\n" * 2_000 * n,),
    lambda n: (("From: a\n" * 2_000 * n) + "To: b\n",),
    lambda n: ("Pada " + "a" * 50_000 * n + " menulis:",),
    lambda n: ("> q\nx\n" * 5_000 * n,),
    lambda n: ("", "<div>" * 1_000 * n + "x" * 25_000 * n + "</div>" * 1_000 * n
               + "<blockquote>" * 250 * n),
], ids=["quote-marks", "attribution-commas", "attributions", "header-lines", "long-attribution",
        "alternating-quotes", "deep-html"])
def test_adversarial_bodies_cost_linear_time(build) -> None:
    """Bodies built to make a regex backtrack or a scan go quadratic grow linearly."""
    assert growth(fresh_text, build) < LINEAR_ENOUGH


# -- properties --------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abc \n", max_size=300))
def test_text_without_markers_is_returned_tidied(text: str) -> None:
    """A body with no quote, header or signature markers comes back whole (ends trimmed)."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    assert fresh_text(text) == "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500), st.text(max_size=500))
def test_never_raises(text: str, html: str) -> None:
    """Arbitrary input never raises and never grows."""
    assert len(fresh_text(text)) <= len(text)
    html_to_text(html)
    fresh_text("", html)
