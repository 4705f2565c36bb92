"""Shared fixtures: real IMAP (Dovecot, else pymap), a real SMTP sink (aiosmtpd), SQLite and
PostgreSQL. PostgreSQL is skipped locally only when it is absent, and never under CI."""
from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import pytest

from gateway import config
from gateway.cli import devservers

REPO = Path(__file__).resolve().parents[1]
# Real mail from other projects, vendored with its licences (tests/data/corpus/SOURCES.md).
CORPUS = REPO / "tests" / "data" / "corpus"
PG_URL = os.environ.get("LDP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SUPPORT = "helpdesk@lpse.example"
_folders = itertools.count(1)

TEAMS = [
    {"id": "l0-lkpp", "level": "L0", "organisation": "LKPP", "name": "LKPP Level 0"},
    {"id": "l0-telkom", "level": "L0", "organisation": "Telkom", "name": "Telkom Resolution Center"},
    {"id": "l1-lkpp", "level": "L1", "organisation": "LKPP", "name": "LKPP Level 1"},
    {"id": "l1-telkom", "level": "L1", "organisation": "Telkom", "name": "Telkom Technical Operation"},
    {"id": "l2-lkpp", "level": "L2", "organisation": "LKPP", "name": "LKPP Level 2"},
    {"id": "l2-telkom", "level": "L2", "organisation": "Telkom", "name": "Telkom Development and Product"},
]
AGENTS = [
    {"email": "budi@lkpp.example", "name": "Budi", "team": "l0-lkpp"},
    {"email": "sari@lkpp.example", "name": "Sari", "team": "l0-lkpp", "language": "en"},
    {"email": "andi@telkom.example", "name": "Andi", "team": "l1-telkom"},
    {"email": "dewi@telkom.example", "name": "Dewi", "team": "l2-telkom"},
]


@pytest.fixture(scope="session")
def imap_server():
    server = devservers.start_imap()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink():
    sink = devservers.SmtpSink().start()
    yield sink
    sink.stop()


def _postgres_available() -> bool:
    import psycopg2
    try:
        psycopg2.connect(PG_URL, connect_timeout=3).close()
        return True
    except psycopg2.OperationalError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ldp.sqlite3'}"
        return
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    import psycopg2
    name = f"ldp_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    from gateway.store import database
    database.disconnect()
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def make_settings(tmp_path: Path, db_url: str, imap_srv=None, smtp_srv=None, **sections):
    imap, smtp = imap_srv, smtp_srv
    folder = f"T{next(_folders)}-{uuid.uuid4().hex[:6]}"
    data = {
        "support": {"address": SUPPORT, "name": "Layanan Dukungan Pengguna",
                    "data_dir": str(tmp_path / "data")},
        "database": {"url": db_url},
        "imap": {"host": imap.host if imap else "127.0.0.1", "port": imap.port if imap else 1,
                 "security": "none", "username": imap.username if imap else "",
                 "password": imap.password if imap else "", "folder": folder,
                 "processed_folder": f"{folder}-done", "quarantine_folder": f"{folder}-bad",
                 "poll_interval": 0.2, "timeout": 10},
        "smtp": {"host": "127.0.0.1", "port": smtp.port if smtp else 1, "security": "none",
                 "timeout": 5, "retry_base": 0.2, "retry_max": 1},
        "security": {"secret": "test-secret-0123456789abcdef"},
        "teams": TEAMS, "agents": AGENTS,
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values) if isinstance(values, dict) else \
            data.__setitem__(name, values)
    return config.from_mapping(data, {}, "test.toml")


def imap_client(server, folder: str):
    import imapclient
    client = imapclient.IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.username, server.password)
    if not client.folder_exists(folder):
        client.create_folder(folder)
    return client


def deliver(server, folder: str, *raws: bytes) -> None:
    client = imap_client(server, folder)
    for raw in raws:
        client.append(folder, raw)
    client.logout()


class RefusingSink(devservers.SmtpSink):
    """The test SMTP sink, refusing one recipient for good at RCPT (`refused`)."""

    refused = "ditolak@example.org"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def stored_reports(imap_server, db_url: str, tmp_path: Path, count: int, smtp_server=None,
                   **smtp):
    """A context whose outbox holds the mail of `count` new tickets (each reporter's
    acknowledgement and the agents' notices), all pending: reports from `count` reporters,
    stored by intake_once."""
    from gateway.intake.rounds import intake_once
    from gateway.service import build_context
    from gateway.transport.imap import Mailbox
    from tests import mails
    settings = make_settings(tmp_path, db_url, imap_server, smtp_server, smtp=smtp)
    deliver(imap_server, settings.imap.folder, *[
        mails.report(subject=f"Laporan {i}", message_id=f"<w-{i}@x.id>",
                     sender=f"pelapor{i}@example.org") for i in range(count)])
    ctx = build_context(settings, tmp_path)
    with Mailbox(settings.imap) as box:
        intake_once(ctx, box)
    return ctx


def folder_uids(server, folder: str) -> list[int]:
    client = imap_client(server, folder)
    client.select_folder(folder)
    uids = client.search(["ALL"])
    client.logout()
    return uids


def write_config(path: Path, settings) -> Path:
    """Write Settings back as TOML, for tests that run the real `ldp` command."""
    import dataclasses

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = []
    for section in ("support", "database", "imap", "smtp", "security", "routing", "loops",
                    "actions", "lpse"):
        lines.append(f"[{section}]")
        for f in dataclasses.fields(getattr(settings, section)):
            lines.append(f"{f.name} = {value(getattr(getattr(settings, section), f.name))}")
    for table, items in (("teams", settings.teams), ("agents", settings.agents)):
        for item in items:
            lines.append(f"[[{table}]]")
            lines += [f"{f.name} = {value(getattr(item, f.name))}"
                      for f in dataclasses.fields(item)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def started(monkeypatch):
    """Every child process (parse or SMTP worker) a test starts, through the real
    childproc.start; each must have ended by the end of the test."""
    from gateway import childproc
    processes = []
    real_start = childproc.start

    def start(module, *arguments):
        process, pipe = real_start(module, *arguments)
        processes.append(process)
        return process, pipe

    monkeypatch.setattr(childproc, "start", start)
    yield processes
    for process in processes:  # a child left behind would hold memory and a connection
        assert process.poll() is not None, f"child process {process.pid} still runs"
