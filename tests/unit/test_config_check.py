"""The whole configuration checked up front (config_check): every problem at once, each one
line naming the key, the value and what is allowed; English by default, Indonesian with
LDP_LANG=id; relative paths from the file's folder; plain text only to loopback."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gateway import config
from gateway.cli import config_check
from gateway.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "support": {"address": "helpdesk@lpse.example"},
    "imap": {"host": "imap.example", "security": "ssl"},
    "security": {"secret": "s" * 32},
    "teams": [{"id": "l0-lkpp", "level": "L0", "organisation": "LKPP"},
              {"id": "l1-lkpp", "level": "L1", "organisation": "LKPP"}],
    "agents": [{"email": "budi@lkpp.example", "team": "l0-lkpp"}],
}


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.delenv("LDP_LANG", raising=False)
    monkeypatch.setenv("LANG", "C")


def problems(changes: dict | None = None, environ: dict | None = None, base=None,
             data: dict | None = None) -> list[str]:
    """The problem lines for GOOD with `changes` ({"imap.batch_size": 0, "teams[0].id": ..})."""
    data = copy.deepcopy(GOOD if data is None else data)
    for dotted, value in (changes or {}).items():
        section, _, key = dotted.partition(".")
        table = data
        if "[" in section:
            name, index = section.rstrip("]").split("[")
            table = data[name][int(index)]
        else:
            table = data.setdefault(section, {})
        table[key] = value
    try:
        config_check.from_mapping(data, environ or {}, "ldp.toml", base)
    except ConfigError as exc:
        lines = str(exc).split("\n  ")
        return lines[1:] if len(lines) > 1 else lines
    return []


def test_the_good_configuration_has_no_problem_and_gives_the_same_settings_as_config():
    assert problems() == []
    assert config_check.from_mapping(GOOD, {}, "ldp.toml") == config.from_mapping(
        GOOD, {}, "ldp.toml")


@pytest.mark.parametrize("key, value, allowed", [
    ("teams[0].timezone", "Mars/Base", "WIB, WITA, WIT or an IANA zone name like Asia/Jakarta"),
    ("teams[0].timezone", "", "WIB, WITA, WIT or an IANA zone name like Asia/Jakarta"),
    ("teams[0].work_days", "mon-fry",
     'days like "mon-fri" or "mon,tue,sat" (mon tue wed thu fri sat sun)'),
    ("teams[0].work_hours", "08:00-25:00",
     'hours like "08:00-16:00" (00:00 to 23:59, start before end)'),
    ("teams[0].work_hours", "16:00-08:00",
     'hours like "08:00-16:00" (00:00 to 23:59, start before end)'),
    ("imap.batch_size", 0, "a whole number from 1 to 10000"),
    ("imap.poll_interval", -1, "a number of seconds above 0 and at most 3600"),
    ("imap.idle_renew", 900, "a number of seconds above 0 and at most 600 (RFC 2177: under 29 "
                             "minutes; Gmail and NAT firewalls cut at about 10)"),
    ("imap.max_message_bytes", 0, "a whole number from 1024 to 1073741824"),
    ("imap.port", 70000, "a whole number from 1 to 65535"),
    ("agents[0].email", "budi", "an email address like name@domain.example"),
    ("support.ticket_prefix", "L.D.P", "1 to 16 ASCII letters or digits starting with a letter "
                                       "(like LDP): ticket numbers and reply tokens carry it"),
    ("loops.auto_per_hour", -1, "a whole number of at least 0"),
    ("loops.new_tickets_per_hour", -5, "a whole number of at least 0"),
    ("loops.suppress_days", 0, "a whole number of at least 1"),
    ("smtp.timeout", 0, "a number of seconds above 0 and at most 3600"),
    ("smtp.max_attempts", 0, "a whole number from 1 to 100"),
    ("support.address", "@", "an email address like name@domain.example"),
    ("support.name", "LDP\r\nBcc: all@example.org", "non-empty text on one line"),
    ("support.message_id_domain", "lpse example", "a domain name like lpse.example"),
    ("database.url", "mysql://x/y",
     "sqlite:///FILE or postgresql://USER:PASS@HOST:PORT/NAME"),
    ("security.authserv_id", "mx.lpse.example; spf=pass", "one word without spaces or ';'"),
    ("sla.reminder_share", 1.5, "a number between 0 and 1 (not 0 or 1)"),
    ("sla.holidays_country", "XX", 'a country code of the holidays library (like ID) or ""'),
    ("closing.after_working_days", -1, "a whole number from 0 to 60"),
    ("closing.reopen_grace_days", 400, "a whole number from 0 to 365"),
    ("closing.survey_url", "javascript:alert(1)",
     'a web address like https://desk.example/survey (without ? or #), or ""'),
    ("closing.survey_url", "https://desk.example/survei?x=1",
     'a web address like https://desk.example/survey (without ? or #), or ""'),
])
def test_each_bad_value_is_one_line_naming_key_value_and_what_is_allowed(key, value, allowed):
    assert problems({key: value}) == [f"ldp.toml: {key} must be {allowed}, got {value!r}"]


def test_every_problem_is_reported_at_once_under_one_header():
    data = copy.deepcopy(GOOD)
    data["imap"].update(batch_size=0, poll_interval=-1, port="993")
    data["teams"][1]["work_hours"] = "8-16"
    data["agents"].append({"email": "budi", "team": "l9"})
    with pytest.raises(ConfigError) as caught:
        config_check.from_mapping(data, {"LDP_IMAP_PASWORD": "x"}, "ldp.toml")
    assert str(caught.value).split("\n  ") == [
        "7 problems in the configuration ldp.toml:",
        "ldp.toml: imap.port must be an integer, got '993'",
        "ldp.toml: imap.poll_interval must be a number of seconds above 0 and at most 3600, "
        "got -1",
        "ldp.toml: imap.batch_size must be a whole number from 1 to 10000, got 0",
        "ldp.toml: teams[1].work_hours must be hours like \"08:00-16:00\" (00:00 to 23:59, start "
        "before end), got '8-16'",
        "ldp.toml: agents[1].email must be an email address like name@domain.example, got 'budi'",
        "LDP_IMAP_PASWORD (environment): unknown variable; did you mean LDP_IMAP_PASSWORD? "
        "(known: LDP_<SECTION>_<KEY> for a key of ldp.toml, LDP_CONFIG, LDP_LANG, LDP_CORPUS)",
        "ldp.toml: agents[1].team must be the id of a team (l0-lkpp, l1-lkpp), got 'l9'"]


def test_indonesian_with_ldp_lang_id(monkeypatch):
    monkeypatch.setenv("LDP_LANG", "id")
    assert problems({"imap.batch_size": 0, "agents[0].email": "budi"}) == [
        "ldp.toml: imap.batch_size harus bilangan bulat dari 1 sampai 10000, bukan 0",
        "ldp.toml: agents[0].email harus alamat email seperti nama@domain.go.id, bukan 'budi'"]
    assert problems(environ={"LDP_SMTP_PORT": "x"}) == [
        "LDP_SMTP_PORT (lingkungan) harus bilangan bulat, bukan 'x'"]


def test_environment_values_are_checked_and_named_by_their_variable():
    assert problems(environ={"LDP_IMAP_BATCH_SIZE": "0"}) == [
        "LDP_IMAP_BATCH_SIZE (environment) must be a whole number from 1 to 10000, got '0'"]
    assert problems(environ={"LDP_LANG": "fr"}) == [
        "LDP_LANG (environment) must be id or en, got 'fr'"]


def test_unknown_ldp_variables_are_problems_and_others_are_not():
    lines = problems(environ={"LDP_IMAP_PASWORD": "hunter2", "LDP_FOO": "1", "HOME": "/root",
                              "LDP_CONFIG": "x", "LDP_TEST_IMAP": "dovecot",
                              "LDP_SMTP_PASSWORD": "p"})
    assert [line.split(":")[0] for line in lines] == ["LDP_FOO (environment)",
                                                      "LDP_IMAP_PASWORD (environment)"]
    assert "did you mean" not in lines[0] and "did you mean LDP_IMAP_PASSWORD?" in lines[1]
    assert all("hunter2" not in line for line in lines)


def test_secrets_are_never_echoed():
    lines = problems({"security.secret": "short-pass"})
    assert lines == ["ldp.toml: security.secret must be at least 16 characters when agents are "
                     "configured (it keys the agents' reply tokens; set LDP_SECURITY_SECRET), "
                     "got (hidden, 10 characters)"]


def test_teams_and_agents_must_agree():
    data = copy.deepcopy(GOOD)
    data["teams"].append({"id": "l0-lkpp", "level": "L1", "organisation": "X"})
    data["agents"].append({"email": "BUDI@lkpp.example", "team": "nowhere"})
    data["routing"] = {"default_team": "l1-lkpp"}
    assert problems(data=data) == [
        "ldp.toml: teams[2].id must be a unique id: teams[0] has it already, got 'l0-lkpp'",
        "ldp.toml: agents[1].email must be a unique address: agents[0] has it already, "
        "got 'BUDI@lkpp.example'",
        "ldp.toml: agents[1].team must be the id of a team (l0-lkpp, l1-lkpp), got 'nowhere'",
        "ldp.toml: routing.default_team must be the id of an L0 team (l0-lkpp), got 'l1-lkpp'"]


def test_keys_that_contradict_each_other():
    assert problems({"imap.processed_folder": "INBOX", "smtp.retry_base": 600,
                     "smtp.retry_max": 60}) == [
        "ldp.toml: imap.processed_folder must be a folder other than imap.folder (INBOX), or "
        "\"\", got 'INBOX'",
        "ldp.toml: smtp.retry_max must be at least smtp.retry_base (600), got 60"]
    assert problems({"imap.processed_folder": ""}) == []


def test_strict_mode_needs_our_authserv_id():
    """Strict mode demands a DKIM/DMARC pass stamped by our server: without authserv_id no
    agent's command could ever apply, so it is a configuration error (issue 14 item 14)."""
    assert problems({"security.strict": True}) == [
        "ldp.toml: security.authserv_id must be our receiving server's authserv-id (the first "
        "word of the Authentication-Results it stamps) when security.strict = true: strict mode "
        "demands a DKIM/DMARC pass, so without it no agent's command is ever applied, got ''"]
    assert problems({"security.strict": True, "security.authserv_id": "mx.lpse.example"}) == []
    assert problems({"security.strict": False}) == []  # reply tokens suffice


