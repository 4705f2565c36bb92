"""The report as a table, CSV, JSON or a self-contained HTML page, in Indonesian or English
(the configured `support.language`), and as a mail with the HTML page attached."""
from __future__ import annotations

import csv
import io
import json
from html import escape

from gateway.desk.stages import STAGES
from gateway.parsers import safetext
from gateway.sla import charts
from gateway.sla.report import AGE_BUCKETS, Report
from gateway.text import vocabulary

STAGE_WORDS = {value: words[0] for value, words in STAGES}  # the Indonesian word per stage

COLUMNS = ("level", "team", "opened", "affected", "resolved", "escalated_l0_l1", "escalated_l1_l2",
           "returned", "reopened", "first_response_median", "first_response_p90",
           "resolution_median", "resolution_p90", "sla_compliance")
LABELS = {
    "level": ("Tingkat", "Level"), "team": ("Tim", "Team"), "opened": ("Dibuka", "Opened"),
    "affected": ("Laporan terdampak", "Affected reports"),
    "resolved": ("Selesai", "Resolved"), "escalated_l0_l1": ("Eskalasi L0-L1", "Escalated L0-L1"),
    "escalated_l1_l2": ("Eskalasi L1-L2", "Escalated L1-L2"),
    "returned": ("Dikembalikan", "Returned"), "reopened": ("Dibuka ulang", "Reopened"),
    "first_response_median": ("Tanggapan pertama median (jam)", "First response median (h)"),
    "first_response_p90": ("Tanggapan pertama P90 (jam)", "First response P90 (h)"),
    "resolution_median": ("Penyelesaian median (jam)", "Resolution median (h)"),
    "resolution_p90": ("Penyelesaian P90 (jam)", "Resolution P90 (h)"),
    "sla_compliance": ("Kepatuhan SLA (%)", "SLA compliance (%)"),
    "backlog": ("Antrean menurut umur", "Backlog by age"),
    "top_categories": ("Kategori teratas", "Top categories"),
    "actions": ("Tindakan", "Actions"),
    "stage_hours": ("Jam per tahap", "Hours per stage"),
    "applications": ("Dibuka per aplikasi", "Opened per application"),
    "lpse": ("Dibuka per LPSE", "Opened per LPSE"),
    "by_application": ("Tiket per aplikasi (semua tingkat dan tim)",
                       "Tickets per application (every level and team)"),
    "by_lpse": ("Tiket per LPSE (semua tingkat dan tim)",
                "Tickets per LPSE (every level and team)"),
    "application": ("Aplikasi", "Application"), "lpse_code": ("LPSE", "LPSE"),
    "lpse_name": ("Nama", "Name"), "still_open": ("Masih terbuka", "Still open"),
    "title": ("Laporan layanan {start} s.d. {end}", "Service report {start} to {end}"),
    "note": ("Waktu dalam jam kerja; waktu menunggu pelapor tidak dihitung.",
             "Times in business hours; time pending on the reporter does not count."),
    "weekly": ("Tiket per minggu per tingkat", "Tickets per week per level"),
    "week": ("Minggu mulai", "Week starting"),
    "distribution": ("Sebaran waktu penyelesaian", "Resolution time distribution"),
    "hours": ("Jam kerja", "Business hours"),
    "compliance": ("Kepatuhan SLA per tim (%)", "SLA compliance per team (%)"),
    "empty": ("tidak ada tiket pada periode ini", "no tickets in this period"),
    "mailed": ("laporan {id} untuk {to}: {sent} terkirim, {retried} ditunda",
               "report {id} to {to}: {sent} sent, {retried} deferred"),
    "subject": ("Laporan layanan LDP {start} s.d. {end}", "LDP service report {start} to {end}"),
    "satisfaction": ("Kepuasan pelapor (IKM: rata-rata jawaban 1-4 x 25)",
                     "Reporters' satisfaction (IKM: mean of the 1-4 answers x 25)"),
    "answers": ("jawaban", "answers"),
    "comments": ("Komentar pelapor", "Reporters' comments"),
}


def label(key: str, language: str, **values: object) -> str:
    indonesian, english = LABELS[key]
    return (indonesian if language == "id" else english).format(**values)


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _stage_word(stage: str, language: str) -> str:
    """A stage as agents write it: its Indonesian word for "id", else its English value."""
    return STAGE_WORDS.get(stage, stage) if language == "id" else stage


def _application_word(name: str, language: str) -> str:
    """"other" in the report's language (lainnya); SPSE and SIKaP are names."""
    return vocabulary.word("application", name, language)


def _flat(row: dict[str, object], language: str) -> list[str]:
    backlog = " ".join(f"{b}:{row['backlog'][b]}" for b, _ in AGE_BUCKETS)
    top = ", ".join(f"{name} ({count})" for name, count in row["top_categories"])
    actions = ", ".join(f"{code} {application} ({count})"
                        for code, application, count in row["actions"])
    stages = ", ".join(f"{_stage_word(stage, language)} {hours}"
                       for stage, hours in row["stage_hours"].items())
    applications = ", ".join(f"{_application_word(name, language)} ({count})"
                             for name, count in row["applications"])
    lpse = ", ".join(f"{code} ({count})" for code, count in row["lpse"])
    return [*(_cell(row[c]) for c in COLUMNS), backlog, top or "-", actions or "-",
            stages or "-", applications or "-", lpse or "-"]


def headings(language: str) -> list[str]:
    return [label(c, language) for c in (*COLUMNS, "backlog", "top_categories", "actions",
                                              "stage_hours", "applications", "lpse")]


