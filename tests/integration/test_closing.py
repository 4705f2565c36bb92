"""Issue 18, items 1 and 3, over a real IMAP server (Dovecot), the SMTP sink, `ldp run --once`
(`Service.run_once`, its timers reading a frozen clock) on SQLite and PostgreSQL: a resolved
ticket closes by itself three working days after its resolution (not a minute before, and not
once the reporter wrote back), with the exact closing mail and its one satisfaction question;
the reporter's "4 terima kasih" is stored and counted in `ldp report` (IKM); a question within
the grace period reopens the ticket; the second closing within seven days asks nothing; a reply
after the grace period opens a new ticket linked to the old one, and the reporter is told."""
from __future__ import annotations

from datetime import datetime

import pytest

from gateway import cli
from gateway.sla.clock import FixedClock
from gateway.store import database, tickets
from gateway.store.models import EventRow, MessageRow, SurveyRow, TicketLinkRow, TicketRow
from tests import mails
from tests.conftest import write_config
from tests.integration.agent_replies import gmail_reply
from tests.integration.test_agent_flow import Desk

pytestmark = pytest.mark.integration

RINA, BUDI, SARI = "rina@pemkab-bogor.go.id", "budi@lkpp.example", "sari@lkpp.example"
RINA_FROM = "Rina Wati <rina@pemkab-bogor.go.id>"
REF = "LDP-000001"
WRITTEN_LIVE = datetime(2026, 6, 1)  # rows written by the live clock are later than this


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in WIB (UTC+7), as naive UTC."""
    return datetime(2026, 3, day, hour - 7, minute)


class ClosingDesk(Desk):
    """The gateway on real IMAP and SMTP servers; `run` is one `ldp run --once` at the frozen
    clock's time, the mail it sent returned by recipient."""

    def __init__(self, imap_server, smtp_sink, db_url, tmp_path, **sections):
        # The service-level reminders are not what is tested here: off, so every mail counts.
        super().__init__(imap_server, smtp_sink, db_url, tmp_path, sla={"enabled": False},
                         **sections)
        self.clock = FixedClock(wib(2, 8))

    def run(self, raw: bytes | None = None, at: datetime | None = None) -> dict[str, bytes]:
        if at is not None:
            self.clock.set(at)
        return self.deliver(raw)

    def backdate(self, resolved: datetime, ref: str = REF) -> None:
        """What the live clock wrote of the ticket moved into March 2026: the report, the
        replies and the agents' events before the frozen clock, the resolution at `resolved`."""
        with database.transaction(self.ctx.db):
            row = TicketRow.get(TicketRow.ref == ref)
            if row.created_at > WRITTEN_LIVE:
                row.created_at = wib(2, 8)
            row.resolved_at = resolved
            row.save()
            MessageRow.update(created_at=resolved.replace(minute=0, hour=resolved.hour - 1)) \
                .where(MessageRow.ticket == row.id, MessageRow.created_at > WRITTEN_LIVE) \
                .execute()
            EventRow.update(at=resolved).where(EventRow.ticket == row.id,
                                               EventRow.at > WRITTEN_LIVE).execute()

    def status(self, ref: str = REF) -> str:
        return tickets.get_ticket(ref).status.value


def budi(desk: ClosingDesk, notice: bytes, top: str, number: int) -> dict[str, bytes]:
    return desk.run(gmail_reply(f"Budi <{BUDI}>", notice, top, "Budi\nHelpdesk LPSE",
                                f"<budi-{number}@mail.gmail.com>"))


def rina(desk: ClosingDesk, notice: bytes, top: str, number: int,
         at: datetime) -> dict[str, bytes]:
    return desk.run(gmail_reply(RINA_FROM, notice, top, "Rina Wati",
                                f"<rina-{number}@mail.gmail.com>"), at=at)


CLOSED_WITH_SURVEY = """Yth. Rina Wati,

Tiket LDP-000001 kami tutup: laporan Bapak/Ibu telah kami selesaikan 3 hari kerja yang lalu dan sejak itu tidak ada balasan.

Satu pertanyaan: bagaimana pelayanan kami untuk laporan ini? Balas email ini dengan satu angka, boleh ditambah komentar singkat:
  1 = tidak baik
  2 = kurang baik
  3 = baik
  4 = sangat baik
Contoh: 4 cepat dan jelas

Bila masalahnya muncul lagi dalam 7 hari, balas email ini tanpa menghapus [LDP-000001] dari subjeknya dan tiket ini akan kami buka kembali. Sesudah itu, balasan Bapak/Ibu akan kami catat sebagai tiket baru.

Hormat kami,
Layanan Dukungan Pengguna
"""
CLOSED_WITHOUT_SURVEY = """Yth. Rina Wati,

Tiket LDP-000001 kami tutup: laporan Bapak/Ibu telah kami selesaikan 3 hari kerja yang lalu dan sejak itu tidak ada balasan.

Bila masalahnya muncul lagi dalam 7 hari, balas email ini tanpa menghapus [LDP-000001] dari subjeknya dan tiket ini akan kami buka kembali. Sesudah itu, balasan Bapak/Ibu akan kami catat sebagai tiket baru.

Hormat kami,
Layanan Dukungan Pengguna
"""
LINKED = ("Tiket LDP-000001 yang Bapak/Ibu balas sudah ditutup, jadi balasan ini kami catat "
          "sebagai tiket baru LDP-000002 yang terhubung dengan tiket LDP-000001.")


