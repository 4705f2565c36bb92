"""Which stored files a mail carries (`desk.attached`): all of them within the limit or none,
inline only as a raster image under its Content-ID, and never inline on a reporter's mail."""
from __future__ import annotations

from gateway.desk.attached import carried, fields
from gateway.domain import NoticeFile
from gateway.store.tickets import StoredFile


def stored(id_: int, name: str, content_type: str, size: int, cid: str = "") -> StoredFile:
    return StoredFile(id_, f"s{id_}", name, content_type, size, "0" * 64, cid, "<m@x>",
                      "Rina <rina@x.id>", "report")


FILES = [stored(1, "layar.png", "image/png", 600, "layar@rina"),
         stored(2, "gambar.svg", "image/svg+xml", 300, "svg@rina"),
         stored(3, "laporan.pdf", "application/pdf", 100, "pdf@rina")]


def test_within_the_limit_every_file_is_carried_inline_only_as_a_raster_image():
    assert carried(FILES, 1000) == (
        NoticeFile("s1", "layar.png", "image/png", 600, "layar@rina"),
        NoticeFile("s2", "gambar.svg", "image/svg+xml", 300),
        NoticeFile("s3", "laporan.pdf", "application/pdf", 100))


def test_on_a_reporters_mail_nothing_goes_inline():
    assert [f.content_id for f in carried(FILES, 1000, inline=False)] == ["", "", ""]


def test_over_the_limit_no_file_is_carried_and_each_is_listed_with_the_command():
    assert carried(FILES, 999) == ()
    shown = fields("LDP-000001", FILES, False, 999)
    assert shown == {
        "files": [{"id": 1, "name": "layar.png", "size": "600 B", "cid": "layar@rina"},
                  {"id": 2, "name": "gambar.svg", "size": "300 B", "cid": ""},
                  {"id": 3, "name": "laporan.pdf", "size": "100 B", "cid": ""}],
        "files_attached": False, "files_too_many": False, "files_max": 100,
        "files_total": "1000 B", "files_limit": "999 B",
        "files_command": "ldp attachments get LDP-000001",
        "files_list_command": "ldp attachments list LDP-000001"}


def test_no_files_carry_nothing():
    assert carried([], 1000) == ()
