"""One language at a time: every mail template and every catalogue entry exists in Indonesian
and English with the same placeholders, and the Indonesian text, rendered, holds no English
giveaway word (and the English none of Indonesian), outside placeholders, ticket refs and
command names such as #balas.

The templates are rendered through the real Composer over contexts that walk every branch
(each mode, move, status, priority, measure, field change and problem), with neutral values
("Qq...") for the data a mail carries, so only the template's own words and the vocabulary's
translations are scanned."""
from __future__ import annotations

import string
from typing import Any, Iterator

import jinja2
import jinja2.meta
import pytest

from gateway.text import messages, problems, vocabulary
from gateway.compose import LANGUAGES, TEMPLATES_DIR, Composer
from gateway.domain import Level, Priority, Status
from gateway.desk import registry as commands
from gateway.desk.registry import command_words
from gateway.sla import render as sla_render
from tests.language_words import giveaways

NEUTRAL = "Qqvalue"


# --- the templates ---------------------------------------------------------------------

def template_files(language: str) -> set[str]:
    return {p.name for p in (TEMPLATES_DIR / language).iterdir() if p.is_file()}


def test_every_template_exists_in_both_languages() -> None:
    assert template_files("id") == template_files("en")
    assert template_files("id")  # the folder is really there


@pytest.mark.parametrize("name", sorted(template_files("id")))
def test_both_languages_of_a_template_use_the_same_placeholders(name: str) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)))
    env.filters.update(word=str, nl2br=str)  # parsing needs the filters' names only

    def placeholders(language: str) -> set[str]:
        source = (TEMPLATES_DIR / language / name).read_text(encoding="utf-8")
        return jinja2.meta.find_undeclared_variables(env.parse(source))
    assert placeholders("id") == placeholders("en"), name


STEP_NAMES = ("reply", "note", "progress", "pending", "resolve", "help", "check", "take")


def step(name: str, **extra: Any) -> dict[str, Any]:
    return {"line": f"#{name} {NEUTRAL}", "name": name, "error": None, "implicit": False,
            "changes": [], "effect": True, "emergency": False, **extra}


