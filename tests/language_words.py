"""Giveaway words: an English word in an Indonesian mail, or an Indonesian one in an English
mail, shows a text that was not translated. Ticket refs, command names (#balas), levels,
addresses and the neutral sample values of the tests ("Qq...") are not language and are
skipped."""
from __future__ import annotations

import html
import re

# Words that give away English in an Indonesian text.
ENGLISH = frozenset("""
    a an and are be by command commands dear default dry error for from has have help is
    it its kind level new no not note of on open or please priority reason refused regards reply
    reporter resolved closed pending run status subject team that the this ticket to unknown
    was were will with you your assignee category carried out needs agent role well formed
    received report thank thanks ok yes sent low high urgent
""".split())
# Words that give away Indonesian in an English text.
INDONESIAN = frozenset("""
    agen alasan anda atau balasan bapak baru belum dan dari dengan diproses ditunda ditutup
    galat hormat ibu kami kasih kategori keadaan kesalahan ke laporan mohon oleh pada pelapor
    perihal perintah petugas prioritas rendah selesai silakan sudah terima tidak tiket tim
    tinggi tingkat untuk yang yth mendesak
""".split())
# Not words of either language: ticket refs, #commands, levels, addresses, the test's neutral
# values, and what a person types at the command line (`ldp run`, `--help`).
NOT_WORDS = re.compile(r"\[?LDP-\d+\]?|#[\w-]+|\bL[0-9]\b|[\w.+-]+@[\w.-]+|\bQq\w*|--[\w-]+|"
                       r"\bldp(?: [a-z]+)?\b")


def words(text: str) -> set[str]:
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return {w.lower() for w in re.findall(r"[^\W\d_]+", NOT_WORDS.sub(" ", text))}


def giveaways(text: str, language: str) -> set[str]:
    return words(text) & (ENGLISH if language == "id" else INDONESIAN)
