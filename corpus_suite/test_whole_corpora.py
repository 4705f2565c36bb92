"""The default tests' corpus checks, over every file of the whole corpora."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.parsers.quoting import fresh_text
from tests.reliability.test_bounces import check_flufl_bounces
from tests.reliability.test_fuzzing import corpus_files, store_every_file
from tests.unit.test_autoreply import verdicts_on_human_mail
from tests.unit.test_bounce import KNOWN_MISSES, check_flufl_sample, flufl_expectations

CORPUS = Path(os.environ.get("LDP_CORPUS", "."))
FLUFL_CASES = flufl_expectations(CORPUS / "flufl-bounce")
READABLE = sorted(set(FLUFL_CASES) - set(KNOWN_MISSES))


def test_flufl_counts() -> None:
    """113 of the 116 flufl.bounce files are read completely; the rest are the documented
    misses."""
    assert (len(FLUFL_CASES), len(READABLE)) == (116, 113)


@pytest.mark.parametrize("name", READABLE)
def test_flufl_bounce_is_classified_with_its_addresses_and_permanence(name, corpus) -> None:
    check_flufl_sample(name, corpus)


@pytest.mark.integration
@pytest.mark.parametrize("ours", [False, True], ids=["not-our-mail", "our-mail"])
def test_every_flufl_bounce_is_machine_mail_and_only_bounces_of_our_mail_suppress(
        ours, corpus, db_url, tmp_path) -> None:
    suppressed = check_flufl_bounces(corpus / "flufl-bounce", db_url, tmp_path, ours)
    # 27 of the 117 samples name the Message-ID they report on (the others cut it off).
    assert len(suppressed) >= (14 if ours else 0)


@pytest.mark.integration
def test_every_corpus_file_is_stored_or_quarantined(corpus, db_url, tmp_path) -> None:
    files = corpus_files(corpus)
    assert len(files) > 600
    store_every_file(files, db_url, tmp_path)


def test_mail_people_wrote_is_never_machine_mail(corpus) -> None:
    flagged, checked = verdicts_on_human_mail(corpus)
    assert flagged == []
    assert checked >= 200  # 201 today; bare reply bodies without headers are not mail


def test_long_quote_corpus_body_is_cut_at_its_quote(corpus) -> None:
    """The 767 KB quote from github-email_reply_parser keeps only the fresh text (too large to
    vendor into tests/data/corpus)."""
    text = (corpus / "github-email_reply_parser/test/emails/email_long_quote.txt").read_text(
        encoding="utf-8", errors="replace")
    assert fresh_text(text).startswith("Hi folks\n\nWhat is the best way")