BASE: dict[str, Any] = {
    "ref": "LDP-000001", "subject": NEUTRAL, "reporter_name": "", "reporter": NEUTRAL,
    "level": "L1", "team": "Qqteam", "team_name": NEUTRAL, "status": "open",
    "priority": "normal", "category": None, "assignee": None, "author": NEUTRAL,
    "text": NEUTRAL, "attachments": ["qq.pdf"],
    "notes": [{"author": NEUTRAL, "text": NEUTRAL, "cut": False}],
    "message": NEUTRAL, "reason": NEUTRAL, "progress": NEUTRAL, "resolution": NEUTRAL,
    "stage": "fixing",
    "to_level": "L1", "size": "41 MB", "limit": "40 MB", "help": "", "default_public": False,
    "mode": "applied", "valid": True, "steps": [step(n) for n in STEP_NAMES],
    "move": "escalate", "actor": NEUTRAL, "from_level": "L0", "from_team_name": NEUTRAL,
    "reasons": [NEUTRAL],
    "history": [{"kind": k, "author": NEUTRAL, "text": NEUTRAL, "cut": k == "report",
                 "size": "12.0 MB", "shown": "64 KB"}
                for k in ("report", "reply", "note", "feedback")],
    "measure": "first_response", "elapsed": "3.0", "target": "4", "share": 75,
    "leads": [NEUTRAL], "can_escalate": True, "from_reporter": True,
    "text_cut": False, "text_shown": "64 KB", "text_size": "12.0 MB", "sender": NEUTRAL,
    "original_command": "ldp tickets original LDP-000001 2",
    "count": 40, "cap": 20, "author_email": "qq@qq.example",
    "files": [{"id": 7, "name": "qq.pdf", "size": "2.0 MB", "cid": "qq@qq.example"}],
    "files_attached": True, "files_total": "30.0 MB", "files_limit": "10.0 MB",
    "files_command": "ldp attachments get LDP-000001",
    "files_list_command": "ldp attachments list LDP-000001",
    "handler_team": NEUTRAL, "handler_level": "1", "solver_team": NEUTRAL, "solver_level": "2",
    "event": "new", "acting": False, "partner_team_name": NEUTRAL, "other_team_name": NEUTRAL,
    "lines": [f"#balas {NEUTRAL}"], "resolved": False, "moved": False,
    "removed": "qq@qq.example", "self_removed": True, "name": "",
    "copied_to": ["qq@qq.example", "qz@qq.example"],
    "followers": ["qq@qq.example"], "answer_cc": ["qq@qq.example"], "to_reporter": True,
    "actor_level": "L0", "emergency": False,
    "agent_email": "qq@qq.example", "agent_name": NEUTRAL, "agent_team": "qq",
    "assignment": "qq-1", "until": "2026-01-01", "days_left": 3,
    "survivor_ref": "LDP-000002", "survivor_subject": NEUTRAL,
    "incident_reached": ["LDP-000002", "LDP-000003"],
    # What an agent may use now (`desk.cheatsheet`): the cheat-sheet, the welcome, refusals.
    "allowed": {"level": "L1", "team": {"id": "qq", "name": NEUTRAL, "level": "L1"},
                "lead": True, "help": "", "commands": ["#qq"],
                "actions": [{"code": "qq", "label": NEUTRAL, "application": True},
                            {"code": "qz", "label": NEUTRAL, "application": False}],
                "applications": ["Qqapp"], "categories": ["qq"],
                "escalate_to": [{"id": "qq", "name": NEUTRAL, "level": "L2"}],
                "emergency_to": [{"id": "qq", "name": NEUTRAL, "level": "L2"}],
                "return_to": [], "hand_to": [{"id": "qq", "name": NEUTRAL, "level": "L1"}],
                "answers": ["qq"], "assignment": "qq-1", "assigned_until": "2026-01-01",
                "assignment_valid": False},
    "days": 3, "grace_days": 7, "survey": True, "survey_link": "https://qq.example/qq?qq=1",
    "linked_ref": "LDP-000002",
    "application": "other", "lpse": "qq-lpse", "lpse_name": NEUTRAL,
}
# Each variation is rendered on top of BASE, so every branch of every template is read once.
VARIATIONS: list[dict[str, Any]] = [
    {}, {"reporter_name": "", "message": "", "notes": [], "attachments": [], "to_level": "L2"},
    {"application": None, "lpse": None, "lpse_name": None},
    {"default_public": True}, {"can_escalate": False}, {"from_reporter": False},
    {"from_reporter": False, "from_follower": True}, {"self_removed": False, "name": NEUTRAL},
    {"files_attached": False}, {"files": []}, {"files_missing": ["qq.pdf"]},
    {"text_cut": True, "notes": [{"author": NEUTRAL, "text": NEUTRAL, "cut": True,
                                  "size": "12.0 MB", "shown": "64 KB"}]},
    {"valid": False, "mode": "check"},
    *({"mode": mode} for mode in ("applied", "refused", "check")),
    *({"move": move} for move in ("escalate", "return", "team", "assign")),
    *({"status": s.value} for s in Status), *({"priority": p.value} for p in Priority),
    *({"measure": m} for m in vocabulary.MEASURE),
    {"steps": [step("take", changes=[{"field": f, "old": old, "new": new} for f, old, new in (
        ("level", "L0", "L1"), ("team", "Qqa", "Qqb"), ("status", "new", "open"),
        ("priority", "low", "urgent"), ("category", "-", NEUTRAL), ("assignee", "-", NEUTRAL),
        ("followers", "-", NEUTRAL), ("merged_into", "-", "LDP-000002"),
        ("parent", "-", "LDP-000002"), ("related", "-", "LDP-000002"),
        ("status", "pending", "resolved"), ("status", "resolved", "closed"),
        ("priority", "normal", "high"))])]},
    {"steps": [step("reply", implicit=True), step("note", error=NEUTRAL)], "mode": "refused"},
    {"steps": [step("escalate", emergency=True)], "emergency": True},
    # Who holds the ticket, without a configured team name; partner copies and L0 updates.
    {"handler_team": "", "solver_team": ""}, {"acting": True},
    *({"event": e} for e in ("new", "arrived", "resolved", "reply")),
    {"resolved": True}, {"moved": True}, {"message": ""}, {"to_reporter": False},
    {"allowed": {**BASE["allowed"], "lead": False, "emergency_to": [], "answers": [],
                 "categories": [], "assignment_valid": True}},
    {"allowed": {**BASE["allowed"], "assignment": "", "assignment_valid": None}},
    {"ref": None},
    {"survey": False}, {"survey_link": "", "linked_ref": None},
]


def templates() -> list[str]:
    return sorted({p.name.split(".")[0] for p in (TEMPLATES_DIR / "id").iterdir()
                   if not p.name.startswith("_")})


def renderings(language: str) -> Iterator[tuple[str, str]]:
    composer = Composer(support_address="qq@qq.example", support_name=NEUTRAL,
                        domain="qq.example", loop_marker="qq")
    problem_text = problems.problem("needs_reason", command="escalate").text(
        language, commands.command_word)
    for name in templates():
        subject, text, page = composer._templates(name, language)
        for variation in VARIATIONS:
            context = {**BASE, **variation, "language": language,
                       "support_name": NEUTRAL, "support_address": "qq@qq.example",
                       "command_words": command_words(language)}
            # The notice builder words each line's problem; the sample is one of them.
            context["steps"] = [dict(s, error=problem_text if s["error"] else None)
                                for s in context["steps"]]
            for template in (subject, text, page):
                yield f"{name} {variation}", template.render(context)


