"""The parse worker (gateway.intake.parse_worker) with its real child process: what it parses
equals what mime.parse gives in the gateway's process, in order; large mail, a message over the time
limit, a worker that dies, a worker that cannot start and malformed mail each end as the module
promises, and no child process outlives a test.

Intake through the service with the worker on (imap.parse_worker defaults to true) is covered
by tests/integration/test_intake.py and test_corpus_mail.py, which run Service.run_once with
the default settings."""
from __future__ import annotations

import dataclasses
import random
import threading

import pytest

from gateway import childproc
from gateway.errors import MalformedMail, TemporaryFailure
from gateway.intake.parse_worker import INLINE_BYTES, MAX_STARTS, ParserFailed, ParseWorker
from gateway.parsers import mime
from gateway.routing import chain
from tests import mails
from tests.conftest import CORPUS

pytestmark = pytest.mark.integration

CORPUS_MAILS = [
    "request-tracker/t/data/emails/text-html-with-umlaut",
    "request-tracker/t/data/emails/new-ticket-from-gb18030",
    "request-tracker/t/data/emails/rfc2231-attachment-filename-continuations",
    "request-tracker/t/data/emails/email-file-attachment.eml",
    "request-tracker/t/data/emails/russian-subject-no-content-type",
    "request-tracker/t/data/emails/nested-mime-sample",
    "django-helpdesk/tests/test_files/blank-body-with-attachment.eml",
    "django-helpdesk/tests/test_files/utf-nondecodable.eml",
    "mailgun-talon/tests/fixtures/standard_replies/outlook.eml",
    "mailgun-talon/tests/fixtures/signature/emails/P/unicode_msg",  # two MIME defects
]