def as_table(report: Report) -> str:
    lang, rows = report.language, [_flat(r, report.language) for r in report.rows()]
    if not rows:
        return label("empty", lang)
    heads = headings(lang)
    lines = [[h, *(row[i] for row in rows)] for i, h in enumerate(heads)]
    width = max(len(line[0]) for line in lines)
    columns = [max(len(line[k]) for line in lines) for k in range(1, len(rows) + 1)]
    title = label("title", lang, start=report.start, end=report.end)
    text = "\n".join([title, *("  ".join([line[0].ljust(width), *(
        cell.ljust(columns[k]) for k, cell in enumerate(line[1:]))]).rstrip() for line in lines)])
    for _name, caption, heads, rows in concern_tables(report):
        widths = [max(len(r[k]) for r in (heads, *rows)) for k in range(len(heads))]
        text += "\n\n" + "\n".join([caption, *("  ".join(
            cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in (heads, *rows))])
    return "\n".join([text, *satisfaction_lines(report)])


def concern_tables(report: Report) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """The tickets per application and per LPSE, over every level and team: (name, caption,
    headings, rows) for each that has a ticket in the period."""
    lang = report.language
    counts = [label(k, lang) for k in ("opened", "resolved", "still_open")]
    tables = []
    if report.applications:
        tables.append(("applications", label("by_application", lang),
                       [label("application", lang), *counts],
                       [[_application_word(c.name, lang), str(c.opened), str(c.resolved),
                         str(c.open)] for c in report.applications]))
    if report.lpse:
        tables.append(("lpse", label("by_lpse", lang),
                       [label("lpse_code", lang), label("lpse_name", lang), *counts],
                       [[c.name, c.label or "-", str(c.opened), str(c.resolved), str(c.open)]
                        for c in report.lpse]))
    return tables


def satisfaction_lines(report: Report) -> list[str]:
    """The satisfaction block under the table: a line per level and team (IKM score and the
    number of answers), then each comment with its ticket and score; nothing without answers.
    A comment is the reporter's text, printed as one line of text."""
    lang, groups = report.language, [s.figures() for s in report.satisfaction]
    if not groups:
        return []
    lines = ["", label("satisfaction", lang)]
    lines += [f"{g['level']}  {g['team']}  IKM {g['ikm']}  ({g['answers']} "
              f"{label('answers', lang)})" for g in groups]
    comments = [(g, c) for g in groups for c in g["comments"]]
    if comments:
        lines += [label("comments", lang), *(
            f"{g['level']}  {g['team']}  {c['ref']}  {c['score']}  {safetext.one_line(c['comment'])}"
            for g, c in comments)]
    return lines


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headings(report.language))
    writer.writerows(_flat(row, report.language) for row in report.rows())
    return out.getvalue()


def as_json(report: Report) -> str:
    return json.dumps({"from": report.start.isoformat(), "to": report.end.isoformat(),
                       "groups": report.rows(),
                       "satisfaction": [s.figures() for s in report.satisfaction],
                       "applications": [c.figures() for c in report.applications],
                       "lpse": [c.figures() for c in report.lpse]}, ensure_ascii=False, indent=2)


def compliance_by_team(report: Report) -> dict[str, float | None]:
    met: dict[str, list[int]] = {}
    for group in report.groups:
        total = met.setdefault(group.team, [0, 0])
        total[0] += group.met
        total[1] += group.measured
    return {team: round(100 * a / b, 1) if b else None for team, (a, b) in met.items()}


def as_html(report: Report) -> str:
    """One file: the table and three charts as embedded PNG images."""
    lang = report.language
    title = label("title", lang, start=report.start, end=report.end)
    head = "".join(f"<th>{escape(h)}</th>" for h in headings(lang))
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in _flat(row, lang)) + "</tr>"
                   for row in report.rows())
    images = [
        ("chart-weekly", label("weekly", lang), charts.tickets_per_week(
            report.weekly, label("weekly", lang), label("week", lang))),
        ("chart-resolution", label("distribution", lang), charts.resolution_distribution(
            report.resolution_hours, label("distribution", lang), label("hours", lang))),
        ("chart-compliance", label("compliance", lang), charts.compliance_per_team(
            compliance_by_team(report), label("compliance", lang))),
    ]
    concerns = "".join(
        f'<h2>{escape(caption)}</h2><table id="{ident}"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in heads) + "</tr></thead><tbody>"
        + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                  for row in rows) + "</tbody></table>"
        for ident, caption, heads, rows in concern_tables(report))
    figures = "".join(f'<figure><img id="{name}" alt="{escape(alt)}" src="{src}">'
                      f"<figcaption>{escape(alt)}</figcaption></figure>"
                      for name, alt, src in images) + satisfaction_html(report)
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>body{{font-family:Arial,sans-serif}}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;"
            "font-size:13px}</style></head><body>"
            f"<h1>{escape(title)}</h1><p>{escape(label('note', lang))}</p>"
            f'<table id="figures"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f"{concerns}{figures}</body></html>\n")


def satisfaction_html(report: Report) -> str:
    """The satisfaction block as HTML, every value escaped (a comment is the reporter's text)."""
    lines = satisfaction_lines(report)
    if not lines:
        return ""
    heading, *rest = lines[1:]
    items = "".join(f"<li>{escape(line)}</li>" for line in rest)
    return f'<h2>{escape(heading)}</h2><ul id="satisfaction">{items}</ul>'


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json, "html": as_html}