def closing_events(ref: str = REF) -> list[tuple]:
    return [(e.kind, e.actor, e.at, e.old_value, e.new_value) for e in
            tickets.events(tickets.get_ticket(ref))
            if e.kind in ("close", "survey_asked", "survey_answer", "reopened", "linked",
                          "follow_up_ticket")]


def test_a_resolved_ticket_closes_after_three_working_days_and_asks_once(
        imap_server, smtp_sink, db_url, tmp_path, capsys):
    desk = ClosingDesk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.run(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
    resolved = budi(desk, new[BUDI], "#selesai Kata sandi sudah kami atur ulang.", 1)
    assert sorted(resolved) == [BUDI, RINA] and desk.status() == "resolved"

    # Resolved on Monday 2 March at 10:00 WIB: three working days end on Thursday at 10:00.
    desk.backdate(wib(2, 10))
    assert desk.run(at=wib(5, 9, 59)) == {} and desk.status() == "resolved"
    closed = desk.run(at=wib(5, 10))
    assert sorted(closed) == [RINA] and desk.status() == "closed"
    message = mails.parse(closed[RINA])
    assert message["Subject"] == "[LDP-000001] Tiket ditutup: Tidak bisa login SPSE"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] == "<CAGx7rina0001@mail.gmail.com>"
    assert mails.text_of(closed[RINA]) == CLOSED_WITH_SURVEY
    assert closing_events() == [
        ("close", "sla", wib(5, 10), "resolved", "closed"),
        ("survey_asked", "sla", wib(5, 10), None, "l0-lkpp")]

    # "4 terima kasih" answers the question: stored, nothing reopened, nobody mailed.
    assert rina(desk, closed[RINA], "4 terima kasih, cepat sekali", 1, wib(5, 11)) == {}
    assert desk.status() == "closed" and len(tickets.list_tickets()) == 1
    with database.transaction(desk.ctx.db):
        [survey] = SurveyRow.select()
    assert (survey.team, survey.level, survey.score, survey.comment, survey.answered_at) == (
        "l0-lkpp", "L0", 4, "terima kasih, cepat sekali", wib(5, 11))
    config = write_config(tmp_path / "ldp.toml", desk.settings)
    assert cli.main(["--config", str(config), "report", "--from", "2026-03-01",
                     "--to", "2026-03-31"]) == 0
    assert capsys.readouterr().out.splitlines()[-4:] == [
        "Kepuasan pelapor (IKM: rata-rata jawaban 1-4 x 25)",
        "L0  l0-lkpp  IKM 100.0  (1 jawaban)",
        "Komentar pelapor",
        "L0  l0-lkpp  LDP-000001  4  terima kasih, cepat sekali"]

    # A question the next morning, within the seven days of grace: the ticket reopens and the
    # team hears of it.
    asked = rina(desk, closed[RINA], "Bagaimana cara mengganti alamat email akun saya?", 2,
                 wib(6, 9))
    assert sorted(asked) == [BUDI, SARI] and desk.status() == "open"
    assert "Bagaimana cara mengganti alamat email akun saya?" in mails.text_of(asked[BUDI])
    assert closing_events()[-1] == ("reopened", RINA, wib(6, 9), "closed", "open")

    # Resolved again on Friday at 10:00: closed on Wednesday at 10:00 (the weekend does not
    # count), six days after the question was asked: no second question.
    budi(desk, asked[BUDI], "#selesai Alamat email bisa diganti di menu Profil.", 2)
    desk.backdate(wib(6, 10))
    assert desk.run(at=wib(11, 9, 59)) == {} and desk.status() == "resolved"
    again = desk.run(at=wib(11, 10))
    assert sorted(again) == [RINA] and desk.status() == "closed"
    assert mails.text_of(again[RINA]) == CLOSED_WITHOUT_SURVEY
    with database.transaction(desk.ctx.db):
        assert SurveyRow.select().count() == 1

    # Eight days after the closing, past the grace period: a new ticket, linked to the old
    # one, and Rina is told so.
    later = rina(desk, again[RINA], "Sekarang muncul pesan akun terkunci.", 3, wib(19, 10))
    assert sorted(later) == [BUDI, RINA, SARI]
    assert desk.status() == "closed" and desk.status("LDP-000002") == "new"
    assert mails.parse(later[RINA])["Subject"].startswith("[LDP-000002] ")
    assert LINKED in mails.text_of(later[RINA])
    assert tickets.get_ticket("LDP-000002").linked_ref == REF
    with database.transaction(desk.ctx.db):
        assert [(r.ticket.ref, r.other.ref, r.kind, r.created_by) for r in
                TicketLinkRow.select()] == [("LDP-000002", REF, "follow_up", RINA)]
    assert [(kind, new) for kind, _a, _t, _o, new in closing_events("LDP-000002")] == \
        [("linked", REF)]
    assert [(kind, new) for kind, _a, _t, _o, new in closing_events()][-1] == \
        ("follow_up_ticket", "LDP-000002")


