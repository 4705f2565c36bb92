"""Issue 14, item 6: one sender cannot open tickets without limit. Past `[loops]
new_tickets_per_hour` new tickets in an hour a sender's mails are held (kept in quarantine,
unanswered, releasable with `ldp quarantine retry`), each L0 lead gets one notice an hour
naming the sender and the count, agents are exempt and replies are not new tickets. Real
Dovecot (or pymap), aiosmtpd, SQLite and PostgreSQL, through `run --once`."""
from __future__ import annotations

import pytest

from gateway.domain import Disposition
from gateway.service import Service, build_context, retry_quarantined
from gateway.store import database, mailbox
from gateway.store.models import TicketRow
from tests import mails
from tests.conftest import AGENTS, deliver, make_settings

pytestmark = pytest.mark.integration

FLOOD = "banjir@pemda.example"
LEADS = [{**AGENTS[0], "lead": True},  # budi, l0-lkpp, Indonesian
         AGENTS[1],  # sari, l0-lkpp, not a lead
         {"email": "tono@telkom.example", "name": "Tono", "team": "l0-telkom", "lead": True,
          "language": "en"},
         *AGENTS[2:]]


def flood(count: int, sender: str = FLOOD, start: int = 0) -> list[bytes]:
    return [mails.report(subject=f"Laporan nomor {i}", message_id=f"<f{i}.{sender}>",
                         sender=sender, body=f"Laporan ke-{i}: aplikasi tidak bisa dibuka.\n")
            for i in range(start, start + count)]


def to(sink, address: str) -> list:
    return [mails.parse(raw) for _s, rcpts, raw in sink.messages if rcpts == [address]]


def tickets_of(ctx, address: str) -> int:
    with database.transaction(ctx.db):
        return TicketRow.select().where(TicketRow.reporter_email == address).count()


def test_sixty_mails_from_one_sender_open_twenty_tickets_and_the_rest_are_held(
        imap_server, smtp_sink, db_url, tmp_path):
    """60 mails from one sender: 20 tickets, 40 held with a reason, acknowledgements for the 20
    only, one notice to each L0 lead naming the sender and 40; an agent's 60 new mails all open
    tickets; a reply to one of the 20 tickets is appended, not held; five more mails in the same
    hour bring no second notice; a held mail released becomes a ticket."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink, agents=LEADS,
                             loops={"auto_per_hour": 1000, "auto_per_day": 1000})
    assert settings.loops.new_tickets_per_hour == 20  # the shipped default
    ctx = build_context(settings, tmp_path)
    deliver(imap_server, settings.imap.folder, *flood(60),
            *flood(60, sender="Sari <sari@lkpp.example>"))
    intake, _ = Service(ctx).run_once()

    assert intake.count(Disposition.NEW_TICKET) == 80
    assert intake.count(Disposition.HELD) == 40
    assert tickets_of(ctx, FLOOD) == 20 and tickets_of(ctx, "sari@lkpp.example") == 60
    with database.transaction(ctx.db):
        held = mailbox.list_quarantine()
    assert len(held) == 40
    assert all(item.error.startswith(f"held: {FLOOD} opened 20 tickets in the last hour")
               for item in held)
    assert all(b"Laporan ke-" in item.raw for item in held)  # the whole mail is kept
    acks = to(smtp_sink, FLOOD)
    assert sorted(int(a["Subject"].rsplit(" ", 1)[1]) for a in acks) == list(range(20))
    budi = [m for m in to(smtp_sink, "budi@lkpp.example") if "ditahan" in m["Subject"]]
    tono = [m for m in to(smtp_sink, "tono@telkom.example") if "held" in m["Subject"]]
    assert [m["Subject"] for m in budi] == \
        [f"Email ditahan: 40 dari {FLOOD} melebihi batas tiket baru"]
    assert [m["Subject"] for m in tono] == [f"Mail held: 40 from {FLOOD} over the new-ticket cap"]
    assert "40 email kini menunggu di karantina" in mails.text_of(budi[0].as_bytes())
    assert not [m for m in to(smtp_sink, "sari@lkpp.example") if "held" in m["Subject"]
                or "ditahan" in m["Subject"]]
    # Agents heard of the 20 tickets only (and of Sari's 60): Sari is an agent of l0-lkpp.
    notices = [m for m in to(smtp_sink, "sari@lkpp.example")
               if mails.text_of(m.as_bytes()).startswith("New ticket")]
    assert len(notices) == 20 + 60

    smtp_sink.messages.clear()
    first_ack = acks[0]
    reply = mails.report(subject="Re: " + first_ack["Subject"], sender=FLOOD,
                         message_id="<reply-1@pemda.example>", body="Masih belum bisa.\n",
                         in_reply_to=first_ack["Message-ID"], references=first_ack["Message-ID"])
    deliver(imap_server, settings.imap.folder, reply, *flood(5, start=60))
    intake, _ = Service(ctx).run_once()
    assert intake.count(Disposition.FOLLOW_UP) == 1 and intake.count(Disposition.HELD) == 5
    assert not [m for m in smtp_sink.messages if b"ditahan" in m[2] or b"Mail held" in m[2]]

    outcome = retry_quarantined(ctx, held[0].id)
    assert outcome.disposition == Disposition.NEW_TICKET
    assert tickets_of(ctx, FLOOD) == 21
    with database.transaction(ctx.db):
        assert len(mailbox.list_quarantine()) == 44
        assert mailbox.get_quarantined(held[0].id).status == mailbox.RELEASED


def test_no_cap_when_it_is_turned_off(imap_server, smtp_sink, db_url, tmp_path):
    """`new_tickets_per_hour = 0`: 25 mails from one sender open 25 tickets."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             loops={"new_tickets_per_hour": 0})
    ctx = build_context(settings, tmp_path)
    deliver(imap_server, settings.imap.folder, *flood(25))
    intake, _ = Service(ctx).run_once()
    assert intake.count(Disposition.NEW_TICKET) == 25 and tickets_of(ctx, FLOOD) == 25


def test_mail_held_by_ldp_ingest_is_told_to_the_leads_too(tmp_path):
    """`ldp ingest` (an MTA's pipe) holds mail over the cap like intake does, and the L0 leads
    hear of it once, in their language."""
    import os
    import subprocess
    import sys

    from gateway.store.models import OutboxRow
    from tests.conftest import write_config

    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'ldp.sqlite3'}", agents=LEADS)
    write_config(tmp_path / "ldp.toml", settings)
    names = []
    for number, raw in enumerate(flood(22)):
        (tmp_path / f"m{number}.eml").write_bytes(raw)
        names.append(f"m{number}.eml")
    result = subprocess.run([sys.executable, "-m", "gateway", "ingest", *names], cwd=tmp_path,
                            env={**os.environ, "LDP_CONFIG": str(tmp_path / "ldp.toml")},
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    ctx = build_context(settings, tmp_path)
    with database.transaction(ctx.db):
        subjects = sorted(r.subject for r in OutboxRow.select().where(
            OutboxRow.recipient.in_(["budi@lkpp.example", "tono@telkom.example"])))
    assert f"Email ditahan: 2 dari {FLOOD} melebihi batas tiket baru" in subjects
    assert f"Mail held: 2 from {FLOOD} over the new-ticket cap" in subjects
