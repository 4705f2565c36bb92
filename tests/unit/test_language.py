"""How routing reads text: the strings a regex needs (routing.literals), word sets with the language
sample, and the language told from words."""
from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gateway.routing.language import (
    SAMPLE_CHARS, compile_keywords, detect_language, language_of, words, words_and_sample,
)
from gateway.routing.literals import required_literals


@pytest.mark.parametrize(("regex", "needles"), [
    (r"kode\s*[:#]?\s*123\b", (("kode",), ("123",))),
    (r"(?:kode|error)\s*[:#]?\s*456\b", (("456",), ("error", "kode"))),
    (r"\b(?:jadwal|bine)[- ]?\d{2,4}\b", (("jadwal", "bine"),)),
    (r"^re:\s*\S+", (("re:",),)),
    (r"ab(cd)ef", (("abcdef",),)),
    (r"(a|bc)+d", (("d",), ("bc", "a"))),
    (r"(?:ab)?c", (("c",),)),
    (r"x{2,}", (("x",),)),
    (r"a(?=bcd)e", (("a",), ("e",))),
    (r"a(?i:bc)d", (("a",), ("d",))),
    (r"(?i)abc", ()),
    (r"[ab]|c", ()),
    (r"(?:kode|x+)y", (("y",), ("kode", "x"))),
    (r"(?:kode|x*)y", (("y",),)),
    (r"(?P<n>ab)c", (("abc",),)),
    (r"a\.b(?#note)c", (("a.b",), ("c",))),
    (r"(?s)ab(?<=b)c(?>d)", (("ab",), ("c",))),
    (r"[]a]b{,2}c\d", (("c",),)),
    (r"x(?x: a b )", ()),
])
def test_required_literals_are_the_runs_and_branches_every_match_contains(regex, needles):
    """Literal runs give groups of one, longest first; a branch gives one string per alternative
    unless an alternative has none; repeats of at least one count; classes, escaped letters,
    flags, comments, look-arounds and atomic groups break a run; verbose mode gives up."""
    assert required_literals(re.compile(regex)) == needles


def test_required_literals_of_a_keyword_list_name_a_word_of_each_keyword():
    """A keyword alternation needs one word of each keyword (the first of its longest words),
    the longest first."""
    keywords = compile_keywords(["tidak bisa login", "akun*", "gagal"])
    assert required_literals(keywords.pattern) == (("gagal", "tidak", "akun"),)


@pytest.mark.filterwarnings("ignore:Possible:FutureWarning")  # "[[", "--", "||" in sets
@settings(max_examples=500, deadline=None)
@given(regex=st.text("ab(?:)|*+?{1,2}[]\\bd.^$=!<P>#s", min_size=1, max_size=12),
       text=st.text("abcd1 \n", max_size=12))
def test_a_text_that_a_regex_matches_holds_a_string_of_each_group(regex, text):
    """Whatever the regex, a text it matches contains one string of every group it requires."""
    try:
        pattern = re.compile(regex)
    except (re.error, OverflowError, RecursionError):
        assume(False)
    if pattern.search(text):
        for group in required_literals(pattern):
            assert any(needle in text for needle in group), (regex, text, group)


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(-8, 8),
       pieces=st.lists(st.sampled_from(["yang", "the", "akun", "x", "12", " ", "  ", "-", ".\n",
                                         "_"]), min_size=1, max_size=30))
def test_words_and_sample_give_the_words_and_the_head_that_detect_language_reads(cut, pieces):
    """Split in one pass, the words equal `words()` and the sample the words of the first
    SAMPLE_CHARS characters, wherever the cut falls: between words or inside one."""
    tail = "".join(pieces)
    text = ("a" * (SAMPLE_CHARS + cut - 1) + " ")[:max(0, SAMPLE_CHARS + cut)] + tail
    found, sample = words_and_sample(text)
    assert found == words(text)
    assert sample == re.findall(r"\w+", text[:SAMPLE_CHARS])


def test_words_and_sample_keep_a_word_cut_by_the_sample_whole_in_the_words():
    """A word across the cut is whole among the words and cut short in the sample."""
    text = "x " * (SAMPLE_CHARS // 2 - 1) + "terkunci lagi"
    found, sample = words_and_sample(text)
    assert "terkunci" in found and "te" not in found
    assert sample[-1] == "te" and len(sample) == SAMPLE_CHARS // 2


def test_words_and_sample_leave_text_that_is_not_ascii_alone():
    """Lower-casing may change the length of text that is not ASCII: no one-pass answer then."""
    assert words_and_sample("akun “terkunci”") is None


@pytest.mark.parametrize("text", [
    "selamat pagi, saya tidak bisa login ke aplikasi spse. mohon bantuan.",
    "good morning, i cannot log in to the spse application. please help.",
    "spse 4.5 error 500",
])
def test_language_of_the_words_of_a_short_text_is_what_detect_language_says(text):
    """For a text of at most SAMPLE_CHARS characters, its word set tells the same language."""
    assert language_of(words(text)) == detect_language(text)
