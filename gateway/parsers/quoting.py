"""The fresh text of an email reply: what the sender wrote, without quoted history or signature.

Owns quote and signature stripping for English and Indonesian mail clients (the header lines are
listed, with their evidence, in shared/corpus/INDONESIAN-QUOTE-HEADERS.md). Pure functions over
strings, standard library only; HTML rendering lives in `quoting_html`.

A reply is read line by line in one pass. Every regular expression runs on a bounded slice of a
line, so a 767 KB quoted line or a pathological body cannot make it backtrack.

- `>` lines are quoted history. They are dropped; fresh text between them (an inline or bottom
  reply) is kept.
- An attribution ("On ... wrote:", "Pada ... menulis:", possibly wrapped over up to four lines)
  followed by `>` lines is dropped with them. Followed by unmarked text it ends the fresh text,
  but only when it carries a time or a year, so "Pada hari Senin saya menulis:" in the middle
  of a reply stays.
- A separator ("-----Original Message-----", "-------- Pesan Asli --------", "Begin forwarded
  message:") or an Outlook header block (From/Dari, To/Kepada and Sent/Date/Subject..., found by
  structure in any of the common languages) ends the fresh text.
- A message that starts with such a block (a forward without a comment) yields the body of the
  forwarded message, because for a ticket that body is what the sender is handing over.
"""
from __future__ import annotations

import re

from gateway.parsers.quoting_html import head_end, html_to_text, render

__all__ = ["fresh_text", "strip_quotes", "strip_signature", "html_to_text"]

_MAX_ATTRIBUTION = 400  # characters of an attribution once its wrapped lines are joined
_ATTRIBUTION_LINES = 4  # Apple Mail and Gmail wrap "On <date>, <name> <addr> wrote:" over <= 4
_MAX_FORWARD_DEPTH = 3

# An attribution starts with a preposition ("On", "Pada", "Le", "Am"...), a date ("2017-11-24",
# "30.09.2017") or a short weekday followed by a number ("tir. 18. apr.", "Sen, 3 Des").
_OPENER = re.compile(r"(?:On|Pada|Le|Am|El|Em|Op|Il|In data|Den|Dnia|W dniu|Dne|På|На|В)\b|\d"
                     r"|\w{1,12}\.?,?\s+\d")
_VERBS = (r"wrote|menulis|schrieb|a écrit|escreveu|escribió|ha scritto|scrisse|schreef|skrev"
          r"|kirjoitti|írta|napisał\(a\)|napisała|napisał|написал\(а\)|написала|написал"
          r"|написав|yazdı")
