"""`ldp agents add` / `remove` and `ldp templates list`, run as an operator runs them: the
roster edited in the configuration file in place (the operator's comments and layout kept,
the file's permissions kept), every bad argument one line with exit 2 and the file untouched;
the canned answers listed with their language, first line and whether they compile."""
from __future__ import annotations

import json
import os
import stat

import pytest

from tests.integration.test_config_cli import ldp

pytestmark = pytest.mark.integration

CONFIG = """\
# The desk of LPSE Example: keep this comment.
[support]
address = "helpdesk@lpse.example"
data_dir = "data"

[database]
url = "sqlite:///ldp.sqlite3"

[security]
secret = "test-secret-0123456789abcdef"   # from the vault, really

[[teams]]
id = "l0-lkpp"
level = "L0"
organisation = "LKPP"

[[teams]]
id = "l1-lkpp"
level = "L1"
organisation = "LKPP"

# --- the roster ---
[[agents]]
email = "budi@lkpp.example"
name = "Budi"
team = "l0-lkpp"   # the morning shift
"""
NINA = """\

[[agents]]
email = "nina@lkpp.example"
name = "Nina Kusuma"
team = "l1-lkpp"
lead = true
assignment = "SP-07/LKPP/2026"
assigned_from = "2026-01-01"
assigned_until = "2026-12-31"
"""
ADD = ["agents", "add", "nina@lkpp.example", "--name", "Nina Kusuma", "--team", "l1-lkpp",
       "--lead", "--assignment", "SP-07/LKPP/2026", "--from", "2026-01-01",
       "--until", "2026-12-31"]


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "ldp.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o640)
    return path


def test_add_appends_the_agent_keeping_comments_layout_and_permissions(config, tmp_path):
    code, out, err = ldp(tmp_path, "--config", str(config), *ADD)
    assert (code, err) == (0, "")
    assert out == (f"the agent nina@lkpp.example was added to {config} (team l1-lkpp, L1); "
                   "restart `ldp run` so the agent can act and gets the welcome mail\n")
    assert config.read_text(encoding="utf-8") == CONFIG + NINA
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ldp.toml")] == []
    code, out, _err = ldp(tmp_path, "--config", str(config), "agents", "list", "--json")
    nina = next(r for r in json.loads(out) if r["email"] == "nina@lkpp.example")
    assert (nina["level"], nina["lead"], nina["assignment"], nina["assigned_until"]) == \
        ("L1", True, "SP-07/LKPP/2026", "2026-12-31")

    # Removed again: the file is as the operator wrote it.
    code, out, err = ldp(tmp_path, "--config", str(config), "agents", "remove",
                         "Nina@LKPP.example")
    assert (code, err) == (0, "")
    assert config.read_text(encoding="utf-8") == CONFIG + "\n"
    code, _out, err = ldp(tmp_path, "--config", str(config), "agents", "remove",
                          "nina@lkpp.example")
    assert (code, err) == (66, f"error: there is no agent nina@lkpp.example in {config}\n")


@pytest.mark.parametrize("change, message", [
    (["--team", "l9-lkpp"], "error: unknown team: l9-lkpp (known: l0-lkpp, l1-lkpp)"),
    (["--from", "2027-01-01"], "error: --until 2026-12-31 is before --from 2027-01-01"),
    (["--until", "2026-02-30"], "ldp agents add: error: argument --until: not a date "
                                "(YYYY-MM-DD): '2026-02-30' (see ldp agents add --help)"),
    (["--role", "boss"], "ldp agents add: error: argument --role: invalid choice: 'boss' "
                         "(choose from 'agent', 'admin') (see ldp agents add --help)"),
])
def test_a_bad_argument_is_one_line_exit_2_and_the_file_untouched(config, tmp_path, change,
                                                                  message):
    arguments = list(ADD)
    for option, value in zip(change[::2], change[1::2]):
        if option in arguments:
            arguments[arguments.index(option) + 1] = value
        else:
            arguments += [option, value]
    code, out, err = ldp(tmp_path, "--config", str(config), *arguments)
    assert (code, out, err) == (2, "", message + "\n")
    assert config.read_text(encoding="utf-8") == CONFIG


