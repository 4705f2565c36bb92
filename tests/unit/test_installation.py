"""What the package reads at run time is found through the package itself, a package without
its migrations says so instead of reporting success, and the demo names its missing extra."""
from __future__ import annotations

import sqlite3
import tomllib

import pytest

from gateway import cli, resources
from gateway.cli import devservers
from gateway.store import database
from tests.conftest import REPO, make_settings, write_config


def test_the_runtime_files_are_found_through_the_package() -> None:
    """Templates in both languages, the migrations in order, the default rules and the example
    configuration are where gateway.resources says."""
    templates = resources.email_templates()
    for language in ("id", "en"):
        for part in ("subject.txt", "txt", "html"):
            assert (templates / language / f"reporter_ack.{part}").is_file()
    names = [p.name for p in database.migration_files()]
    assert names[0] == "0001_initial.sql" and names == sorted(names)
    assert tomllib.loads(resources.default_rules().read_text(encoding="utf-8"))["rules"]
    example = tomllib.loads(resources.example_config().read_text(encoding="utf-8"))
    assert example["support"]["address"] == "helpdesk@lpse.example"


def test_a_checkout_imported_without_installing_reads_the_repository_folders(
        monkeypatch) -> None:
    """Without the editable install's mapping (a bare checkout on sys.path), the templates and
    migrations are read where the repository keeps them."""
    def not_installed(package):
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(resources, "files", not_installed)
    assert resources.email_templates() == REPO / "templates" / "emails"
    assert resources.migrations() == REPO / "db" / "migrations"


def test_init_without_migrations_fails_and_leaves_the_database_empty(
        tmp_path, monkeypatch, capsys) -> None:
    """No migration files: one line naming the folder, exit 70, and not a table created;
    never "schema is up to date" over an empty database."""
    db_file = tmp_path / "ldp.sqlite3"
    config = write_config(tmp_path / "ldp.toml", make_settings(tmp_path, f"sqlite:///{db_file}"))
    monkeypatch.setattr(database, "MIGRATIONS_DIR", tmp_path / "no-migrations")
    monkeypatch.setenv("LDP_LANG", "en")
    assert cli.main(["--config", str(config), "init"]) == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "no database migrations in" in err
    assert "no-migrations" in err and "reinstall" in err
    tables = sqlite3.connect(db_file).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []


def test_demo_without_its_extra_names_it_and_starts_nothing(monkeypatch, capsys) -> None:
    """Without pymap the demo says which extra to install (exit 69, EX_UNAVAILABLE) before it
    starts a server, instead of waiting for one that cannot start."""
    from gateway.cli import demo
    real = demo.importlib.util.find_spec
    monkeypatch.setattr(demo.importlib.util, "find_spec",
                        lambda name, *a: None if name == "pymap" else real(name, *a))
    monkeypatch.setattr(devservers, "start_imap", lambda *a, **k: pytest.fail("server started"))
    monkeypatch.setenv("LDP_LANG", "en")
    assert cli.main(["demo"]) == 69
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("error: ldp demo needs pymap, from the demo extra: "
                   "pip install 'ldp-gateway[demo]'\n")
