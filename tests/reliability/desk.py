"""The whole gateway for the reliability suite: real Dovecot (or pymap), the aiosmtpd sink and a
database of each kind; `run` delivers mail over IMAP, runs `ldp run --once` and returns the
mail that reached the sink."""
from __future__ import annotations

from gateway.service import Service, build_context
from tests import mails
from tests.conftest import deliver, make_settings

OURS = "mx.lpse.example"
BUDI, RINA = "budi@lkpp.example", "rina@pemkab-bogor.go.id"
# What our own receiving server stamps on a mail that lkpp.example's server signed.
LKPP_PASSES = (f"Authentication-Results: {OURS}; dkim=pass header.d=lkpp.example; "
               "dmarc=pass header.from=lkpp.example")


class Desk:
    def __init__(self, imap_server, smtp_sink, db_url: str, tmp_path, **sections) -> None:
        sections.setdefault("security", {}).setdefault("authserv_id", OURS)
        self.settings = make_settings(tmp_path, db_url, imap_server, smtp_sink, **sections)
        self.imap, self.sink, self.tmp_path = imap_server, smtp_sink, tmp_path
        self.seen = 0
        self.intake = None

    def run(self, *raws: bytes) -> list[tuple[list[str], bytes]]:
        """Deliver `raws`, run once; (recipients, bytes) of each mail the sink got since."""
        deliver(self.imap, self.settings.imap.folder, *raws)
        self.intake, _sent = Service(build_context(self.settings, self.tmp_path)).run_once()
        arrived = self.sink.messages[self.seen:]
        self.seen = len(self.sink.messages)
        return [(sorted(rcpts), raw) for _from, rcpts, raw in arrived]

    def report(self) -> dict[str, bytes]:
        """Rina's report: LDP-000001 and its notifications, by recipient."""
        sent = self.run(mails.report(message_id="<CAGx7rina0001@mail.gmail.com>"))
        return {rcpts[0]: raw for rcpts, raw in sent}


def to_whom(sent: list[tuple[list[str], bytes]]) -> list[tuple[list[str], str]]:
    """(recipients, template) of each mail, by its subject's wording."""
    return [(rcpts, str(mails.parse(raw)["Subject"])) for rcpts, raw in sent]
