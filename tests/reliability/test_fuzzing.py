"""Promise 12, fuzzing: the parser, threading, reply extraction and the command parser raise
nothing but their documented errors on arbitrary input, and every vendored corpus file (every file
of the whole corpora in corpus_suite/) is either stored or quarantined without crashing the
gateway."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.domain import Disposition
from gateway.errors import MalformedMail
from gateway.desk import parse as commands
from gateway.parsers import mime, quoting, threading
from tests.conftest import CORPUS
from tests.cost import LINEAR_ENOUGH, growth

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
HEADER_NAMES = st.sampled_from(["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To",
                                "References", "Content-Type", "Content-Transfer-Encoding",
                                "Content-Disposition", "Date", "Reply-To", "Auto-Submitted"])
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["multipart/mixed; boundary=X", "text/html; charset=uft-8",
                     "base64", "quoted-printable", "=?utf-8?B?////?=", "=?x-unknown?Q?a?=",
                     "<a@b> <c@d>", "attachment; filename*=utf-8''..%2F..%2Fx",
                     "multipart/alternative; boundary=\"\"", "message/rfc822"]))


@st.composite
def raw_mails(draw) -> bytes:
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=12))
    body = draw(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode),
                          st.just(b"--X\r\nContent-Type: text/plain\r\n\r\nhalo\r\n--X--")))
    head = "".join(f"{n}: {v}\r\n" for n, v in headers).encode("utf-8", "surrogatepass")
    return head + b"\r\n" + body


@FUZZ
@given(raw_mails())
def test_mime_parse_raises_nothing_but_malformed_mail(raw):
    """Any header soup parses to an InboundMail or raises MalformedMail, nothing else."""
    try:
        mail = mime.parse(raw)
    except MalformedMail:
        return
    assert isinstance(mail.subject, str) and "\n" not in mail.subject
    assert all("/" not in a.name and "\\" not in a.name for a in mail.attachments)
    threading.referenced_ids(mail)


@FUZZ
@given(st.text(max_size=2000), st.text(max_size=500))
def test_reply_extraction_and_command_parsing_never_raise(text, html):
    """fresh_text and parse_block return strings and Commands for any text."""
    fresh = quoting.fresh_text(text, html)
    assert isinstance(fresh, str)
    parsed, body = commands.parse_block(fresh)
    assert len(parsed) <= commands.MAX_COMMANDS + 1 and isinstance(body, str)


@FUZZ
@given(st.text(max_size=300), st.sampled_from(["LDP", "TIKET", "A"]))
def test_subject_tag_is_found_only_in_its_exact_form(subject, prefix):
    """subject_ref returns None or a well-formed reference of the given prefix."""
    ref = threading.subject_ref(subject, prefix)
    assert ref is None or (ref.startswith(prefix + "-") and ref[len(prefix) + 1:].isdigit())


# Adversarial input: (text, html) of a size proportional to n, the fresh text read from it and
# the errors of the command lines found at its top.
ADVERSARIAL = {
    "deep-quoting": (lambda n: ("> " * 10_000 * n + "x", ""), lambda text: "", []),
    "attributions": (lambda n: ("On Mon wrote:\n" * 500 * n, ""), str.rstrip, []),
    "huge-command-word": (lambda n: ("#" * 20_000 * n, ""), str.rstrip, ["line_too_long"]),
    "many-lines": (lambda n: (("a" * 50 + "\n") * 2_000 * n, ""), str.rstrip, []),
    "deep-html": (lambda n: ("", "<div>" * 2_000 * n + "x" + "</div>" * 2_000 * n),
                  lambda text: "x", []),
}


@pytest.mark.parametrize("case", ADVERSARIAL)
def test_text_functions_read_adversarial_input_in_linear_time(case):
    """Reply extraction and command parsing read each adversarial body as expected, and four
    times the body costs about four times as much, measured in the same run (tests/cost.py):
    no wall-clock limit, and a quadratic scan or a backtracking regex fails."""
    build, expected, errors = ADVERSARIAL[case]
    text, html = build(1)
    fresh = quoting.fresh_text(text, html)
    assert fresh == expected(text)
    assert [c.error.code for c in commands.parse_block(fresh)[0]] == errors
    assert growth(lambda t, h: commands.parse_block(quoting.fresh_text(t, h)), build) \
        < LINEAR_ENOUGH


def corpus_files(corpus: Path):
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix not in
                  (".md", ".tsv", ".json", ".py", ".txt~") and p.stat().st_size < 5_000_000
                  and p.name not in ("LICENSE", "COPYING", "NOTICE"))


def test_every_corpus_file_is_stored_or_quarantined(db_url, tmp_path):
    """All vendored corpus files go through the real pipeline, on SQLite and PostgreSQL; none
    crashes it (every file of the whole corpora: corpus_suite/)."""
    store_every_file(corpus_files(CORPUS), db_url, tmp_path)


def store_every_file(files: list[Path], db_url: str, tmp_path: Path) -> None:
    from gateway.intake.rounds import handle_raw
    from gateway.service import build_context
    from gateway.store.mailbox import list_quarantine
    from tests.conftest import make_settings
    assert files
    ctx = build_context(make_settings(tmp_path, db_url), tmp_path)
    counts: dict[Disposition, int] = {}
    for path in files:
        outcome = handle_raw(path.read_bytes(), ctx, source=str(path))
        counts[outcome.disposition] = counts.get(outcome.disposition, 0) + 1
    print({k.value: v for k, v in counts.items()})
    assert sum(counts.values()) == len(files)
    # handle_raw's last guard quarantines a message that raised anything unexpected, with the
    # traceback in the quarantine row (the outcome says only "quarantine #N: ..."): a crash.
    # A mail that cannot be read is quarantined too, with the parser's one-line reason.
    held = list_quarantine()
    assert [q.mailbox for q in held if "Traceback" in q.error] == []
    assert len(held) == counts.get(Disposition.QUARANTINED, 0)