@pytest.mark.parametrize("section", ["imap", "smtp"])
def test_plain_text_only_to_loopback_unless_the_operator_accepts_it(section):
    refused = problems({f"{section}.host": "mail.example", f"{section}.security": "none"})
    assert refused == [
        f"ldp.toml: {section}.security must be ssl or starttls for host mail.example: without "
        "TLS the password travels in clear; \"none\" only for 127.0.0.1, ::1, localhost, or with "
        f"{section}.allow_plaintext = true, got 'none'"]
    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST."):
        assert problems({f"{section}.host": host, f"{section}.security": "none"}) == []
    for host in ("10.0.0.1", "localhost.evil.example", "128.0.0.1"):
        assert len(problems({f"{section}.host": host, f"{section}.security": "none"})) == 1
    assert problems({f"{section}.host": "mail.example", f"{section}.security": "none",
                     f"{section}.allow_plaintext": True}) == []


def test_sla_targets_and_leave_days_each_reported():
    data = copy.deepcopy(GOOD)
    data["sla"] = {"collective_leave": ["2026-12-24", "24/12/2026"],
                   "targets": {"L1": {"resolution": {"high": 0, "soon": 4}}, "L4": {}}}
    assert problems(data=data) == [
        "ldp.toml: sla.collective_leave[1] must be a list of dates like \"2026-12-24\", "
        "got '24/12/2026'",
        "ldp.toml: sla.targets.L1.resolution.high must be a positive number of hours for a "
        "priority among low, normal, high, urgent, got 0",
        "ldp.toml: sla.targets.L1.resolution.soon must be a positive number of hours for a "
        "priority among low, normal, high, urgent, got 4",
        "ldp.toml: unknown key sla.targets.L4 (known: L0, L1, L2)"]


