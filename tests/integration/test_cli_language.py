"""`LDP_LANG=id`: what `ldp` prints for people is Indonesian (headings, statuses, directions,
messages), and the JSON keeps its documented English keys and values."""
from __future__ import annotations

import json

import pytest

from tests import mails
from tests.integration.test_cli import configured, ldp  # noqa: F401 (a fixture)
from tests.language_words import giveaways

pytestmark = pytest.mark.integration

ID = {"LDP_LANG": "id"}
SUBJECT = "Tidak bisa login SPSE"


def stored(tmp_path) -> None:
    code, out, _ = ldp(tmp_path, "ingest", "-", env=ID,
                       stdin=mails.report(message_id="<lang-1@mail.gmail.com>"))
    assert (code, out) == (0, "tersimpan: -: tiket baru LDP-000001 team l0-lkpp\n")


def test_ticket_tables_and_details_are_indonesian(configured):  # noqa: F811
    stored(configured)
    assert ldp(configured, "tickets", "list", env=ID)[:2] == (0, (
        "tiket       tingkat  keadaan  prioritas  tim      kategori  aplikasi  LPSE  petugas  "
        "pelapor                  perihal\n"
        "----------  -------  -------  ---------  -------  --------  --------  ----  -------  "
        "-----------------------  ---------------------\n"
        "LDP-000001  L0       baru     normal     l0-lkpp  -         SPSE      -     -        "
        "rina@pemkab-bogor.go.id  Tidak bisa login SPSE\n"))
    code, out, _ = ldp(configured, "tickets", "show", "LDP-000001", env=ID)
    head, following, work, messages = out.split("\n\n")[:4]
    assert following == "pengikut (menerima salinan email pelapor):\n  tidak ada"
    assert work == "tindakan (#tindakan):\n  tidak ada"
    assert (code, head) == (0, "tiket      LDP-000001\nperihal    Tidak bisa login SPSE\n"
                               "pelapor    rina@pemkab-bogor.go.id\ntingkat    L0\n"
                               "tim        l0-lkpp\nkeadaan    baru\nprioritas  normal\n"
                               "kategori   -\npetugas    -\ntertaut    -\n"
                               "aplikasi   SPSE\nLPSE       -")
    fields = [line.split()[1:3] for line in messages.splitlines()[1:]]
    assert fields == [["masuk", "publik"], ["keluar", "publik"], ["keluar", "internal"],
                      ["keluar", "internal"]]
    assert messages.startswith("pesan:\n")
    # The outbox's subjects are data (Sari's notice is in her language); its header is not.
    outbox_header = ldp(configured, "outbox", "list", env=ID)[1].splitlines()[0]
    assert giveaways(f"{head}\n{outbox_header}", "id") == set()


def test_the_outbox_shows_its_states_in_indonesian_and_json_keeps_the_documented_values(
        configured):  # noqa: F811
    stored(configured)
    code, out, _ = ldp(configured, "outbox", "list", env=ID)
    header, _rule, *rows = out.splitlines()
    assert header.split() == ["nomor", "keadaan", "percobaan", "kepada", "perihal", "galat",
                              "terakhir"]
    assert [row.split()[1] for row in rows] == ["menunggu"] * 3
    code, out, _ = ldp(configured, "outbox", "list", "--json", env=ID)
    assert [row["status"] for row in json.loads(out)] == ["pending"] * 3
    code, out, _ = ldp(configured, "tickets", "list", "--json", env=ID)
    assert [(t["status"], t["priority"]) for t in json.loads(out)] == [("new", "normal")]


def test_a_bad_date_is_refused_in_indonesian(configured):  # noqa: F811
    code, _, err = ldp(configured, "report", "--from", "2026-13-01", "--to", "2026-12-31",
                       env=ID)
    assert code == 2
    assert err.splitlines() == ["ldp report: galat: argumen --from: bukan tanggal (TTTT-BB-HH): "
                                "'2026-13-01' (lihat ldp report --help)"]
