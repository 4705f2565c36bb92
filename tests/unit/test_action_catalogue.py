"""The catalogue of actions per level (`desk.actions`) and #tindakan in the plan: the shipped
catalogue holds the decree's work, a bad catalogue is refused naming its file and entry, and
the plan records a code of the agent's level or refuses it with the codes that level may use."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import ConfigError
from gateway.desk import actions
from gateway.desk.parse import parse_block
from gateway.desk.plan import actor_for, make_plan
from gateway.domain import Address, Level, Priority, Status, Ticket
from tests.conftest import AGENTS, TEAMS, make_settings

BUDI, ANDI, DEWI = "budi@lkpp.example", "andi@telkom.example", "dewi@telkom.example"
L0, L1, L2 = Level.L0, Level.L1, Level.L2


def test_the_shipped_catalogue_holds_the_decrees_work_per_level():
    shipped = actions.catalogue()
    assert shipped.applications == ("SPSE", "SIKaP")
    assert shipped.codes_for(L0) == ("analisa", "tanggapan", "solusi-non-teknis")
    assert shipped.codes_for(L1) == ("analisa", "tanggapan", "restart-layanan",
                                     "konfigurasi-mail-server", "perbaikan-data",
                                     "preferensi-akun", "cek-log-server", "deploy-build")
    assert shipped.codes_for(L2) == ("analisa", "tanggapan", "perbaikan-bug", "fitur-baru",
                                     "analisis-lanjutan", "rilis-build")
    assert {a.code for a in shipped.actions if a.needs_application} == {
        "restart-layanan", "perbaikan-data", "cek-log-server", "perbaikan-bug"}
    restart = shipped.get("RESTART-LAYANAN")
    assert restart.label("id") == "Restart layanan aplikasi"
    assert restart.label("en") == "Restart the application's services"
    assert actions.catalogue("default") is shipped  # read once


GOOD = {"applications": ["SPSE"], "actions": [
    {"code": "cek", "label_id": "Cek", "label_en": "Check", "levels": ["L1"]}]}


@pytest.mark.parametrize(("change", "says"), [
    ({"actions": []}, "needs at least one [[actions]] table"),
    ({"extra": 1}, "unknown key 'extra'"),
    ({"applications": ["SP SE"]}, "applications must be a list of names"),
    ({"actions": [{**GOOD["actions"][0], "code": "Cek Log"}]}, "actions[0]: code must be"),
    ({"actions": [{**GOOD["actions"][0], "levels": ["L3"]}]}, "(cek): levels must be"),
    ({"actions": [{**GOOD["actions"][0], "levels": []}]}, "(cek): levels must be"),
    ({"actions": [{**GOOD["actions"][0], "label_en": "two\nlines"}]}, "must be one line each"),
    ({"actions": [{**GOOD["actions"][0], "needs_application": "yes"}]}, "true or false"),
    ({"applications": [], "actions": [{**GOOD["actions"][0], "needs_application": True}]},
     "none is listed"),
    ({"actions": [GOOD["actions"][0], GOOD["actions"][0]]}, "'cek' is listed twice"),
    ({"actions": [{**GOOD["actions"][0], "colour": "red"}]}, "unknown key 'colour'"),
])
def test_a_bad_catalogue_is_refused_naming_the_file_and_the_entry(change, says):
    with pytest.raises(ConfigError) as raised:
        actions.parse({**GOOD, **change}, "my-actions.toml")
    assert str(raised.value).startswith("my-actions.toml: ") and says in str(raised.value)


def test_an_unreadable_catalogue_file_is_a_config_error(tmp_path):
    bad = tmp_path / "actions.toml"
    bad.write_text("[[actions]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the actions"):
        actions.catalogue(str(bad))
    with pytest.raises(ConfigError, match="cannot read the actions"):
        actions.catalogue(str(tmp_path / "missing.toml"))


# -- the plan -----------------------------------------------------------------------------
def ticket(level: Level, team: str) -> Ticket:
    return Ticket(1, "LDP-000001", "SPSE mati", Address("rina@example.org", "Rina"), level,
                  team, Status.OPEN, Priority.NORMAL, None, None, "id")


def plan(block: str, who: str, level: Level, team: str, **sections):
    config = make_settings(Path("/nonexistent"), "sqlite:///:memory:", teams=list(TEAMS),
                           agents=list(AGENTS), **sections)
    commands, body = parse_block(block)
    return make_plan(ticket(level, team), commands, body, actor_for(config.agent(who), config),
                     config)


def test_an_action_of_the_agents_level_is_kept_in_the_plan_and_moves_nothing():
    result = plan("#tindakan restart-layanan sikap layanan web dimulai ulang\n"
                  "#action analisa", ANDI, L1, "l1-telkom")
    assert result.ok and result.changes == {}
    assert result.after.actions == (
        actions.Action("restart-layanan", "SIKaP", "layanan web dimulai ulang", ANDI,
                       "l1-telkom", L1),
        actions.Action("analisa", None, "", ANDI, "l1-telkom", L1))
    assert result.before.actions == ()


@pytest.mark.parametrize(("line", "code"), [
    ("#tindakan perbaikan-bug SIKaP", "action_level"),
    ("#tindakan restart-layanan", "action_needs_application"),
    ("#tindakan restart-layanan Moodle layanan", "unknown_application"),
    ("#tindakan reboot-semua SPSE", "unknown_action"),
    ("#tindakan", "needs_action"),
])
def test_a_refused_action_lists_the_codes_of_the_agents_level(line, code):
    result = plan(line, ANDI, L1, "l1-telkom")
    [step] = result.steps
    assert not result.ok and step.error.code == code
    assert result.after.actions == ()
    if code != "needs_action":
        assert step.error.text("en").endswith(
            "the codes for L1: analisa, tanggapan, restart-layanan, konfigurasi-mail-server, "
            "perbaikan-data, preferensi-akun, cek-log-server, deploy-build")


def test_l2_may_fix_a_bug_and_l0_may_not_restart_a_service():
    assert plan("#tindakan perbaikan-bug SIKaP modul reset", DEWI, L2, "l2-telkom").ok
    refused = plan("#tindakan restart-layanan SPSE", BUDI, L0, "l0-lkpp")
    assert refused.steps[0].error.text("id") == (
        "tindakan 'restart-layanan' bukan pekerjaan L0; kode untuk L0: analisa, tanggapan, "
        "solusi-non-teknis")


def test_the_configuration_names_another_catalogue(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text('applications = ["SPSE"]\n[[actions]]\ncode = "reboot"\nlabel_id = "Reboot"\n'
                   'label_en = "Reboot"\nlevels = ["L1"]\nneeds_application = true\n',
                   encoding="utf-8")
    ok = plan("#tindakan reboot SPSE", ANDI, L1, "l1-telkom", actions={"file": str(own)})
    assert ok.ok and ok.after.actions[0].code == "reboot"
    refused = plan("#tindakan restart-layanan SPSE", ANDI, L1, "l1-telkom",
                   actions={"file": str(own)})
    assert refused.steps[0].error.code == "unknown_action"