def test_unwritable_data_dir_and_database_folder(tmp_path):
    (tmp_path / "a-file").write_text("x")
    changes = {"support.data_dir": "a-file/data", "database.url": "sqlite:///a-file/ldp.db"}
    assert problems(changes, base=tmp_path) == [
        "ldp.toml: support.data_dir must be a folder it can write to "
        f"({tmp_path / 'a-file'}: Not a directory), got 'a-file/data'",
        "ldp.toml: database.url must be a folder it can write to "
        f"({tmp_path / 'a-file'}: Not a directory), got 'sqlite:///a-file/ldp.db'"]
    # /proc refuses new folders even to root, whom permission bits do not stop.
    assert problems({"support.data_dir": "/proc/ldp-data"}, base=tmp_path) == [
        "ldp.toml: support.data_dir must be a folder it can write to (/proc: No such file or "
        "directory), got '/proc/ldp-data'"]
    assert problems({"support.data_dir": "new/deeper"}, base=tmp_path) == []
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == [tmp_path / "a-file"]


def test_relative_paths_resolve_against_the_files_folder(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "rules.toml").write_text("")
    (folder / "mails").mkdir()
    path = folder / "ldp.toml"
    path.write_text('[support]\naddress = "a@b.example"\ndata_dir = "data"\n'
                    'templates_dir = "mails"\n[database]\nurl = "sqlite:///db/ldp.sqlite3"\n'
                    '[routing]\nrules_file = "rules.toml"\n')
    monkeypatch.chdir(tmp_path)
    settings = config_check.load("etc/ldp.toml", {})
    assert (settings.support.data_dir, settings.support.templates_dir,
            settings.routing.rules_file, settings.database.url) == (
        str(folder / "data"), str(folder / "mails"), str(folder / "rules.toml"),
        f"sqlite:///{folder}/db/ldp.sqlite3")
    assert config.load("etc/ldp.toml", {}) == settings
    path.write_text('[support]\naddress = "a@b.example"\ntemplates_dir = "nowhere"\n'
                    '[routing]\nrules_file = "default"\n')
    with pytest.raises(ConfigError) as caught:
        config_check.load(path, {})
    assert str(caught.value) == (f"{path}: support.templates_dir must be an existing folder, "
                                 "got 'nowhere'")


