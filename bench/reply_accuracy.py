"""How well `gateway.parsers.quoting` finds the fresh text of replies, corpus by corpus.

    python -m bench.reply_accuracy [--failures]

Three kinds of figures, kept apart because they do not mean the same thing:

- exact: the team-made Indonesian cases in tests/data/replies (our own expectations), and the
  mailgun-talon fixtures against what talon's upstream tests assert (standard_replies: the text
  before the quote is "Hello" or the `*_reply_text` file; html_replies: "Hi. I am fine. Thanks,
  Alex" compared without whitespace, as upstream does). Talon's plain-text expectations keep the
  signature, so they are compared with `strip_quotes`, the quote-only stage of `fresh_text`.
- weak: the reply-parser corpora that ship no expected output (github, crisp, willdurand,
  mail-parser-reply). A file passes when its fresh text is non-empty, has no `>` line and no
  line that looks like a quote attribution or header. This checks that nothing quoted is left;
  it cannot see fresh text that was cut too early.
- info: talon's signature fixtures, whose signatures have no marker ("-- ", "Sent from ...");
  strip_signature only removes marked signatures, so this row shows the gap, not a score.

The corpus is `../shared/corpus` beside the checkout, or the folder named by LDP_CORPUS.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gateway.parsers.quoting import fresh_text, strip_quotes, strip_signature

REPO = Path(__file__).resolve().parents[1]
REPLIES = REPO / "tests" / "data" / "replies"
WEAK_CORPORA = {
    "github-email_reply_parser": "test/emails",
    "crisp-email-reply-parser": "test/fixtures",
    "willdurand-EmailReplyParser": "tests/Fixtures",
    "mail-parser-reply": "test/emails",
}
TALON_HTML_REPLY = "Hi. I am fine.\n\nThanks,\nAlex"
TALON_HTML_OTHER = {"OLK_SRC_BODY_SECTION.html": "Reply", "reply-separated-by-hr.html": "Hi there"}

# The weak check's own idea of a leftover quote header. It is deliberately broader than the
# parser's rules (no opener or date needed), so it also flags headers the parser let through.
_VERB_END = re.compile(
    r"(wrote|menulis|schrieb|a écrit|escreveu|escribió|ha scritto|scrisse|schreef|skrev"
    r"|kirjoitti|írta|napisał\(a\)|napisał|написал|написав|yazdı)\s*(:|-+)?\s*$"
    r"|@\S*>?\)?\s*:\s*$", re.IGNORECASE)
# An attribution whose ending is mangled (e.g. quoted-printable "w=" / "rote:") still starts
# like one: an opener, a date or time, and an address or a final colon.
_OPENER_LINE = re.compile(r"^\W*(On|Pada|Le|Am|El|Em|Op|Il|Den|Dnia|W dniu)\b.*"
                          r"(\d{4}|\d{1,2}[:.]\d{2}).*(@|:\s*$)", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*-{2,}\s*(original message|pesan asli|forwarded message|pesan "
                        r"diteruskan|oprindelig|ursprüngliche)|^begin forwarded message",
                        re.IGNORECASE)
_FROM_LABEL = re.compile(r"^\s*\**(from|dari|von|de|van|fra|od|da|от|发件人|差出人)\s*\**\s*:",
                         re.IGNORECASE)
_OTHER_LABEL = re.compile(r"^\s*\**(sent|date|to|subject|dikirim|tanggal|kepada|subjek|perihal"
                          r"|gesendet|an|betreff|envoyé|à|objet|verzonden|aan|onderwerp|sendt"
                          r"|til|emne|wysłano|do|temat|inviato|a|oggetto|发送时间|收件人|主题"
                          r"|送信日時|宛先|件名)( le)?\s*\**\s*:",
                          re.IGNORECASE)


@dataclass
class Row:
    """One line of the table."""

    name: str
    kind: str
    total: int = 0
    passed: int = 0
    max_ms: float = 0.0
    failures: list[str] = field(default_factory=list)

    def add(self, label: str, ok: bool, ms: float) -> None:
        self.total += 1
        self.passed += ok
        self.max_ms = max(self.max_ms, ms)
        if not ok:
            self.failures.append(label)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def corpus_root() -> Path:
    """LDP_CORPUS, else ../shared/corpus relative to the repository root."""
    env = os.environ.get("LDP_CORPUS")
    return Path(env) if env else REPO.parent / "shared" / "corpus"


def timed(function: Callable[..., str], *args: str) -> tuple[str, float]:
    start = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - start) * 1000


def normalise(text: str) -> str:
    """Trailing spaces and outer blank lines do not count in the exact comparisons."""
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def indonesian() -> Row:
    row = Row("indonesian (team-made)", "exact")
    for expected_path in sorted(REPLIES.glob("*.expected.txt")):
        name = expected_path.name.removesuffix(".expected.txt")
        expected = expected_path.read_text(encoding="utf-8").removesuffix("\n")
        text_path = REPLIES / f"{name}.txt"
        if text_path.exists():
            got, ms = timed(fresh_text, text_path.read_text(encoding="utf-8"))
        else:
            got, ms = timed(fresh_text, "", (REPLIES / f"{name}.html").read_text(encoding="utf-8"))
        row.add(name, got == expected, ms)
    return row


def plain_part(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_content()
    return ""


def talon_plain(root: Path) -> Row:
    """standard_replies/*.eml (upstream test_standard_replies) and the share-block mail."""
    row = Row("mailgun-talon plain (quotes only)", "exact")
    folder = root / "tests" / "fixtures" / "standard_replies"
    for path in sorted(folder.glob("*.eml")):
        reply_file = path.with_name(path.stem + "_reply_text")
        expected = reply_file.read_text().strip() if reply_file.exists() else "Hello"
        got, ms = timed(strip_quotes, plain_part(path))
        row.add(path.name, normalise(got) == normalise(expected), ms)
    shared = root / "tests" / "fixtures" / "reply-quotations-share-block.eml"
    got, ms = timed(strip_quotes, plain_part(shared))  # upstream: non-empty, no "From"
    row.add(shared.name, bool(got) and "From" not in got, ms)
    return row


def talon_html(root: Path) -> Row:
    """html_replies/*.html and two more fixtures, compared without whitespace like upstream."""
    row = Row("mailgun-talon html", "exact")
    fixtures = root / "tests" / "fixtures"
    cases = [(p, TALON_HTML_REPLY) for p in sorted((fixtures / "html_replies").glob("*.html"))]
    cases += [(fixtures / name, expected) for name, expected in TALON_HTML_OTHER.items()]
    for path, expected in cases:
        got, ms = timed(fresh_text, "", path.read_text(encoding="utf-8", errors="replace"))
        row.add(path.name, squeeze(got) == squeeze(expected), ms)
    return row


def talon_signatures(root: Path) -> Row:
    row = Row("mailgun-talon signatures (no markers)", "info")
    folder = root / "tests" / "fixtures" / "signature" / "emails" / "stripped"
    for body_path in sorted(folder.glob("*_body")):
        body = body_path.read_text(encoding="utf-8")
        signature = body_path.with_name(body_path.name.replace("_body", "_signature")).read_text(
            encoding="utf-8")
        expected = body.rstrip()[: len(body.rstrip()) - len(signature.rstrip())]
        got, ms = timed(strip_signature, body)
        row.add(body_path.name, normalise(got) == normalise(expected), ms)
    return row


def leftover(text: str) -> str:
    """Why `text` still holds quoted history ("" when it looks clean)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            return "quoted line"
        if _VERB_END.search(line[-200:]) or _SEPARATOR.match(line) or (
                len(line) < 400 and _OPENER_LINE.match(line)):
            return "attribution"
        if _FROM_LABEL.match(line) and i + 1 < len(lines) and _OTHER_LABEL.match(lines[i + 1]):
            return "header block"
    return "" if text.strip() else "empty"


def weak(root: Path, name: str, sub: str) -> Row:
    row = Row(name, "weak")
    for path in sorted((root / name / sub).glob("*.txt")):
        got, ms = timed(fresh_text, path.read_text(encoding="utf-8", errors="replace"))
        reason = leftover(got)
        row.add(f"{path.name} ({reason})" if reason else path.name, not reason, ms)
    return row


def print_table(rows: list[Row], show_failures: bool) -> None:
    print(f"{'corpus':40} {'metric':6} {'pass':>5} {'total':>5} {'rate':>7} {'max ms':>8}")
    for row in rows:
        print(f"{row.name:40} {row.kind:6} {row.passed:5} {row.total:5} {row.rate:7.1%} "
              f"{row.max_ms:8.1f}")
    print("metric: exact = expected text matched; weak = non-empty, no '>' line, no attribution"
          " or header line left (cannot see text cut too early); info = not a score")
    for row in rows:
        if show_failures and row.failures:
            print(f"  {row.name} misses: {', '.join(row.failures)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--failures", action="store_true", help="list the files that miss")
    args = parser.parse_args(argv)
    root = corpus_root()
    rows = [indonesian()]
    if root.is_dir():
        talon = root / "mailgun-talon"
        rows += [talon_plain(talon), talon_html(talon)]
        rows += [weak(root, name, sub) for name, sub in WEAK_CORPORA.items()]
        rows.append(talon_signatures(talon))
    else:
        print(f"corpus not found at {root}; only the Indonesian cases were measured")
    print_table(rows, args.failures)
    figures = {row.name: {"metric": row.kind, "passed": row.passed, "total": row.total,
                          "rate": round(row.rate, 4), "max_ms": round(row.max_ms, 1)}
               for row in rows}
    print(json.dumps({"reply_accuracy": figures}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