def test_a_duplicate_address_or_a_missing_letter_is_refused_and_the_file_untouched(
        config, tmp_path):
    code, _out, err = ldp(tmp_path, "--config", str(config), "agents", "add",
                          "BUDI@lkpp.example", "--name", "Budi", "--team", "l0-lkpp",
                          "--assignment", "SP-1", "--until", "2026-12-31")
    assert (code, err) == (2, f"error: the agent BUDI@lkpp.example is already in {config}\n")
    code, _out, err = ldp(tmp_path, "--config", str(config), "agents", "add", "x@lkpp.example",
                          "--name", "X", "--team", "l0-lkpp", "--assignment", "SP-1")
    assert code == 2 and "--until" in err.splitlines()[0]
    assert config.read_text(encoding="utf-8") == CONFIG


def test_templates_list_shows_each_answer_and_a_broken_one(config, tmp_path):
    code, out, _err = ldp(tmp_path, "--config", str(config), "templates", "list")
    assert (code, out) == (0, "no folder of canned answers: set [answers] dir in the "
                              "configuration\n")
    folder = tmp_path / "answers"
    (folder / "id").mkdir(parents=True)
    (folder / "en").mkdir()
    (folder / "id" / "reset-sandi.txt").write_text(
        "\nYth. {{ reporter_name }},\nSilakan atur ulang kata sandi.\n", encoding="utf-8")
    (folder / "en" / "reset-sandi.txt").write_text("Dear {{ reporter_name }},\n",
                                                   encoding="utf-8")
    (folder / "id" / "rusak.txt").write_text("Halo {{ nama \n", encoding="utf-8")
    (folder / "id" / "Bukan Nama.txt").write_text("x", encoding="utf-8")  # no answer's name
    config.write_text(CONFIG + '\n[answers]\ndir = "answers"\n', encoding="utf-8")
    code, out, err = ldp(tmp_path, "--config", str(config), "templates", "list", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {"name": "reset-sandi", "language": "id", "first_line": "Yth. {{ reporter_name }},",
         "check": "ok"},
        {"name": "reset-sandi", "language": "en", "first_line": "Dear {{ reporter_name }},",
         "check": "ok"},
        {"name": "rusak", "language": "id", "first_line": "Halo {{ nama",
         "check": "line 1: unexpected end of template, expected 'end of print statement'."}]
    code, out, _err = ldp(tmp_path, "--config", str(config), "templates", "list")
    assert out.splitlines()[0].split() == ["name", "language", "first_line", "check"]
    assert out.splitlines()[2].split()[:3] == ["reset-sandi", "id", "Yth."]


def test_update_renews_a_letter_in_place_keeping_each_key_and_comment(config, tmp_path):
    code, out, err = ldp(tmp_path, "--config", str(config), "agents", "update",
                         "budi@lkpp.example", "--team", "l1-lkpp", "--assignment", "SP-2",
                         "--until", "2027-06-30", "--lead")
    assert (code, err) == (0, "")
    assert out == (f"the agent budi@lkpp.example was changed in {config} (team, lead, "
                   "assignment, assigned_until); restart `ldp run`\n")
    assert config.read_text(encoding="utf-8") == CONFIG.replace(
        'team = "l0-lkpp"   # the morning shift\n',
        'team = "l1-lkpp"   # the morning shift\nlead = true\nassignment = "SP-2"\n'
        'assigned_until = "2027-06-30"\n')
    before = config.read_text(encoding="utf-8")
    for arguments, code_wanted, message in (
            ([], 2, "error: nothing to change: give at least one option"),
            (["--team", "l7"], 2, "error: unknown team: l7 (known: l0-lkpp, l1-lkpp)"),
            (["--from", "2028-01-01"], 2,
             "error: --until 2027-06-30 is before --from 2028-01-01")):
        code, _out, err = ldp(tmp_path, "--config", str(config), "agents", "update",
                              "budi@lkpp.example", *arguments)
        assert (code, err) == (code_wanted, message + "\n")
    code, _out, err = ldp(tmp_path, "--config", str(config), "agents", "update",
                          "siapa@lkpp.example", "--name", "X")
    assert (code, err) == (66, f"error: there is no agent siapa@lkpp.example in {config}\n")
    assert config.read_text(encoding="utf-8") == before
