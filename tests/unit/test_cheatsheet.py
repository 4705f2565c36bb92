"""The cheat-sheet's lists (`desk.cheatsheet`) follow the tables the plan obeys, and the
canned answers' sandbox (`sandbox.render_sandboxed`) renders plain fields and refuses what
reaches past them."""
from __future__ import annotations

import tracemalloc

import pytest

from gateway.sandbox import TemplateProblem, render_sandboxed
from gateway.desk import answers
from gateway.desk.cheatsheet import commands_for, fields
from gateway.domain import Level
from tests.conftest import make_settings


def test_each_level_gets_its_own_commands():
    assert "return" not in commands_for(Level.L0) and "progress" not in commands_for(Level.L0)
    assert {"escalate", "return"} <= set(commands_for(Level.L1))
    assert "progress" not in commands_for(Level.L1)
    assert "escalate" not in commands_for(Level.L2) and "progress" in commands_for(Level.L2)
    assert {"help", "check", "reply", "template"} <= set(commands_for(Level.L2))


def test_a_lead_sees_the_emergency_jump_and_teams_without_agents_are_left_out(tmp_path):
    settings = make_settings(tmp_path, "sqlite:///x", agents=[
        {"email": "lina@lkpp.example", "team": "l0-lkpp", "lead": True},
        {"email": "budi@lkpp.example", "team": "l0-lkpp"},
        {"email": "andi@telkom.example", "team": "l1-telkom"},
        {"email": "eka@lkpp.example", "team": "l2-lkpp"}])
    lina, budi = settings.agents[:2]
    assert [t["id"] for t in fields(settings, lina)["escalate_to"]] == ["l1-telkom"]
    assert [t["id"] for t in fields(settings, lina)["emergency_to"]] == ["l2-lkpp"]
    assert fields(settings, budi)["emergency_to"] == []
    assert fields(settings, budi)["hand_to"] == []  # l0-telkom has nobody to read it
    assert [a["code"] for a in fields(settings, budi)["actions"]] == [
        "analisa", "tanggapan", "solusi-non-teknis"]


def test_the_sandbox_fills_fields_and_refuses_the_rest():
    assert render_sandboxed("Yth. {{ name }},\n{% if n %}{{ n }}{% endif %}\n",
                            {"name": "Rina", "n": 2}) == "Yth. Rina,\n2"
    for source, reason in (("{{ missing }}", "'missing' is undefined"),
                           ("{{ ''.__class__.__mro__ }}", "not allowed: access to attribute"),
                           ("{{ 'x' * 100000000 }}", "not allowed: repetition too large"),
                           ("{{ 9 ** 99999 }}", "not allowed: exponent too large"),
                           ("{{ 1 / 0 }}", "ZeroDivisionError"),
                           ("{% for %}", "line 1: "),
                           ("{% for i in range(40000) %}xx{% endfor %}", "longer than 65536")):
        with pytest.raises(TemplateProblem) as caught:
            render_sandboxed(source, {"name": "Rina"})
        assert str(caught.value).startswith(reason), source


def test_answers_are_found_by_name_in_the_tickets_language_else_the_other(tmp_path):
    (tmp_path / "id").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "id" / "salam.txt").write_text("Salam\n", encoding="utf-8")
    (tmp_path / "en" / "salam.txt").write_text("Hello\n", encoding="utf-8")
    (tmp_path / "id" / "hanya-id.txt").write_text("Saja\n", encoding="utf-8")
    (tmp_path / "id" / "README.md").write_text("not an answer", encoding="utf-8")
    folder = str(tmp_path)
    assert answers.names(folder) == ("hanya-id", "salam")
    assert answers.find(folder, "SALAM", "en").language == "en"
    assert answers.find(folder, "salam", "id").language == "id"
    assert answers.find(folder, "hanya-id", "en").language == "id"
    assert answers.find(folder, "tidak-ada", "id") is None
    assert answers.listing("") == () and answers.listing(str(tmp_path / "nowhere")) == ()


