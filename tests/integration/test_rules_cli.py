"""The real `ldp rules check`, `ldp rules explain` and `ldp rules test` commands on the shipped
rules, and a rule file with a mistake stopping them with one line and exit code 78."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import mails
from tests.conftest import make_settings, write_config

pytestmark = pytest.mark.integration

ROUTING = {"rules_file": "default", "default_team": "l0-telkom"}
DEFAULT_ORDER = ("auto-reply, spam, urgent-deadline, akun, tender, email, spse, sikap, "
                 "pertanyaan-umum, lkpp-staff, resolution-center")
MAILS = {
    "1-password.eml": mails.report(
        sender="Rina <rina@pemkab-bogor.go.id>", subject="Lupa password SPSE",
        body="Saya lupa password dan akun terkunci. Mohon reset password.",
        message_id="<rules-1@pemkab-bogor.go.id>"),
    "2-tender.eml": mails.report(
        sender="Pokja ULP <pokja@ulp.lkpp.go.id>",
        subject="Gagal unggah dokumen penawaran, tender hari ini",
        body="Peserta tidak bisa mengunggah dokumen penawaran. Batas waktu hari ini pukul 15.00.",
        message_id="<rules-2@ulp.lkpp.go.id>"),
    "3-question.eml": mails.report(
        sender="Vendor <sales@vendor.example>", subject="How to register as a vendor?",
        body="Hello, how do I register my company? Could you send the steps, please?",
        message_id="<rules-3@vendor.example>"),
    "4-away.eml": mails.report(
        sender="Budi <budi@lkpp.go.id>", subject="Out of Office: Re: [LDP-000007] Akun",
        body="I am out of the office until Monday.", message_id="<rules-4@lkpp.go.id>"),
}


def ldp(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m gateway` in tmp_path with LDP_CONFIG set and English messages."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=60, env={**os.environ, "LDP_CONFIG": str(config), "LDP_LANG": "en"})


def configured(tmp_path: Path, **routing: str) -> Path:
    """A configuration file for the shipped teams and agents, with these routing settings."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}",
                             routing={**ROUTING, **routing})
    write_config(tmp_path / "ldp.toml", settings)
    return tmp_path / "ldp.toml"


def test_rules_check_prints_every_shipped_rule_with_its_conditions_and_actions(tmp_path):
    """`ldp rules check` prints one row per rule: number, name, conditions on one line (long
    keyword lists shortened to fit the column, with the rest counted) and actions."""
    result = ldp(tmp_path, configured(tmp_path), "rules", "check")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "\n".join([
        "#   name               when                                                          then",
        "--  -----------------  ------------------------------------------------------------  "
        "-----------------------------------------",
        r"1   auto-reply         header[auto-submitted]~/^\s*auto-/ | subject~[out of office…  "
        "tags=[auto-reply], drop",
        "2   spam               text~[slot gacor|judi online|situs judi|togel|…+5]            "
        "tags=[spam], drop",
        "3   urgent-deadline    (text~[hari terakhir|…+5] | (text~[deadline|…+38] & text~[h…  "
        "priority=urgent, tags=[tenggat], continue",
        "4   akun               text~[lupa password|reset password|akun terkunci|…+11]        "
        "category=akun, continue",
        "5   tender             text~[upload dokumen|unggah dokumen|gagal unggah|…+5]         "
        "category=tender, continue",
        "6   email              text~[email tidak masuk|notifikasi email|kode aktivasi|…+4]   "
        "category=email, continue",
        "7   spse               text~[spse|lpse]                                              "
        "category=spse, tags=[spse], continue",
        "8   sikap              subject~[sikap] | body~[aplikasi sikap|sikap lkpp|…+2]        "
        "category=sikap, tags=[sikap], continue",
        "9   pertanyaan-umum    text~[bagaimana cara|mohon informasi|mohon penjelasan|…+4]    "
        "category=pertanyaan-umum, continue",
        "10  lkpp-staff         from=[*@lkpp.go.id|*@*.lkpp.go.id]                            "
        "team=l0-lkpp, category=lainnya",
        "11  resolution-center  always                                                        "
        "team=l0-telkom, category=lainnya",
        "11 rules are valid",
        "",
    ])


def test_rules_explain_json_names_the_decision_and_every_rule_matched_and_tried(tmp_path):
    """`ldp rules explain FILE --json` gives team, category, priority, tags, language, the
    rules that matched and the rules tried, for a vendor's and an LKPP officer's mail."""
    config = configured(tmp_path)
    explained = []
    for name in ("1-password.eml", "2-tender.eml"):
        (tmp_path / name).write_bytes(MAILS[name])
        result = ldp(tmp_path, config, "rules", "explain", name, "--json")
        assert (result.returncode, result.stderr) == (0, "")
        explained.append(json.loads(result.stdout))
    assert explained == [
        {"team": "l0-telkom", "category": "akun", "priority": "normal", "drop": False,
         "tags": "spse", "language": "id", "application": "SPSE", "lpse": None,
         "rule": "akun, spse, resolution-center",
         "tried": DEFAULT_ORDER},
        {"team": "l0-lkpp", "category": "tender", "priority": "urgent", "drop": False,
         "tags": "tenggat", "language": "id", "application": None, "lpse": None,
         "rule": "urgent-deadline, tender, lkpp-staff",
         "tried": "auto-reply, spam, urgent-deadline, akun, tender, email, spse, sikap, "
                  "pertanyaan-umum, lkpp-staff"},
    ]


