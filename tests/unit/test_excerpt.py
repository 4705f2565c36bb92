"""Bounded excerpts for notices, and the fast HTML pass that keeps huge bodies linear."""
from __future__ import annotations

from gateway import excerpt
from gateway.parsers import quoting, quoting_html


def test_short_text_is_kept_whole_and_not_marked_cut():
    assert excerpt.fields("Tidak bisa login.\n") == \
        {"text": "Tidak bisa login.\n", "cut": False, "size": "", "shown": ""}


def test_long_text_is_cut_at_a_line_end_within_the_limit():
    text = "".join(f"baris {i:06d}\n" for i in range(100_000))
    fields = excerpt.fields(text, limit=10_000)
    # 769 whole lines of 13 characters fit in 10,000; none is cut in the middle.
    assert fields["cut"] and fields["text"] == text[:769 * 13].rstrip("\n")
    assert fields["size"] == "1.2 MB" and fields["shown"] == "10 KB"


def test_a_line_longer_than_the_slack_is_cut_at_the_limit():
    assert excerpt.cut("x" * 50_000, limit=10_000) == ("x" * 10_000, True)


def test_entries_share_one_budget():
    entries = [{"author": f"a{i}", "text": "y" * 30_000} for i in range(4)]
    shared = excerpt.shared(entries, budget=40_000)
    assert [len(e["text"]) for e in shared] == [10_000] * 4 and all(e["cut"] for e in shared)
    assert shared[0]["author"] == "a0"


def test_html_past_the_render_limit_keeps_its_words_and_lines():
    rows = "".join(f"<tr><td>{i}</td><td>gagal &amp; ulang</td></tr>\n" for i in range(60_000))
    html = f"<html><body><p>Halo,</p><table>{rows}</table><p>Salam</p></body></html>"
    assert len(html) > quoting_html.RENDER_CHARS
    text = quoting_html.html_to_text(html)
    lines = text.split("\n")
    assert lines[0] == "Halo," and lines[-1] == "Salam"
    assert "59999 gagal & ulang" in lines and "<td" not in text


def test_the_fast_pass_drops_script_and_survives_unclosed_tags():
    assert quoting_html.strip_tags("<p>a</p><script>var x = 1;</script><div>b</div>") == "a\nb"
    # A run of "<" without ">" must not be quadratic (each match stops at the next "<").
    assert quoting_html.strip_tags("<" * 200_000 + "teks") == "<" * 200_000 + "teks"


def test_fresh_text_of_a_huge_html_reply_reads_only_its_head():
    html = "<div>Sudah bisa, terima kasih.</div>" + "<p>" + "log " * 400_000 + "</p>"
    assert quoting.fresh_text("", html).startswith("Sudah bisa, terima kasih.")