@pytest.mark.parametrize("source", [
    "{{ 'x' * 10000 * 1000 }}",                       # each factor small, the product not
    "{{ (range(10000)|list) * 1000 }}",
    "{{ 'x'|center(10000000) }}",
    "{{ 'x'|indent(10000000, true) }}",
    "{{ '%010000000d'|format(1) }}",
    "{{ '%010000000d' % 1 }}",
    "{{ '{:>10000000}'.format(1) }}",
    "{{ range(1000)|join('x' * 10000) }}",
    "{{ ('x' * 10000)|replace('x', 'y' * 1000) }}",
    "{{ ('x' * 10000).replace('x', 'y' * 1000) }}",
    "{{ ('x' * 1000).join(range(10000)|map('string')) }}",
    "{% set a = 'x' * 10000 %}{% set a = a ~ a %}{% set a = a ~ a %}{% set a = a ~ a %}"
    "{% set a = a ~ a %}{% set a = a ~ a %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a|length }}",
    "{% set a = 'x' * 6000 * 10 %}{% set a = a + a %}{% set a = a + a %}{% set a = a + a %}"
    "{% set a = a + a %}{% set a = a + a %}{% set a = a + a %}{% set a = a + a %}{{ a|length }}",
    "{{ ('%s' * 200) % (('x' * 5000 * 10,) * 200) }}",
    "{{ ('{0}' * 200).format('x' * 5000 * 10) }}",
    "{{ '%9999s' * 1000 % ((1,) * 1000) }}",
    "{% set a = 'x' * 5000 * 10 %}{{ [a] * 200 }}",        # one string, many references
    "{% set a = 'x' * 5000 * 10 %}{% set l = [a, a, a, a, a, a, a, a, a, a] %}"
    "{% set l = [l, l, l, l, l, l, l, l, l, l] %}{{ l|string|length }}",
    "{% set a = 9 ** 64 %}{% set a = a ** 64 %}{% set a = a ** 64 %}{{ a * a * a }}",
    "{{ lipsum(2000) }}",
    "{% for i in range(100000) %}{% for j in range(10) %}xxxxxxxxxx{% endfor %}{% endfor %}",
])
def test_the_sandbox_refuses_a_huge_answer_before_building_it(source):
    """An answer over MAX_ANSWER_CHARS is refused before it is built, not after: every one of
    these would take ten megabytes or more (and, scaled up, the gateway's memory)."""
    tracemalloc.start()
    try:
        with pytest.raises(TemplateProblem):
            render_sandboxed(source, {"name": "Rina"})
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, (source, peak)


def test_an_answer_is_never_a_file_outside_the_answers_folder(tmp_path):
    """Whoever may write in the answers folder may not make the gateway read its other files
    (its configuration holds the reply tokens' secret) into a reporter's mail: a link to a
    file elsewhere, or a language folder that leads elsewhere, is no answer."""
    secret = tmp_path / "ldp.toml"
    secret.write_text('[security]\nsecret = "s3cret-s3cret-s3cret"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "lain.txt").write_text("Not an answer\n", encoding="utf-8")
    folder = tmp_path / "answers"
    (folder / "id").mkdir(parents=True)
    (folder / "id" / "salam.txt").write_text("Salam\n", encoding="utf-8")
    (folder / "id" / "rahasia.txt").symlink_to(secret)
    (folder / "en").symlink_to(elsewhere)
    assert answers.names(str(folder)) == ("salam",)
    assert answers.find(str(folder), "rahasia", "id") is None
    assert answers.find(str(folder), "lain", "en") is None
    # A file swapped for a link after it was listed is not read either.
    found = answers.find(str(folder), "salam", "id")
    found.path.unlink()
    found.path.symlink_to(secret)
    with pytest.raises(OSError):
        found.source()