def test_a_bad_rules_file_is_a_problem_of_the_check(tmp_path):
    (tmp_path / "rules.toml").write_text('[[rules]]\nname = "x"\nteam = "l9"\n')
    lines = problems({"routing.rules_file": "rules.toml"}, base=tmp_path)
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path / 'rules.toml'}: rule \"x\"")


def test_a_bad_actions_file_is_a_problem_of_the_check(tmp_path):
    """`[actions] file` is read from the configuration's folder and checked like the rules."""
    (tmp_path / "actions.toml").write_text('[[actions]]\ncode = "Cek Log"\n')
    lines = problems({"actions.file": "actions.toml"}, base=tmp_path)
    assert lines == [f"{tmp_path / 'actions.toml'}: actions[0]: code must be lower-case "
                     "letters, digits and '-'"]
    assert problems({"actions.file": "default"}, base=tmp_path) == []


def test_a_bad_lpse_file_is_a_problem_of_the_check(tmp_path):
    """`[lpse] file` (the operator's applications and LPSE) is read from the configuration's
    folder and checked with the rules that name its entries."""
    (tmp_path / "lpse.toml").write_text('[[lpse]]\ncode = "kab-sleman"\nname = "LPSE Sleman"\n'
                                        'domains = ["slemankab"]\n')
    lines = problems({"lpse.file": "lpse.toml"}, base=tmp_path)
    assert lines == [f"{tmp_path / 'lpse.toml'}: lpse[0] (kab-sleman): domains must be a list "
                     "of domains like slemankab.go.id"]
    assert problems({"lpse.file": "default"}, base=tmp_path) == []


