"""The packaging test: build the wheel, install it into a fresh virtual environment outside the
checkout, and run `ldp init`, `ldp demo` and `ldp run --once` from empty folders.

The new environment sees the wheel and, for the third-party dependencies only, the running
environment's site-packages (a .pth line, so installing them again from PyPI does not slow every
test run). That folder holds no copy of `gateway` (the editable install's path hook lives in a
.pth file, which a .pth line does not run), so every template, migration and example the
commands read has to come out of the wheel.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import sqlite3
import subprocess
import sys
import zipfile
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from tests import mails
from tests.conftest import REPO, deliver, make_settings, write_config

pytestmark = [pytest.mark.packaging, pytest.mark.integration]
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", "tests", "bench", "corpus_suite")


def run(command: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "LDP_", "VIRTUAL_ENV"))}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    if check and done.returncode != 0:
        pytest.fail(f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout's sources (no stale build/ folder)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCE)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(root / "dist"), str(source)], cwd=root)
    [built] = (root / "dist").glob("ldp_gateway-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh environment with the wheel installed; returns its bin folder."""
    home = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", "--without-pip", str(home)], cwd=home.parent)
    run([sys.executable, "-m", "pip", "--python", str(home / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=home.parent)
    [packages] = home.glob("lib/python*/site-packages")
    (packages / "zz_dependencies.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if Path(p).is_dir()) + "\n")
    return home / "bin"


def test_the_wheel_holds_every_module_template_migration_and_the_example(wheel) -> None:
    """Every file of gateway/, templates/emails/ and db/migrations/ is in the wheel, inside the
    gateway package; a subpackage missing from pyproject.toml's list fails here."""
    names = set(zipfile.ZipFile(wheel).namelist())

    def checkout(folder: str, pattern: str, prefix: str) -> set[str]:
        return {prefix + p.relative_to(REPO / folder).as_posix()
                for p in (REPO / folder).rglob(pattern) if "__pycache__" not in p.parts}

    expected = (checkout("gateway", "*.py", "gateway/")
                | checkout("templates/emails", "*.*", "gateway/templates/emails/")
                | checkout("db/migrations", "*.sql", "gateway/migrations/")
                | {"gateway/ldp.example.toml", "gateway/routing/default_rules.toml",
                   "gateway/desk/actions.toml", "gateway/parsers/thanks.toml"})
    assert expected - names == set()
    example = zipfile.ZipFile(wheel).read("gateway/ldp.example.toml")
    assert example == (REPO / "ldp.example.toml").read_bytes()  # the file, not a link to it


def test_the_installed_package_reads_its_files_from_the_environment(venv) -> None:
    """The new environment imports gateway and its resources from itself, not the checkout."""
    code = ("import gateway, gateway.resources as r, gateway.store.database as d; "
            "print(gateway.__file__, r.email_templates(), d.MIGRATIONS_DIR, r.example_config())")
    paths = run([str(venv / "python"), "-c", code], cwd=venv).stdout.split()
    assert len(paths) == 4
    for path in paths:
        assert Path(path).exists(), path
        assert Path(path).resolve().is_relative_to(venv.parent.resolve()), path
        assert not Path(path).resolve().is_relative_to(REPO), path


def test_init_then_run_once_from_an_empty_folder(venv, tmp_path, imap_server, smtp_sink) -> None:
    """`ldp init` creates the schema, `ldp run --once` turns the waiting report into a ticket
    and sends the reporter's acknowledgement, rendered from the wheel's templates."""
    folder = tmp_path / "empty"
    folder.mkdir()
    settings = make_settings(folder, "sqlite:///ldp.sqlite3", imap_server, smtp_sink)
    write_config(folder / "ldp.toml", settings)

    init = run([str(venv / "ldp"), "init"], cwd=folder)
    assert "0001_initial" in init.stdout and init.stderr == ""
    tables = {row[0] for row in sqlite3.connect(folder / "ldp.sqlite3").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"ticket", "message", "event", "outbox", "quarantine", "schema_migration"} <= tables
    again = run([str(venv / "ldp"), "init"], cwd=folder)
    assert "0001_initial" not in again.stdout

    deliver(imap_server, settings.imap.folder,
            mails.report(subject="Tidak bisa login SPSE", message_id="<wheel-1@x.id>",
                         sender="rina@pemkab-bogor.example"))
    run([str(venv / "ldp"), "run", "--once"], cwd=folder)
    [ticket] = [json.loads(line) for line in
                run([str(venv / "ldp"), "tickets", "export"], cwd=folder).stdout.splitlines()]
    assert (ticket["ref"], ticket["subject"]) == ("LDP-000001", "Tidak bisa login SPSE")
    acks = [message_from_bytes(raw, policy=default_policy) for _, to, raw in smtp_sink.messages
            if to == ["rina@pemkab-bogor.example"]]
    assert len(acks) == 1 and "[LDP-000001]" in acks[0]["Subject"]
    assert "LDP-000001" in acks[0].get_body(("plain",)).get_content()


def test_demo_from_an_empty_folder(venv, tmp_path) -> None:
    """`ldp demo` needs nothing beside the wheel and its demo extra: three tickets, and the
    acknowledgements that went out."""
    folder = tmp_path / "empty"
    folder.mkdir()
    demo = run([str(venv / "ldp"), "demo"], cwd=folder)
    assert "3 mails read" in demo.stdout
    for subject in ("Tidak bisa login SPSE", "Gagal unggah dokumen penawaran",
                    "Email aktivasi akun SIKaP tidak masuk"):
        assert subject in demo.stdout
    assert "to rina@pemkab-bogor.go.id: " in demo.stdout
    assert "LDP-000003" in demo.stdout
    assert list(folder.iterdir()) == []  # the demo works in a temporary folder of its own