def test_rules_test_prints_one_row_per_mail_of_a_folder(tmp_path):
    """`ldp rules test DIR` routes every file of the folder, in name order, as a table; an
    out-of-office reply is dropped and a file that is no mail says why."""
    folder = tmp_path / "mails"
    folder.mkdir()
    for name, raw in MAILS.items():
        (folder / name).write_bytes(raw)
    (folder / "5-noise.eml").write_bytes(b"\x00\x01 not a mail")
    result = ldp(tmp_path, configured(tmp_path), "rules", "test", "mails")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "\n".join([
        "file            team       category         priority  drop   rule",
        "--------------  ---------  ---------------  --------  -----  "
        "--------------------------------------------------",
        "1-password.eml  l0-telkom  akun             normal    False  "
        "akun, spse, resolution-center",
        "2-tender.eml    l0-lkpp    tender           urgent    False  "
        "urgent-deadline, tender, lkpp-staff",
        "3-question.eml  l0-telkom  pertanyaan-umum  normal    False  "
        "pertanyaan-umum, resolution-center",
        "4-away.eml      l0-telkom  -                normal    True   auto-reply",
        "5-noise.eml     -          -                -         -      "
        "malformed: no header found in the first 4096 bytes",
        "",
    ])


@pytest.mark.parametrize("command", [("check",), ("explain", "m.eml", "--json"),
                                     ("test", "mails")])
def test_a_broken_rule_file_stops_every_rules_command_with_one_line_and_exit_78(
        tmp_path, command):
    """A rule with a regex that does not compile stops `ldp rules ...` before anything is
    printed: exit code 78 and one line naming the file, the rule and the field."""
    (tmp_path / "rules.toml").write_text(
        '[[rules]]\nname = "ok"\nwhen = { from = "*@lkpp.go.id" }\nteam = "l0-lkpp"\n\n'
        '[[rules]]\nname = "spse-login"\nwhen = { not = { body = { regex = "gagal (login" } } }\n'
        'team = "l0-telkom"\n', encoding="utf-8")
    (tmp_path / "m.eml").write_bytes(MAILS["1-password.eml"])
    (tmp_path / "mails").mkdir()
    (tmp_path / "mails" / "m.eml").write_bytes(MAILS["1-password.eml"])
    result = ldp(tmp_path, configured(tmp_path, rules_file="rules.toml"), "rules", *command)
    assert (result.returncode, result.stdout) == (78, "")
    assert result.stderr == (
        f'error: {tmp_path / "rules.toml"}: rule "spse-login": when.not.body.regex '
        '"gagal (login" does not compile: missing ), unterminated subpattern at position 6\n')


def test_rules_explain_shows_the_application_and_lpse_a_rule_matched_on(tmp_path):
    """A rule on `application` and `lpse` (named by the LPSE's name) routes a Sleman officer's
    SIKaP mail; `ldp rules explain` names what the mail concerns, and `ldp rules check` prints
    the conditions."""
    config = configured(tmp_path)
    config.write_text(config.read_text() + '[[rules]]\nname = "sleman-sikap"\nteam = "l0-lkpp"\n'
                      'when = { application = "SIKaP", lpse = "LPSE Kabupaten Sleman" }\n')
    (tmp_path / "m.eml").write_bytes(mails.report(
        sender="Pokja <pokja@lpse.slemankab.go.id>", subject="Verifikasi SIKaP gagal",
        body="Data penyedia tidak tampil.", message_id="<rules-5@slemankab.go.id>"))
    result = ldp(tmp_path, config, "rules", "explain", "m.eml")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert "team       l0-lkpp" in lines
    assert "application SIKaP" in lines and "LPSE       kab-sleman" in lines
    assert "rule       sleman-sikap" in lines
    check = ldp(tmp_path, config, "rules", "check")
    assert "application=SIKaP & lpse=LPSE Kabupaten Sleman" in check.stdout


def test_lpse_list_shows_the_operators_list_and_finds_close_ones(tmp_path):
    """`ldp lpse list` prints the shipped list; `--find` the LPSE the words name, else the
    close ones; `--json` the domains and the folded phrases the matching reads."""
    config = configured(tmp_path)
    whole = ldp(tmp_path, config, "lpse", "list")
    assert (whole.returncode, whole.stderr) == (0, "")
    assert whole.stdout.splitlines()[2].split() == [
        "kab-sleman", "LPSE", "Kabupaten", "Sleman", "slemankab.go.id,", "lpse.slemankab.go.id"]
    assert whole.stdout.splitlines()[-1].startswith("19 LPSE; applications: SPSE, SIKaP, other")
    close = ldp(tmp_path, config, "lpse", "list", "--find", "LPSE Bandungg")
    assert [line.split()[0] for line in close.stdout.splitlines()[2:]] == [
        "kab-bandung", "kota-bandung", "kab-bandung-barat"]
    named = json.loads(ldp(tmp_path, config, "lpse", "list", "--find", "LPSE Kab. Sleman",
                           "--json").stdout)
    assert named == [{"code": "kab-sleman", "name": "LPSE Kabupaten Sleman",
                      "domains": ["slemankab.go.id", "lpse.slemankab.go.id"],
                      "phrases": ["lpse kabupaten sleman", "lpse sleman", "slemankab go id",
                                  "lpse slemankab go id"]}]
    none = ldp(tmp_path, config, "lpse", "list", "--find", "Atlantis")
    assert (none.returncode, none.stdout) == (0, "no LPSE matches\n")