# "... wrote:" / "... menulis :" / "... <bob@example.com>:" (German, Dutch, Russian, Japanese).
_END_COLON = re.compile(rf"(?:\b(?:{_VERBS})\s*|@[^\s@<>]+>\s*):$", re.IGNORECASE)
# "... wrote" without a colon (Zoho "wrote ----", some webmails), accepted only with an address.
_END_BARE = re.compile(rf"\b(?:{_VERBS})(?:\s*-+)?$", re.IGNORECASE)
_DATE_HINT = re.compile(r"\d{1,2}[:.]\d{2}|\d{4}")  # a time or a year
_SEPARATOR = re.compile(
    r"-{2,}\s*(?:original message|pesan asli|forwarded message|pesan diteruskan|pesan terusan"
    r"|pesan yang diteruskan|oprindelig (?:besked|meddelelse)|ursprüngliche nachricht"
    r"|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht"
    r"|originalmeddelande|wiadomość oryginalna|weitergeleitete nachricht)\s*-{2,}"
    r"|(?:begin forwarded message|awal pesan yang diteruskan)\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"[-_=*~—]{5,}")
_LABEL = re.compile(r"\s*\**\s*([^\W\d_][^:*\n]{0,22}?)\s*\**\s*:")
_LABEL_KINDS = {
    "from": "from dari pengirim van von de da fra från od от lähettäjä expéditeur 发件人 差出人",
    "date": "sent date dikirim terkirim tanggal gesendet datum envoyé envoyé_le verzonden inviato"
            " sendt dato skickat wysłano wysłane data enviado fecha lähetetty отправлено дата"
            " 发送时间 日期 送信日時",
    "to": "to kepada penerima an à a aan til till do para vastaanottaja кому 收件人 宛先",
    "cc": "cc bcc tembusan kopie copie_à 抄送",
    "subject": "subject subjek perihal judul betreff objet onderwerp oggetto emne ämne temat"
               " asunto assunto aihe тема sujet 主题 件名",
}
_LABELS = {w.replace("_", " "): kind for kind, words in _LABEL_KINDS.items()
           for w in words.split()}
_DEVICES = (r"iphone|ipad|android|blackberry|samsung|galaxy|huawei|xiaomi|oppo|vivo|nokia"
            r"|mobile|ponsel|perangkat|seluler|handphone|hp|smartphone|yahoo|outlook|mail"
            r"|typeapp|bluemail|aol|windows")
_SENT_FROM = (r"sent from|dikirim dari|gesendet von|envoyé (?:à partir )?de|enviado desde"
              r"|inviato da|verzonden (?:met|vanaf)|skickat från|sendt fra|wysłane z")
_SIGNATURE_STARTS = {"sent", "send", "diki", "gese", "envo", "envi", "invi", "verz", "skic",
                     "wysł", "get ", "dapa"}
_MOBILE = re.compile(rf"sent from my\s|(?:{_SENT_FROM})\s.*\b(?:{_DEVICES})\b"
                     r"|(?:get|dapatkan) outlook\s", re.IGNORECASE)


def fresh_text(text: str, html: str = "") -> str:
    """The fresh part of a reply, from the text/plain body or, when that is empty, the HTML."""
    if text.strip():
        body = text
    elif html.strip():
        body = _html_body(html)
    else:
        return ""
    return strip_signature(strip_quotes(body))


def strip_quotes(text: str) -> str:
    """`text` without quoted history (signatures are left to `strip_signature`)."""
    lines = _normalise(text).split("\n")
    for _ in range(_MAX_FORWARD_DEPTH):
        drop, cut, block_end = _scan(lines)
        fresh = _assemble(lines, drop, cut)
        if fresh or block_end < 0:
            return fresh
        lines = lines[block_end:]  # nothing above the first block: a forward without comment
    return ""


def strip_signature(text: str) -> str:
    """`text` up to its signature: a "-- " line or a "Sent from my ..." style mobile footer."""
    lines = _normalise(text).split("\n")
    for i, line in enumerate(lines):
        # "—" alone is "-- " after iOS and macOS turned the two hyphens into an em dash.
        if line.strip() in ("--", "—") or _is_mobile_signature(line.strip()):
            lines = lines[:i]
            break
    return _trim("\n".join(line.rstrip() for line in lines))


# -- plain text --------------------------------------------------------------------------------
def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")


def _scan(lines: list[str]) -> tuple[list[bool], int, int]:
    """Flag dropped lines up to the cut; return (flags, cut index, end of the cut block or -1)."""
    drop = [False] * len(lines)
    kinds = [_label(line) for line in lines]
    floor, top = 0, True  # floor: first line an attribution may start on
    for j, line in enumerate(lines):
        stripped = line.strip()
        found = _attribution_ending(lines, j, floor) if _ends_attribution(stripped) else None
        if found:
            start, window = found
            if _quote_follows(lines, j + 1):
                drop[start:j + 1] = [True] * (j + 1 - start)
                floor = j + 1
                continue
            if _DATE_HINT.search(window):
                return drop, start, -1
        if stripped.startswith(">"):
            drop[j], floor = True, j + 1
        elif (block_end := _block_at(lines, kinds, j, top)) >= 0:
            return drop, j, block_end
        top = top and not stripped
    _drop_wrap_artifacts(lines, drop)
    return drop, len(lines), -1


def _block_at(lines: list[str], kinds: list[str | None], i: int, top: bool) -> int:
    """End of a separator or header block starting at line i, or -1."""
    stripped = lines[i].strip()
    if len(stripped) <= 80 and _SEPARATOR.fullmatch(stripped):
        end = _header_block(lines, kinds, _next_nonblank(lines, i + 1), "loose")
        return max(end, i + 1)
    if len(stripped) <= 200 and _RULE.fullmatch(stripped):
        # A rule right above a header block (Outlook's 32 underscores, Hotmail's <hr>) may
        # introduce a block whose first label is not From:, so the check is looser.
        return _header_block(lines, kinds, _next_nonblank(lines, i + 1), "loose")
    # At the top nothing can be lost (a message that starts with a block yields the text
    # below it), so fewer labels are needed there.
    return _header_block(lines, kinds, i, "top" if top else "strict")


def _header_block(lines: list[str], kinds: list[str | None], i: int, mode: str) -> int:
    """End of an Outlook-style "Label: value" block starting at line i, or -1.

    Outlook writes From first and includes To; requiring both in fresh text ("strict") keeps
    memo-style lines ("Kepada: ... / Dari: ... / Perihal: ...") from being taken for a quote
    header. "loose" (after a rule or an <hr>) accepts any first label, "top" needs From first.
    """
    first = kinds[i] if i < len(lines) else None
    if first is None or (first != "from" and mode != "loose"):
        return -1
    seen, j, loose = {first}, i + 1, 0
    while j < len(lines) and j < i + 12 and loose < 2 and lines[j].strip():
        loose = loose + 1 if kinds[j] is None else 0  # a wrapped value, e.g. a long address
        seen.add(kinds[j] or first)
        j += 1
    if mode == "strict":
        found = {"from", "to"} <= seen and bool(seen & {"date", "subject"})
    else:
        found = len(seen) >= 2 or (mode == "loose" and first == "from")
    return j if found else -1


def _label(line: str) -> str | None:
    if ":" not in line[:48]:
        return None
    match = _LABEL.match(line[:48])
    return _LABELS.get(match.group(1).strip().lower()) if match else None


def _attribution_ending(lines: list[str], j: int, floor: int) -> tuple[int, str] | None:
    """(first line, joined text) of an attribution whose last line is j, or None.

    Looking back from the rare line that ends like an attribution keeps the scan linear. The
    attribution starts at the earliest opener among up to three lines above that are not
    blank, quoted or the end of a sentence.
    """
    first = j
    while first > max(floor, j - _ATTRIBUTION_LINES + 1):
        above = lines[first - 1].strip()
        if not above or above[0] == ">" or above[-1] in ".!?" or len(above) > _MAX_ATTRIBUTION:
            break
        first -= 1
    for start in range(first, j + 1):
        if _OPENER.match(lines[start].strip().lstrip("-* ")):
            break
    else:  # without an opener only a short one-line "Budi Santoso menulis:" counts
        start = j
        if len(lines[j].strip()) > 100 or not _quote_follows(lines, j + 1):
            return None
    # Gmail wraps "<bob@example.com" / ">:" so the closing bracket must rejoin the address.
    window = " ".join(line.strip() for line in lines[start:j + 1]).replace(" >:", ">:")
    if len(window) > _MAX_ATTRIBUTION or (window.endswith(">:") and not _END_COLON.search(
            " ".join(window.rsplit(None, 3)[-3:]))):
        return None
    return start, window


def _ends_attribution(window: str) -> bool:
    # Cheap tests first: most lines end with neither a colon nor a word after an address.
    if window.startswith(">"):
        return window == ">:"  # only the wrapped end of "<bob@example.com" + ">:"
    if window.endswith(":"):
        return _END_COLON.search(" ".join(window.rsplit(None, 3)[-3:])) is not None
    if "@" in window and window.rstrip(" -")[-1:].isalpha():
        return _END_BARE.search(" ".join(window.rsplit(None, 3)[-3:])) is not None
    return False


def _quote_follows(lines: list[str], j: int) -> bool:
    k = _next_nonblank(lines, j)
    return k < len(lines) and lines[k].lstrip().startswith(">")


def _next_nonblank(lines: list[str], j: int) -> int:
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j


def _drop_wrap_artifacts(lines: list[str], drop: list[bool]) -> None:
    """Drop a lowercase line wedged between quoted lines: a quoted line its client re-wrapped."""
    for k in range(1, len(lines) - 1):
        if drop[k - 1] and drop[k + 1] and not drop[k] and lines[k][:1].islower() \
                and lines[k - 1].lstrip()[:1] == lines[k + 1].lstrip()[:1] == ">":
            drop[k] = True


def _assemble(lines: list[str], drop: list[bool], cut: int) -> str:
    """Join the kept runs of lines before `cut`, one blank line where a quote was removed."""
    runs: list[list[str]] = [[]]
    for k in range(cut):
        if drop[k]:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(lines[k].rstrip())
    texts = (_trim("\n".join(run)) for run in runs)
    return _trim_rules("\n\n".join(t for t in texts if t))


def _trim(text: str) -> str:
    """Strip blank lines at both ends, keeping the first line's indentation."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    start = _next_nonblank(lines, 0)
    return "\n".join(lines[start:])


def _trim_rules(text: str) -> str:
    """Drop rule-only lines ("-----", "_____") left dangling above a removed quote."""
    lines = text.split("\n")
    while lines and not lines[-1].strip(" \t-_=*~—"):
        lines.pop()
    return _trim("\n".join(lines))


def _is_mobile_signature(line: str) -> bool:
    if line[:4].lower() not in _SIGNATURE_STARTS:  # a cheap test before the regular expressions
        return False
    head = re.split(r"[<(]", line, maxsplit=1)[0].strip()  # "Sent from TypeApp<http://...>"
    if not head or len(head) > 60 or "," in head or len(head.split()) > 8:
        return False
    return _MOBILE.match(head) is not None


# -- HTML --------------------------------------------------------------------------------------
def _html_body(html: str) -> str:
    """Rendered HTML up to the first quote marker, or to an Outlook header block after a rule.
    Only the head of a huge body is rendered: fresh text is at the top."""
    text, candidates = render(html[:head_end(html)], stop_at_quote=True)
    if not text.strip():
        # Nothing above the quote marker: a forward without comment, which the plain-text
        # rules turn into the forwarded body.
        return html_to_text(html)
    lines = text.split("\n")
    kinds, first = [_label(line) for line in lines], _next_nonblank(lines, 0)
    for start in candidates:  # with nothing above the block, the text rules handle it
        block_end = _header_block(lines, kinds, _next_nonblank(lines, start), "loose")
        if start > first and block_end >= 0:
            return "\n".join(lines[:start])
    return text
