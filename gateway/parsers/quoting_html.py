"""HTML bodies to plain text, optionally stopping where a mail client put the quoted history.

Owns the HTML half of quote stripping: one streaming pass over the markup with the standard
library's `html.parser`, so the cost stays linear however deep or large the document is.
Block elements become line breaks, `<br>` a newline, `<blockquote>` content is prefixed with
`> ` (so the plain-text rules in `quoting` can treat it like any other quote), links keep their
text, and script/style content is dropped. What a reader never sees is never text: comments,
and elements hidden by the `hidden` attribute or by `display:none`, `visibility:hidden` or
`mso-hide:all` in their style (an agent's hidden line is neither a command nor an answer).
`gateway.parsers.quoting` decides what is fresh text.

The renderer is linear but slow (about 2 s a megabyte of markup): a 34 MB HTML-only mail took a
minute and was quarantined by the time limit. So only the first RENDER_CHARS of markup are
rendered; the rest is stripped of its tags by a few regular-expression passes (linear, in C, a
tag at most MAX_TAG characters long), which keeps its words and line breaks if not its layout.
"""
from __future__ import annotations

import html as html_module
import re
from html.parser import HTMLParser

# Content of these elements is never shown to the reader.
_SKIP = frozenset({"script", "style", "title", "noscript", "template"})
# Elements that start a new paragraph (a blank line around them).
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl",
                        "table", "pre", "blockquote", "address", "center"})
# Elements that only start a new line.
_LINE = frozenset({"div", "li", "tr", "dd", "dt", "section", "article", "header", "footer",
                   "form", "fieldset", "tbody", "thead", "tfoot", "hr"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"})
# Class names and ids that mail clients put on the element holding the quoted message.
_QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_quote_container", "gmail_attr",
                            "gmail_signature", "moz-cite-prefix", "moz-forward-container",
                            "moz-signature", "yahoo_quoted"})
_QUOTE_IDS = frozenset({"divrplyfwdmsg", "appendonsend", "olk_src_body_section"})
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_HIDING_STYLES = ("display:none", "visibility:hidden", "mso-hide:all")
# Markup rendered faithfully; a person's mail is far smaller, a pasted report may be larger.
RENDER_CHARS = 1024 * 1024
# The fast pass: tags are at most this long ([^<>] so that each match stops at the next "<":
# a run of "<" without ">" costs linear time, not quadratic).
MAX_TAG = 4096
_FAST_DROP = re.compile(rf"<(script|style)\b[^<>]{{0,{MAX_TAG}}}>[^<]*</\1\s*>", re.I)
_FAST_LINE = re.compile(rf"<(?:br|/?(?:p|div|tr|li|h[1-6]|table|blockquote|pre|ul|ol|hr|dt|dd|"
                        rf"section|article|header|footer))\b[^<>]{{0,{MAX_TAG}}}>", re.I)
_FAST_CELL = re.compile(rf"</?t[dh]\b[^<>]{{0,{MAX_TAG}}}>", re.I)
_FAST_TAG = re.compile(rf"<[!/?a-zA-Z][^<>]{{0,{MAX_TAG}}}>")
_FAST_BLANKS = re.compile(r"\n\n+")  # the tail keeps lines, not paragraphs


class _Stop(Exception):
    """Raised inside the parser to stop reading once the quoted history starts."""