def test_a_reporters_reply_keeps_the_ticket_from_closing(
        imap_server, smtp_sink, db_url, tmp_path):
    """Rina writes back after the resolution that it still fails: the ticket is open again, and
    three working days later nothing closes and nobody is mailed."""
    desk = ClosingDesk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.run(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
    resolved = budi(desk, new[BUDI], "#selesai Kata sandi sudah kami atur ulang.", 1)
    desk.backdate(wib(2, 10))
    rina(desk, resolved[RINA], "Masih belum bisa login, pesannya sama.", 1, wib(3, 9))
    assert desk.status() == "open"
    assert desk.run(at=wib(12, 10)) == {} and desk.status() == "open"


def test_a_real_question_to_the_closing_mail_is_no_answer_and_a_link_is_offered(
        imap_server, smtp_sink, db_url, tmp_path):
    """With `closing.survey_url` the question also offers the web form's link; "3 tapi
    bagaimana cara ganti email?" asks something: no answer is stored, the ticket reopens."""
    desk = ClosingDesk(imap_server, smtp_sink, db_url, tmp_path,
                       closing={"survey_url": "https://layanan.example/survei"})
    new = desk.run(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
    budi(desk, new[BUDI], "#selesai Kata sandi sudah kami atur ulang.", 1)
    desk.backdate(wib(2, 10))
    closed = desk.run(at=wib(5, 10))
    text = mails.text_of(closed[RINA])
    assert "Contoh: 4 cepat dan jelas\nAtau jawab melalui halaman ini: " \
           "https://layanan.example/survei?tiket=LDP-000001&kode=" in text
    assert 'href="https://layanan.example/survei?tiket=LDP-000001&amp;kode=' in \
        mails.html_of(closed[RINA])
    rina(desk, closed[RINA], "3 tapi bagaimana cara ganti email", 1, wib(5, 11))
    assert desk.status() == "open"
    with database.transaction(desk.ctx.db):
        [survey] = SurveyRow.select()
    assert (survey.score, survey.comment, survey.answered_at) == (None, None, None)


def test_a_thank_you_neither_delays_the_closing_nor_reopens_the_closed_ticket(
        imap_server, smtp_sink, db_url, tmp_path):
    """Rina's "Terima kasih, sudah bisa" after the resolution is recorded (`intake.thanks`)
    and the ticket still closes on Thursday at 10:00; her "Terima kasih banyak" to the closing
    mail (no score) is recorded too: the ticket stays closed, nothing is answered or opened."""
    desk = ClosingDesk(imap_server, smtp_sink, db_url, tmp_path)
    new = desk.run(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
    resolved = budi(desk, new[BUDI], "#selesai Kata sandi sudah kami atur ulang.", 1)
    desk.backdate(wib(2, 10))
    assert rina(desk, resolved[RINA], "Terima kasih, sudah bisa", 1, wib(3, 9)) == {}
    assert desk.status() == "resolved"
    closed = desk.run(at=wib(5, 10))
    assert sorted(closed) == [RINA] and desk.status() == "closed"
    assert rina(desk, closed[RINA], "Terima kasih banyak", 2, wib(5, 11)) == {}
    assert desk.status() == "closed" and len(tickets.list_tickets()) == 1
    events = tickets.events(tickets.get_ticket(REF))
    # (Sorted: the thanks are written at the live clock's time, the closing at the frozen one.)
    assert sorted(e.kind for e in events if e.kind in ("thanks", "reopened", "close")) == \
        ["close", "thanks", "thanks"]
    with database.transaction(desk.ctx.db):
        [survey] = SurveyRow.select()
    assert survey.score is None