def test_the_shipped_example_passes_the_check(tmp_path):
    example = REPO / "ldp.example.toml"
    settings = config_check.load(example, {"LDP_SECURITY_SECRET": "s" * 32})
    assert settings.support.data_dir == str(REPO / "db")
    assert settings.imap.allow_plaintext is False and settings.smtp.allow_plaintext is False
    summary = config_check.summary(settings)
    assert summary.startswith(f"{example}: the configuration is valid: 6 teams, 4 agents, ")
    # The documented dangerous option is a real key: uncommented, the example still passes.
    uncommented = tmp_path / "ldp.toml"
    uncommented.write_text(example.read_text().replace("# allow_plaintext = false",
                                                       "allow_plaintext = true"))
    assert config_check.load(uncommented, {"LDP_SECURITY_SECRET": "s" * 32}).smtp.allow_plaintext


def test_the_partner_mode_of_each_level_is_checked_from_the_file_and_the_environment():
    """[partner] L0/L1/L2: "inform" (default), "act" or "none"; anything else is named, from
    the file or from LDP_PARTNER_L1; a good value reaches the settings."""
    assert problems({"partner.L1": "both"}) == [
        "ldp.toml: partner.L1 must be one of inform, act, none, got 'both'"]
    assert problems(environ={"LDP_PARTNER_L2": "yes"}) == [
        "LDP_PARTNER_L2 (environment) must be one of inform, act, none, got 'yes'"]
    assert problems({"partner.L3": "act"})[0].startswith("ldp.toml: unknown key partner.L3")
    data = copy.deepcopy(GOOD)
    settings = config_check.from_mapping(data, {"LDP_PARTNER_L1": "act"}, "ldp.toml")
    assert (settings.partner.mode("L0"), settings.partner.mode("L1"),
            settings.partner.mode("L2")) == ("inform", "act", "inform")


def test_assignment_dates_are_checked_and_until_before_from_names_the_agent():
    """A bad date is one line naming the key and the value; an assignment that ends before it
    begins is one line naming the agent; good dates and an open letter are no problem."""
    assert problems({"agents[0].assignment": "SP-12/2026", "agents[0].assigned_from":
                     "2026-01-01", "agents[0].assigned_until": "2026-12-31"}) == []
    assert problems({"agents[0].assignment": "SP-12/2026"}) == []
    assert problems({"agents[0].assigned_from": "2026-02-30"}) == [
        "ldp.toml: agents[0].assigned_from must be a date as YYYY-MM-DD (e.g. 2026-01-31), "
        "or empty, got '2026-02-30'"]
    assert problems({"agents[0].assigned_until": "31/12/2026"}) == [
        "ldp.toml: agents[0].assigned_until must be a date as YYYY-MM-DD (e.g. 2026-01-31), "
        "or empty, got '31/12/2026'"]
    assert problems({"agents[0].assigned_from": "2026-06-01",
                     "agents[0].assigned_until": "2026-05-31"}) == [
        "ldp.toml: agents[0].assigned_until must be a date not before assigned_from 2026-06-01 "
        "(agent budi@lkpp.example), got '2026-05-31'"]