@pytest.mark.parametrize("language", LANGUAGES)
def test_rendered_templates_hold_no_word_of_the_other_language(language: str) -> None:
    found = {}
    for where, rendered in renderings(language):
        if wrong := giveaways(rendered, language):
            found.setdefault(where.split()[0], set()).update(wrong)
    assert found == {}


def test_the_scan_catches_an_english_word_in_indonesian_and_the_other_way() -> None:
    """The scan itself: today's complaints are caught, names and refs are not."""
    assert giveaways("Status   : new", "id") == {"status", "new"}
    assert giveaways("GALAT: well-formed: unknown command", "id") == {
        "well", "formed", "unknown", "command"}
    assert giveaways("Kirim #balas ke [LDP-000001] di L1, budi@lkpp.example", "id") == set()
    assert giveaways("Your ticket is selesai", "en") == {"selesai"}


# --- the catalogues --------------------------------------------------------------------

def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


CATALOGUES = {
    "messages": messages.TEXT, "headings": messages.HEADINGS, "problems": problems.TEXT,
    "sla labels": sla_render.LABELS,
    **{f"vocabulary {kind}": table for kind, table in vocabulary.TABLES.items()},
}
ENTRIES = [(catalogue, key, pair) for catalogue, table in CATALOGUES.items()
           for key, pair in table.items()]


@pytest.mark.parametrize(("catalogue", "key", "pair"), ENTRIES,
                         ids=[f"{c}:{k}" for c, k, _ in ENTRIES])
def test_each_catalogue_entry_has_both_languages_with_the_same_placeholders(
        catalogue: str, key: str, pair: tuple[str, str]) -> None:
    indonesian, english = pair
    assert indonesian.strip() and english.strip()
    assert fields(indonesian) == fields(english)


# Sample values for a problem's placeholders: worded ones get real values, so their words are
# scanned too; the rest are neutral.
PROBLEM_VALUES: dict[str, Any] = {
    "command": "escalate", "chosen": "reply", "reopen": "reopen", "reply": "reply",
    "note": "note", "commands": ("reply", "note", "close"), "status": Status.PENDING,
    "choices": ("low", "normal", "high", "urgent"), "levels": (Level.L1, Level.L2),
    "known": (), "hint": problems.problem("reopen_only"), "level": Level.L1,
    "actor_level": Level.L0, "target": Level.L2, "word": "#qqword",
    "applications": ("SPSE", "SIKaP"),
    "stages": (("perbaikan", "fixing"), ("pengujian", "testing")),
}


@pytest.mark.parametrize(("catalogue", "key", "pair"), ENTRIES,
                         ids=[f"{c}:{k}" for c, k, _ in ENTRIES])
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_entries_hold_no_word_of_the_other_language(
        catalogue: str, key: str, pair: tuple[str, str], language: str) -> None:
    if catalogue == "problems":
        values = {name: PROBLEM_VALUES.get(name, NEUTRAL) for name in fields(pair[0])}
        text = problems.problem(key, **values).text(language, commands.command_word)
    else:
        text = pair[0 if language == "id" else 1].format(
            **{name: NEUTRAL for name in fields(pair[0])})
    assert giveaways(text, language) == set(), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_command_reference_is_in_one_language(language: str) -> None:
    assert giveaways(commands.help_text(language), language) == set()
    assert giveaways(command_words(language), language) == set()


def test_the_indonesian_words_for_statuses_and_priorities() -> None:
    """The table the mails read: one word per value, the same everywhere."""
    assert {s.value: vocabulary.word("status", s, "id") for s in Status} == {
        "new": "baru", "open": "diproses", "pending": "ditunda", "resolved": "selesai",
        "closed": "ditutup"}
    assert {p.value: vocabulary.word("priority", p, "id") for p in Priority} == {
        "low": "rendah", "normal": "normal", "high": "tinggi", "urgent": "mendesak"}
    assert vocabulary.word("status", "open", "en") == "open"
    assert vocabulary.word("team", "l1-telkom", "id") == "l1-telkom"


def test_a_problem_is_worded_in_the_agents_language_and_logged_in_english() -> None:
    refused = problems.problem("not_allowed_because", command="reopen", level=Level.L0,
                               status=Status.NEW, hint=problems.problem("reopen_only"),
                               commands=("reply", "check"))
    assert refused.text("id", commands.command_word) == (
        "#buka tidak dapat dipakai pada tiket L0 yang keadaannya baru (hanya tiket yang selesai "
        "atau ditutup yang dapat dibuka kembali); yang dapat dipakai: #balas, #cek")
    assert refused.text("en", commands.command_word) == (
        "#reopen is not allowed on an L0 ticket in status new (only a resolved or closed ticket "
        "can be reopened); allowed there: #reply, #check")
    assert str(type(refused)("not_level_agent", (("email", "a@b.id"), ("level", "L1")),
                             rule="assign-target")) == "assign-target: a@b.id is not an L1 agent"