def corpus_mail(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def built_mails() -> list[bytes]:
    pdf = b"%PDF-1.4\n" + random.Random(1).randbytes(20_000)
    return [
        mails.report(message_id="<plain@mail.gmail.com>"),
        mails.report(subject="Re: [LDP-000007] Dokumen penawaran", body="Terlampir.\n",
                     sender="Budi Santoso <budi@pemkot-malang.go.id>",
                     message_id="<reply@mail.gmail.com>", in_reply_to="<ldp.a@lpse.example>",
                     references="<report@x.id> <ldp.a@lpse.example>",
                     attachments=[("../penawaran final.pdf", "application/pdf", pdf),
                                  ("layar.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)],
                     headers={"Cc": "Sari <sari@lkpp.example>"}),
        mails.report(subject="Ünïcödé — ошибка 登录", body=None,
                     html="<p>Halo,<br>tidak bisa <b>unggah</b> dokumen.</p>",
                     message_id="<html@outlook.com>"),
    ]


def comparable(mail):
    """The mail with its defects sorted: mail-parser reports them from a set, whose order
    follows each process's string hash seed, so the child may list them in another order."""
    return dataclasses.replace(mail, defects=tuple(sorted(mail.defects)))


def many_parts(count: int) -> bytes:
    """A mail mime.parse takes some tenths of a second on (0.3 s for 10,000 parts here)."""
    return (b"From: a@pemda.go.id\r\nTo: helpdesk@lpse.example\r\nSubject: banyak bagian\r\n"
            b"Message-ID: <parts@pemda.go.id>\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * count + b"--b--\r\n")


@pytest.fixture
def worker(started):
    worker = ParseWorker(time_limit=30)
    try:
        yield worker
    finally:
        worker.stop()  # before `started` checks that every child has ended


def test_the_worker_classifies_and_routes_as_the_pipeline_would(tmp_path, started):
    """autoreply.classify and the routing rules, asked in the child, say what they say in the
    gateway's process: a person's mail is routed (the shipped rules: an SPSE login problem,
    an English one), machine mail (auto-reply, bounce, our own mail coming back) is named and
    not routed."""
    from gateway.intake import pipeline
    from gateway.service import load_rules
    from tests.conftest import make_settings
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/x.db",
                             routing={"rules_file": "default"})
    rules = load_rules(settings, tmp_path)
    assert len(rules) > 3
    worker = ParseWorker(30, pipeline.classify_arguments(settings), rules,
                         pipeline.default_team(settings))
    raws = [mails.report(message_id="<person@x.id>"),
            mails.report(subject="Cannot upload the bid document", message_id="<en@x.id>",
                         body="The SPSE upload fails with error 500 since this morning.\n"),
            mails.report(subject="Balasan otomatis: sedang cuti", message_id="<ooo@x.id>",
                         headers={"Auto-Submitted": "auto-replied"}),
            mails.report(sender="MAILER-DAEMON@mail.example", subject="Undelivered Mail",
                         message_id="<bounce@x.id>"),
            mails.report(sender=settings.support.address, message_id="<ldp.loop@x.id>",
                         headers={"X-LDP-Loop": settings.support.address})]
    try:
        known = [k for _uid, _raw, _parse, k in
                 worker.parse_all([(n, raw) for n, raw in enumerate(raws)])]
    finally:
        worker.stop()
    in_process = [mime.parse(raw) for raw in raws]
    assert [k.verdict for k in known] == [pipeline.classify(m, settings) for m in in_process]
    assert [k.verdict is None for k in known] == [True, True, False, False, False]
    routed = [chain.route(rules, m, default_team=pipeline.default_team(settings))
              for m in in_process[:2]]
    assert [k.decision for k in known[:2]] == routed
    assert all(d.tried for d in routed) and any(d.matched for d in routed), \
        "the rules were really tried, and some matched"
    assert [k.decision for k in known[2:]] == [None, None, None]
    assert len(started) == 1, "classified and routed in the child"


def run(worker, raws):
    """[(uid, raw, parse, result or exception)] for the raws given UIDs 101, 102..."""
    results = []
    for uid, raw, parse, _known in worker.parse_all([(100 + i, raw) for i, raw in enumerate(raws, 1)]):
        try:
            results.append((uid, raw, parse, parse(raw)))
        except Exception as exc:
            results.append((uid, raw, parse, exc))
    return results


def test_the_worker_parses_varied_mail_exactly_as_mime_parse_does_in_order(worker, started):
    """Built reports (attachments, HTML only, Unicode, a reply with Cc) and real mails from the
    corpus (charsets, RFC 2231 names, nested MIME, defects) come back from the child equal to
    mime.parse's result in this process, under their own UIDs, in order."""
    raws = built_mails() + [corpus_mail(name) for name in CORPUS_MAILS]
    results = run(worker, raws)

    assert [uid for uid, *_ in results] == list(range(101, 101 + len(raws)))
    for uid, raw, parse, mail in results:
        assert raw is raws[uid - 101]
        assert parse is not mime.parse, "parsed by the worker, not in this process"
        assert comparable(mail) == comparable(mime.parse(raw)), uid
        assert mail.raw is raw
    # Spot checks that the comparison above compared real content.
    reply = results[1][3]
    assert (reply.subject, reply.sender.email, [a.email for a in reply.cc]) == \
        ("Re: [LDP-000007] Dokumen penawaran", "budi@pemkot-malang.go.id", ["sari@lkpp.example"])
    assert reply.references == ("<report@x.id>", "<ldp.a@lpse.example>")
    assert [(a.name, a.payload[:9]) for a in reply.attachments] == \
        [("penawaran final.pdf", b"%PDF-1.4\n"), ("layar.png", b"\x89PNG\r\n\x1a\n\x00")]
    assert results[2][3].subject == "Ünïcödé — ошибка 登录"
    assert "tidak bisa unggah dokumen." in results[2][3].text
    assert results[4][3].subject == "测试"
    assert [a.name for a in results[5][3].attachments] == ["新しいテキスト ドキュメント.txt"]
    assert sorted(results[-1][3].defects) == \
        ["AddressHeaderDefect", "MissingHeaderBodySeparatorDefect"]
    # One child did it all, and answering reset its count of starts.
    assert (len(started), worker.starts, worker.unavailable) == (1, 0, False)


def test_mails_of_a_few_hundred_kb_in_a_row_do_not_block_the_worker(worker):
    """Four 410 kB mails with attachments (under INLINE_BYTES, so all go to the child): the
    gateway sends the next while the child's answer waits for room in the socket. Before the
    child read on a thread of its own, this blocked both processes for ever."""
    payloads = [random.Random(i).randbytes(300_000) for i in range(4)]
    raws = [mails.report(message_id=f"<besar-{i}@x.id>",
                         attachments=[(f"scan-{i}.pdf", "application/pdf", data)])
            for i, data in enumerate(payloads)]
    assert all(200_000 < len(raw) <= INLINE_BYTES for raw in raws)

    # On a thread, so that a deadlock fails the test instead of hanging it; stopping the worker
    # (the fixture) then ends the child, and the blocked send with it.
    results = []
    batch = threading.Thread(target=lambda: results.extend(run(worker, raws)), daemon=True)
    batch.start()
    batch.join(timeout=20)
    assert not batch.is_alive(), "the gateway and its parse worker wait on each other"

    assert [parse is mime.parse for _, _, parse, _ in results] == [False] * 4
    assert [(m.attachments[0].name, m.attachments[0].payload) for *_, m in results] == \
        [(f"scan-{i}.pdf", data) for i, data in enumerate(payloads)]


def test_a_message_larger_than_inline_bytes_is_parsed_in_the_gateways_process(worker):
    """A 1 MB mail between two small ones: the child does not get it (mime.parse itself is
    handed back), the small ones around it are still the child's, in order."""
    data = random.Random(2).randbytes(600_000)
    big = mails.report(message_id="<besar@x.id>",
                       attachments=[("rekaman.mp4", "video/mp4", data)])
    assert len(big) > INLINE_BYTES
    small = built_mails()[:2]

    results = run(worker, [small[0], big, small[1]])

    assert [uid for uid, *_ in results] == [101, 102, 103]
    assert [parse is mime.parse for _, _, parse, _ in results] == [False, True, False]
    mail = results[1][3]
    assert (mail.message_id, [a.name for a in mail.attachments]) == \
        ("<besar@x.id>", ["rekaman.mp4"])
    assert mail.attachments[0].payload == data
    assert [m.message_id for *_, m in results] == \
        ["<plain@mail.gmail.com>", "<besar@x.id>", "<reply@mail.gmail.com>"]


def test_a_message_over_the_time_limit_fails_and_a_new_worker_parses_the_rest(worker, started):
    """A message the child takes 0.4 s on, with the limit at 0.05 s for it: its parse raises
    ParserFailed naming the limit, the child is stopped, and a new child parses the two
    messages after it correctly."""
    raws = [built_mails()[0], many_parts(14_000)] + built_mails()[1:]
    assert len(raws[1]) <= INLINE_BYTES
    # The limit is read when the pipeline asks for a message's parse. The first message has the
    # generous limit (it covers the child's start); only the slow one gets the short one.
    limits = {102: 0.05}
    results = []
    worker.time_limit = 30
    for uid, raw, parse, _known in worker.parse_all([(101 + i, raw) for i, raw in enumerate(raws)]):
        try:
            results.append((uid, parse(raw)))
        except ParserFailed as exc:
            results.append((uid, exc))
        worker.time_limit = limits.get(uid + 1, 30)

    assert [uid for uid, _ in results] == [101, 102, 103, 104]
    failure = results[1][1]
    assert isinstance(failure, ParserFailed)
    assert str(failure) == "parsing took longer than 0.05 s (parse worker stopped)"
    for (uid, mail), raw in zip(results[::2] + results[3:], raws[::2] + raws[3:]):
        assert comparable(mail) == comparable(mime.parse(raw)), uid
    assert len(started) == 2 and started[0].returncode is not None, "the slow child was killed"


def test_a_worker_killed_mid_batch_fails_that_message_and_a_new_worker_parses_the_rest(
        worker, started):
    """The child is killed while it parses the second message (a slow one): that message's
    parse raises ParserFailed (the worker died), and a new child parses the ones after it."""
    raws = [built_mails()[0], many_parts(14_000)] + built_mails()[1:]
    results = []
    for uid, raw, parse, _known in worker.parse_all([(101 + i, raw) for i, raw in enumerate(raws)]):
        if uid == 101:
            # The answer to the first is in: the child now spends 0.4 s on the second.
            worker.process.kill()
        try:
            results.append((uid, parse(raw)))
        except ParserFailed as exc:
            results.append((uid, exc))

    assert [uid for uid, _ in results] == [101, 102, 103, 104]
    assert isinstance(results[1][1], ParserFailed)
    assert str(results[1][1]).startswith("the parse worker died on this message")
    for (uid, mail), raw in zip(results[::2] + results[3:], raws[::2] + raws[3:]):
        assert comparable(mail) == comparable(mime.parse(raw)), uid
    assert len(started) == 2 and started[0].returncode is not None


def test_a_worker_that_cannot_start_leaves_parsing_to_the_gateways_process(monkeypatch):
    """The system refuses the child (childproc.start raises TemporaryFailure, as it does when
    Popen fails): every message is parsed in this process, correctly, and no start is tried
    again for the rest of the batch or for the next one."""
    attempts = []

    def refuse(module, *arguments):
        attempts.append(module)
        raise TemporaryFailure(f"cannot start {module}: [Errno 11] Resource temporarily "
                               "unavailable")

    monkeypatch.setattr(childproc, "start", refuse)
    worker = ParseWorker(time_limit=30)
    try:
        raws = built_mails()
        results = run(worker, raws) + run(worker, raws[:1])
    finally:
        worker.stop()

    assert [parse is mime.parse for _, _, parse, _ in results] == [True] * 4
    assert [comparable(m) for *_, m in results] == \
        [comparable(mime.parse(raw)) for raw in raws + raws[:1]]
    assert attempts == ["gateway.intake.parse_worker"] and worker.unavailable


def test_a_worker_that_dies_before_answering_is_started_max_starts_times_at_most(
        tmp_path, monkeypatch, started):
    """A child that ends at once, every time (a broken interpreter, say): each start costs at
    most the one message it had, after MAX_STARTS starts the worker is given up, and every
    other message is parsed in this process, correctly."""
    (tmp_path / "ldp_exits_at_once.py").write_text("import os\nos._exit(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # childproc passes it on to the child
    spy_start = childproc.start  # the `started` fixture's, which records each child

    monkeypatch.setattr(childproc, "start",
                        lambda module, *args: spy_start("ldp_exits_at_once", *args))
    worker = ParseWorker(time_limit=30)
    raws = built_mails() * 3
    try:
        results = run(worker, raws)
    finally:
        worker.stop()

    failed = [result for *_, result in results if isinstance(result, Exception)]
    assert all(isinstance(exc, ParserFailed) and "died" in str(exc) for exc in failed)
    assert len(failed) <= MAX_STARTS < len(raws)
    for _, raw, _, result in results:
        if not isinstance(result, Exception):
            assert comparable(result) == comparable(mime.parse(raw))
    assert results[-1][2] is mime.parse
    assert (len(started), worker.starts, worker.unavailable) == (MAX_STARTS, MAX_STARTS, True)


@pytest.mark.parametrize("raw, error", [
    (b"", "empty message"),
    (b" \r\n\r\n", "empty message"),
    (b"x" * 5000, "no header found in the first 4096 bytes"),
])
def test_malformed_mail_raises_malformed_mail_from_the_worker_too(worker, raw, error):
    """Bytes mime.parse rejects with MalformedMail are rejected the same way by the child's
    answer, not as a ParserFailed; the good mail after them is parsed."""
    with pytest.raises(MalformedMail, match=error):
        mime.parse(raw)
    good = built_mails()[0]

    results = run(worker, [raw, good])

    assert [parse is mime.parse for _, _, parse, _ in results] == [False, False]
    exc = results[0][3]
    assert type(exc) is MalformedMail and str(exc) == error
    assert comparable(results[1][3]) == comparable(mime.parse(good))


def test_a_caller_that_stops_early_leaves_no_worker_with_unread_answers(worker, started):
    """The pipeline leaves the batch after the first message (a database failure): the child,
    which still had messages, is killed so their answers cannot be read as the next batch's;
    the next batch starts a new child and parses right."""
    raws = built_mails()
    batch = worker.parse_all([(101 + i, raw) for i, raw in enumerate(raws)])
    uid, raw, parse, _known = next(batch)
    assert comparable(parse(raw)) == comparable(mime.parse(raws[0]))
    batch.close()
    assert worker.process is None and started[0].returncode is not None

    results = run(worker, raws[1:])
    assert [m.message_id for *_, m in results] == ["<reply@mail.gmail.com>", "<html@outlook.com>"]
    assert len(started) == 2


def test_stop_ends_the_child_and_a_stopped_worker_starts_again_on_the_next_batch(
        worker, started):
    """stop() ends the child (it reads end-of-file and exits); the next batch starts another."""
    run(worker, built_mails()[:1])
    first = worker.process
    worker.stop()
    assert worker.process is None and first.returncode == 0

    [(_, raw, parse, mail)] = run(worker, built_mails()[:1])
    assert parse is not mime.parse and mail.message_id == "<plain@mail.gmail.com>"
    assert len(started) == 2 and started[1].poll() is None, "running until the fixture stops it"
    worker.stop()
    worker.stop()  # twice is harmless
    assert started[1].returncode == 0


def test_a_worker_dying_with_messages_in_hand_is_blamed_for_its_own_only(worker, started):
    """Found in review: killed with eight messages in hand, the old worker's answers were read
    for the messages a new worker was given. Now every message gets its own parse, or a
    ParserFailed; never another message's; and a new worker (not the gateway's own process)
    parses the rest, in order."""
    raws = [mails.report(message_id=f"<w{n}@x.id>", subject=f"S{n}") for n in range(16)]
    results, parsers = [], []
    for uid, raw, parse, _known in worker.parse_all(list(enumerate(raws))):
        if uid == 0:
            worker.process.kill()
            worker.process.wait()
        parsers.append(parse)
        try:
            results.append((uid, parse(raw).message_id))
        except ParserFailed:
            results.append((uid, None))
    assert [uid for uid, _ in results] == list(range(16))
    assert all(got in (f"<w{uid}@x.id>", None) for uid, got in results)
    assert sum(got is None for _, got in results) <= 1 and results[-1][1] == "<w15@x.id>"
    assert not any(parse is mime.parse for parse in parsers), "all by a worker"
    assert len(started) == 2, "one new worker took the rest"