class _Renderer(HTMLParser):
    """Collects rendered lines; remembers where an Outlook-style header block may begin."""

    def __init__(self, stop_at_quote: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.stop_at_quote = stop_at_quote
        self.lines: list[str] = []
        self.candidates: list[int] = []
        self._cur: list[str] = []
        self._depth = 0  # blockquote nesting, rendered as "> " prefixes
        self._line_depth = 0
        self._skip = 0
        self._pre = 0
        self._mso_mark = -1
        self._hidden: str | None = None  # the tag of the hidden element being skipped
        self._hidden_depth = 0  # its nesting: <div hidden><div></div></div> ends at the 2nd
        self.images: list[str] = []  # the Content-IDs of the images shown, in order (lower case)

    # -- output helpers -------------------------------------------------------------------
    def _newline(self) -> None:
        text = "".join(self._cur).rstrip()
        if text and self._line_depth:
            text = ">" * self._line_depth + " " + text
        self.lines.append(text)
        self._cur = []

    def _line_break(self) -> None:
        if self._cur:
            self._newline()

    def _paragraph(self) -> None:
        self._line_break()
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def _write(self, text: str) -> None:
        if not self._cur:
            self._line_depth = self._depth
        self._cur.append(text)

    # -- parser callbacks -----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden is not None:
            self._hidden_depth += tag == self._hidden and tag not in _VOID
            return
        if tag in _SKIP:
            self._skip += 1
            return
        attr = {k: (v or "") for k, v in attrs}
        if attrs and _is_hidden(attr):
            if tag not in _VOID:  # a hidden void element (<img hidden>) hides only itself
                self._hidden, self._hidden_depth = tag, 1
            return
        if self.stop_at_quote and _is_quote_marker(tag, attr):
            self._line_break()
            raise _Stop
        if tag == "img" and attr.get("src", "").strip().lower().startswith("cid:"):
            self.images.append(attr["src"].strip()[4:].lower())
        if tag == "br":
            self._newline()
        elif tag == "p" and "MsoNormal" in attr.get("class", ""):
            # Word-made mail styles these with no margin and writes a blank line as a
            # paragraph holding only a (non-breaking) space.
            self._line_break()
            self._mso_mark = len(self.lines)
        elif tag in _PARAGRAPH:
            self._paragraph()
        elif tag in _LINE:
            self._line_break()
        if tag == "blockquote":
            self._depth += 1
        elif tag == "pre":
            self._pre += 1
        elif tag == "li":
            self._write("- ")
        elif tag in ("td", "th") and self._cur:
            self._write(" ")
        if tag == "hr" or _has_top_border(attr):
            # Outlook and Hotmail put their From:/Sent: block right after these; the caller
            # checks the text that follows before cutting, because both also occur in fresh text.
            self.candidates.append(len(self.lines))

    def handle_endtag(self, tag: str) -> None:
        if self._hidden is not None:
            if tag == self._hidden:
                self._hidden_depth -= 1
                if not self._hidden_depth:
                    self._hidden = None
            return
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _VOID:
            return
        elif tag == "blockquote":
            self._paragraph()
            self._depth = max(0, self._depth - 1)
        elif tag == "pre":
            self._paragraph()
            self._pre = max(0, self._pre - 1)
        elif tag == "p" and self._mso_mark >= 0:
            if self._mso_mark == len(self.lines) and not self._cur:
                self.lines.append("")
            self._line_break()
            self._mso_mark = -1
        elif tag in _PARAGRAPH:
            self._paragraph()
        elif tag in _LINE:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self._skip or self._hidden is not None:
            return
        if self._pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for i, part in enumerate(parts):
                if i:
                    self._newline()
                if part:
                    self._write(part.replace("\xa0", " "))
            return
        text = _SPACES.sub(" ", data)
        if not self._cur or self._cur[-1].endswith(" "):
            text = text.lstrip()
        if text:
            self._write(text)


    def finish(self) -> str:
        self._line_break()
        return _tidy(self.lines)


def _is_quote_marker(tag: str, attr: dict[str, str]) -> bool:
    """True for the element a mail client wraps the quoted message (or its attribution) in."""
    classes = set(attr.get("class", "").split())
    if classes & _QUOTE_CLASSES and tag != "blockquote":
        # Gmail's reply wraps its quote in div.gmail_quote; a lone blockquote.gmail_quote is
        # Gmail's "quote" button inside fresh text and is rendered as a `>` quote instead.
        return True
    ident = attr.get("id", "").lower().removeprefix("x_")
    if ident in _QUOTE_IDS or "yahoo_quoted" in ident:
        return True
    return any(c.startswith("yahoo_quoted") for c in classes)


def _is_hidden(attr: dict[str, str]) -> bool:
    """True for an element a mail client does not show (its content is no one's text)."""
    if "hidden" in attr:
        return True
    style = attr.get("style")
    if not style:
        return False
    style = re.sub(r"\s+", "", style).lower()
    return any(hiding in style for hiding in _HIDING_STYLES)


def _has_top_border(attr: dict[str, str]) -> bool:
    style = attr.get("style", "").replace(" ", "").lower()
    return "border-top" in style and "solid" in style


def _tidy(lines: list[str]) -> str:
    """Drop leading/trailing blank lines and keep at most one blank line in a row."""
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def render(html: str, stop_at_quote: bool = False) -> tuple[str, list[int]]:
    """Render `html` to text; with `stop_at_quote`, stop at the first client quote marker.

    Also returns the line numbers where an `<hr>` or a top-bordered block started, which is
    where Outlook-style header blocks begin.
    """
    parser = _Renderer(stop_at_quote)
    try:
        parser.feed(html)
        parser.close()
    except _Stop:
        pass
    text = parser.finish()
    # _tidy may have removed blank lines, so line numbers are recomputed on the tidy text.
    return text, _remap(parser.lines, parser.candidates)


def images_above_quote(html: str) -> frozenset[str]:
    """The Content-IDs (lower case) of the images `html` shows above the first client quote
    marker: what the writer put among their own words. An image only the quote shows came
    with the mail being answered."""
    parser = _Renderer(stop_at_quote=True)
    try:
        parser.feed(html[:head_end(html)])
        parser.close()
    except _Stop:
        pass
    return frozenset(parser.images)


def _remap(raw: list[str], candidates: list[int]) -> list[int]:
    """Translate line indexes in the raw line list to indexes in the tidied text."""
    mapping: list[int] = []
    count = 0
    previous_blank = True
    for line in raw:
        mapping.append(count)
        if line or not previous_blank:
            count += 1
        previous_blank = not line
    mapping.append(count)
    return [mapping[min(c, len(raw))] for c in candidates]


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (quotes kept, rendered with `> ` prefixes); past
    RENDER_CHARS of markup, the rest only stripped of its tags."""
    if len(html) <= RENDER_CHARS:
        return render(html)[0]
    split = head_end(html)
    return render(html[:split])[0] + "\n" + strip_tags(html[split:])


def head_end(html: str, limit: int = RENDER_CHARS) -> int:
    """Where to cut `html` so that its first part, about `limit` characters, ends before a tag."""
    if len(html) <= limit:
        return len(html)
    split = html.rfind("<", limit // 2, limit)
    return split if split > 0 else limit


def strip_tags(html: str) -> str:
    """Text of markup by regular expressions only: line breaks for block tags, a space between
    table cells, no other tags, entities decoded, runs of spaces and blank lines squeezed."""
    text = _FAST_DROP.sub("", html)
    text = _FAST_LINE.sub("\n", text)
    text = _FAST_CELL.sub(" ", text)
    text = _FAST_TAG.sub("", text)
    text = html_module.unescape(text.replace("\r\n", "\n").replace("\r", "\n"))
    # str.split per line is C speed; a regular expression for spaces tries every character.
    text = "\n".join(" ".join(line.replace("\u200b", " ").split()) for line in text.split("\n"))
    return _FAST_BLANKS.sub("\n", text).strip()
