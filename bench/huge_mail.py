"""Part 8 (issue 14, items 5 and 6): one huge mail and one flooding sender through
`ldp run --once` (SQLite).

    python -m bench huge

Huge mails: a pasted log (text/plain, 7bit) and an HTML-only table of 12, 25 and 40 MB (the
default `max_message_bytes` is 40 MiB), and a 25 MB log as Gmail sends it (quoted-printable
UTF-8), each alone in a fresh folder and database; the figures are the gateway's own peak RSS
(VmHWM), the largest worker's (mail over parse_worker.INLINE_BYTES is parsed in the gateway's
own process) and the seconds from spawn to exit. The target is under 150 MB for any single mail
up to `max_message_bytes`.

Flood: 1,000 mails from one address: how many tickets they open (the cap,
`[loops] new_tickets_per_hour`, is 20) and how many are held in quarantine.
"""
from __future__ import annotations

import quopri
from email.message import EmailMessage
from email.policy import SMTP

from bench import memory
from bench.report import emit

LINE = "2026-11-02 09:15:01,123 ERROR [spse.auth] Login gagal untuk user {0}: password salah\n"
ROW = "<tr><td>2026-11-02 09:15:01</td><td>ERROR</td><td>Login gagal &amp; user {0}</td></tr>\n"
TARGET_MB = 150


def mail(number: int, subject: str, sender: str = "Rina Wati <rina@pemkab-bogor.go.id>",
         text: str | None = None, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "helpdesk@lpse.example"
    message["Subject"], message["Message-ID"] = subject, f"<hostile-{number}@pemkab.example>"
    message["Date"] = "Mon, 02 Nov 2026 09:15:00 +0700"
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text or "")
    return message.as_bytes(policy=SMTP)


def pasted_log(megabytes: int) -> bytes:
    count = megabytes * 1_000_000 // len(LINE.format(100000))
    text = "Berikut log lengkapnya:\n\n" + "".join(LINE.format(100000 + i) for i in range(count))
    return mail(megabytes, f"Log error SPSE ({megabytes} MB)", text=text)


def quoted_printable_log(megabytes: int) -> bytes:
    """The pasted log as Gmail sends a UTF-8 body: quoted-printable, non-ASCII in it."""
    line = LINE.replace("gagal", "gagal — ✓ sandi=salah")
    count = megabytes * 1_000_000 // (len(line.format(100000)) + 30)
    text = "Berikut log lengkapnya:\n\n" + "".join(line.format(100000 + i) for i in range(count))
    head = mail(2000 + megabytes, f"Log error SPSE ({megabytes} MB, QP)", text="-")
    head = head[:head.index(b"\r\n\r\n")].replace(b"Content-Transfer-Encoding: 7bit",
                                                   b"Content-Transfer-Encoding: quoted-printable")
    return head + b"\r\n\r\n" + quopri.encodestring(text.encode()).replace(b"\n", b"\r\n")


def html_only(megabytes: int) -> bytes:
    count = megabytes * 1_000_000 // len(ROW.format(100000))
    rows = "".join(ROW.format(100000 + i) for i in range(count))
    return mail(1000 + megabytes, f"Log dalam tabel ({megabytes} MB)",
                html=f"<html><body><p>Selamat pagi,</p><table>{rows}</table></body></html>")


def flood(count: int) -> list[bytes]:
    return [mail(10_000 + i, f"Laporan nomor {i}", sender="banjir@pemda.example",
                 text=f"Laporan ke-{i}: aplikasi tidak bisa dibuka.\n") for i in range(count)]


def run(state) -> dict:
    results = [memory.floor(state)]
    for megabytes in (12, 25, 40):
        results.append(memory.case(state, f"pasted log, {megabytes} MB", [pasted_log(megabytes)]))
        results.append(memory.case(state, f"HTML only, {megabytes} MB", [html_only(megabytes)]))
    results.append(memory.case(state, "quoted-printable UTF-8 log, 25 MB",
                               [quoted_printable_log(25)]))
    results.append(memory.case(state, "1,000 mails from one sender", flood(1000)))
    rows = [(r["case"], r["mails"], r["peak_rss_mb"], r["workers_peak_rss_mb"], r["seconds"],
             r["tickets"], r["quarantined"]) for r in results]
    huge = [r for r in results if " MB" in r["case"]]
    worst = max(max(r["peak_rss_mb"], r["workers_peak_rss_mb"]) for r in huge)
    flooded = results[-1]
    return emit("huge", f"Hostile mail: peak RSS of one huge mail at most {worst:.0f} MB "
                f"(target under {TARGET_MB}); 1,000 mails from one sender opened "
                f"{flooded['tickets']} tickets, {flooded['quarantined']} held",
                ("case", "mails", "peak RSS MB", "largest worker MB", "seconds", "tickets",
                 "quarantined/held"),
                rows, {"cases": results, "worst_peak_rss_mb": worst,
                       "flood_tickets": flooded["tickets"], "flood_held": flooded["quarantined"]})
