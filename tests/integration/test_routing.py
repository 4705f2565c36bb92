"""Routing of new tickets with the shipped decree rules, through IMAP into the database, and
`ldp rules explain` agreeing with what ingestion did."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gateway.domain import Priority
from gateway.service import Service, build_context
from gateway.store import tickets
from tests import mails
from tests.conftest import deliver, make_settings, write_config

pytestmark = pytest.mark.integration

MAILS = [
    ("Pokja ULP <pokja@ulp.lkpp.go.id>", "Gagal unggah dokumen penawaran, tender hari ini",
     "Peserta tidak bisa mengunggah dokumen penawaran. Batas waktu hari ini pukul 15.00."),
    ("Rina <rina@pemkab-bogor.go.id>", "Lupa password SPSE",
     "Saya lupa password dan akun terkunci. Mohon reset password."),
    ("CV Maju <admin@majujaya.co.id>", "Kode aktivasi tidak masuk",
     "Email tidak masuk, kode aktivasi SIKaP belum kami terima."),
]


def test_three_mails_go_to_different_teams_categories_and_priorities_with_the_rule_named(
        imap_server, smtp_sink, db_url, tmp_path):
    """LKPP's urgent tender mail, a vendor's password mail and a mail-server mail are routed
    as the default rules say, each ticket's routed event names its rule, and `ldp rules
    explain` gives the same answer for the same bytes."""
    settings = make_settings(tmp_path, db_url, imap_server, smtp_sink,
                             routing={"rules_file": "default", "default_team": "l0-telkom"})
    raws = [mails.report(sender=s, subject=subj, body=body, message_id=f"<route-{i}@x.id>")
            for i, (s, subj, body) in enumerate(MAILS)]
    deliver(imap_server, settings.imap.folder, *raws)
    Service(build_context(settings, tmp_path)).run_once()

    got = [(t.team, t.category, t.priority) for t in tickets.list_tickets()]
    assert got == [("l0-lkpp", "tender", Priority.URGENT), ("l0-telkom", "akun", Priority.NORMAL),
                   ("l0-telkom", "email", Priority.NORMAL)]
    routed = [[e for e in tickets.events(t) if e.kind == "routed"][0].detail
              for t in tickets.list_tickets()]
    assert all(d.startswith("matched: ") and "tried: " in d for d in routed)

    config = write_config(tmp_path / "ldp.toml", settings)
    for raw, ticket, detail in zip(raws, tickets.list_tickets(), routed):
        (tmp_path / "m.eml").write_bytes(raw)
        result = subprocess.run([sys.executable, "-m", "gateway", "rules", "explain", "m.eml",
                                 "--json"], cwd=tmp_path, capture_output=True, timeout=60,
                                env={**os.environ, "LDP_CONFIG": str(config)})
        explained = json.loads(result.stdout)
        assert (explained["team"], explained["category"], explained["priority"]) == \
            (ticket.team, ticket.category, ticket.priority.value)
        assert detail.startswith(f"matched: {explained['rule']};")
