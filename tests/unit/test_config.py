"""Configuration: defaults, LDP_* overrides and one-line errors naming file, key and type."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway import config
from gateway.errors import ConfigError

BASE = {"support": {"address": "helpdesk@lpse.example"},
        "teams": [{"id": "l0-lkpp", "level": "L0", "organisation": "LKPP"}]}


def load(data, env=None):
    return config.from_mapping(data, env or {}, "ldp.toml")


def test_environment_overrides_win_over_the_file_and_are_typed():
    """LDP_IMAP_PORT and LDP_IMAP_IDLE override the file, converted to int and bool."""
    settings = load({**BASE, "imap": {"port": 993}}, {"LDP_IMAP_PORT": "1143",
                                                       "LDP_IMAP_IDLE": "false"})
    assert (settings.imap.port, settings.imap.idle) == (1143, False)


@pytest.mark.parametrize("data, message", [
    ({"support": {"address": "a@b.c"}, "imapp": {}},
     "ldp.toml: unknown key 'imapp' (known: actions, agents, answers, categories, closing, "
     "database, imap, loops, lpse, partner, routing, rules, security, sla, smtp, support, "
     "teams)"),
    ({**BASE, "imap": {"port": "993"}}, "ldp.toml: imap.port must be an integer, got '993'"),
    ({**BASE, "imap": {"idle": "yes"}}, "ldp.toml: imap.idle must be true or false, got 'yes'"),
    ({**BASE, "imap": {"security": "tls"}},
     "ldp.toml: imap.security must be one of ssl, starttls, none, got 'tls'"),
    ({}, "ldp.toml: missing required key support.address"),
    ({"support": {"address": "nope"}},
     "ldp.toml: support.address must be an email address, got 'nope'"),
    ({**BASE, "teams": [{"id": "x", "level": "L3", "organisation": "LKPP"}]},
     "ldp.toml: teams[0].level must be one of L0, L1, L2, got 'L3'"),
    ({**BASE, "agents": [{"email": "a@b.c", "team": "l9"}]},
     "ldp.toml: agents[0].team: unknown team 'l9' (known: l0-lkpp)"),
    # One address, one agent: a second entry was never read (`Settings.agent` finds the
    # first), and the welcome mail's once-per-address row failed the timers every round.
    ({**BASE, "agents": [{"email": "budi@b.c", "team": "l0-lkpp"},
                         {"email": "Budi@B.c", "team": "l0-lkpp"}]},
     "ldp.toml: agents[1].email: Budi@B.c is listed already (agents[0]): one entry per address"),
])
def test_bad_configuration_stops_with_one_line_naming_the_key(data, message):
    """Each mistake gives exactly the expected one-line message."""
    with pytest.raises(ConfigError) as caught:
        load(data)
    assert str(caught.value) == message


def test_the_shipped_example_loads_with_the_decrees_six_teams(tmp_path):
    """ldp.example.toml is valid and lists L0, L1 and L2 for both LKPP and Telkom."""
    from pathlib import Path
    example = Path(__file__).resolve().parents[2] / "ldp.example.toml"
    settings = config.load(example, {"LDP_SECURITY_SECRET": "s" * 32})
    assert sorted((t.level.value, t.organisation) for t in settings.teams) == [
        ("L0", "LKPP"), ("L0", "Telkom"), ("L1", "LKPP"), ("L1", "Telkom"),
        ("L2", "LKPP"), ("L2", "Telkom")]


def test_partner_of_is_the_other_organisations_team_at_the_same_level():
    """l1-telkom's partner is l1-lkpp and the reverse; a level with one team has none; the
    partner mode defaults to "inform" at every level and acting_teams follows it."""
    from gateway.desk.state import acting_teams
    from tests.conftest import make_settings
    settings = make_settings(Path("/nonexistent"), "sqlite:///:memory:")
    assert settings.partner_of("l1-telkom").id == "l1-lkpp"
    assert settings.partner_of("l0-lkpp").id == "l0-telkom"
    assert settings.partner_of("nope") is None
    assert [settings.partner.mode(level) for level in ("L0", "L1", "L2")] == ["inform"] * 3
    assert acting_teams(settings, "l1-telkom") == ("l1-telkom",)
    act = make_settings(Path("/nonexistent"), "sqlite:///:memory:", partner={"L1": "act"})
    assert acting_teams(act, "l1-telkom") == ("l1-telkom", "l1-lkpp")
    alone = make_settings(Path("/nonexistent"), "sqlite:///:memory:",
                          teams=[{"id": "l0-lkpp", "level": "L0", "organisation": "LKPP"}],
                          agents=[])
    assert alone.partner_of("l0-lkpp") is None
