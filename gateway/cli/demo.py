"""`ldp demo`: the gateway's main job on embedded defaults, with no outside server.

A local IMAP server (pymap) and SMTP sink (aiosmtpd) on loopback, SQLite in a temporary folder,
a few sample reports in Indonesian; it runs the gateway over them once and shows the tickets
and the mail that went out.
"""
from __future__ import annotations

import email
import importlib.util
import tempfile
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from gateway import config, resources
from gateway.cli import views
from gateway.errors import MissingExtra
from gateway.text.messages import t

SUPPORT = "helpdesk@lpse.example"
# The demo's stand-in servers. An extra, not a dependency: a production gateway never runs an
# IMAP server or an SMTP sink, so `pip install ldp-gateway` does not install them.
DEMO_PACKAGES = ("aiosmtpd", "pymap")
SAMPLES = [
    ("Rina Wati <rina@pemkab-bogor.go.id>", "Tidak bisa login SPSE",
     "Selamat pagi,\n\nSaya tidak bisa login ke SPSE sejak tadi pagi, padahal password sudah "
     "benar. Mohon bantuannya.\n\nTerima kasih,\nRina"),
    ("Pokja ULP <pokja@ulp.lkpp.go.id>", "Gagal unggah dokumen penawaran, tender hari ini",
     "Yth. Admin,\n\nPeserta tidak bisa mengunggah dokumen penawaran, muncul galat 500. Batas "
     "waktu tender hari ini pukul 15.00.\n\nSalam,\nPokja"),
    ("CV Maju Jaya <admin@majujaya.co.id>", "Email aktivasi akun SIKaP tidak masuk",
     "Selamat siang,\n\nSudah tiga hari kode aktivasi akun SIKaP tidak masuk ke email kami.\n\n"
     "Hormat kami,\nCV Maju Jaya"),
]


def sample_mail(sender: str, subject: str, body: str, number: int) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<demo-{number}@example.id>"
    message.set_content(body)
    return message.as_bytes()


def missing_packages() -> list[str]:
    return [name for name in DEMO_PACKAGES if importlib.util.find_spec(name) is None]


def run_demo() -> int:
    missing = missing_packages()
    if missing:  # checked before anything starts: pymap's absence would show as a 20 s wait
        raise MissingExtra(f"ldp demo needs {' and '.join(missing)}, from the demo extra: "
                           "pip install 'ldp-gateway[demo]'")
    from gateway.cli.devservers import SmtpSink, start_imap
    from gateway.service import Service, build_context
    from gateway.store import tickets
    import imapclient

    workdir = Path(tempfile.mkdtemp(prefix="ldp-demo-"))
    imap = start_imap("pymap", username=SUPPORT, password="demo")
    sink = SmtpSink().start()
    try:
        client = imapclient.IMAPClient(imap.host, port=imap.port, ssl=False)
        client.login(imap.username, imap.password)
        for number, (sender, subject, body) in enumerate(SAMPLES, 1):
            client.append("INBOX", sample_mail(sender, subject, body, number))
        client.logout()
        settings = config.from_mapping(_demo_config(workdir, imap.port, sink.port), {},
                                       "(demo)")
        intake, sent = Service(build_context(settings, workdir)).run_once()
        print(t("demo_done", read=intake.total, sent=sent.sent, workdir=workdir) + "\n")
        print(views.table(views.ticket_rows(tickets.list_tickets()), views.TICKET_HEADER))
        print("\n" + t("demo_outgoing"))
        for _sender, recipients, raw in sink.messages:
            message = email.message_from_bytes(raw, policy=default_policy)
            print(t("demo_sent_to", to=", ".join(recipients), subject=message["Subject"]))
        first = email.message_from_bytes(sink.messages[0][2], policy=default_policy)
        print("\n" + t("demo_first") + "\n")
        print(first.get_body(("plain",)).get_content())
    finally:
        sink.stop()
        imap.stop()
    return 0


def _demo_config(workdir: Path, imap_port: int, smtp_port: int) -> dict:
    example = resources.example_config()
    import tomllib
    base = tomllib.loads(example.read_text(encoding="utf-8")) if example.exists() else {}
    base.update({
        "database": {"url": f"sqlite:///{workdir / 'ldp.sqlite3'}"},
        "imap": {"host": "127.0.0.1", "port": imap_port, "security": "none",
                 "username": SUPPORT, "password": "demo"},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
    })
    base["support"] = {**base.get("support", {}), "address": SUPPORT,
                       "data_dir": str(workdir / "data")}
    base.setdefault("security", {})["secret"] = "demo-secret-not-for-production"
    return base
