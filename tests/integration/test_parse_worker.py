"""The parse worker: a child process parsing a few messages ahead of intake. Its results are
mime.parse's, in order; a message that hangs or kills it is reported as ParserFailed (then
quarantined) while a new worker parses the rest; without a worker, intake parses by itself."""
from __future__ import annotations

import pytest

from gateway import childproc
from gateway.errors import MalformedMail, TemporaryFailure
from gateway.parse_worker import INLINE_BYTES, MAX_STARTS, ParserFailed, ParseWorker
from gateway.parsers import mime
from tests import mails

pytestmark = pytest.mark.integration


def varied_mails() -> list[bytes]:
    return [
        mails.report(subject="Tidak bisa login SPSE", message_id="<p1@x.id>"),
        mails.report(subject="Lampiran", message_id="<p2@x.id>",
                     attachments=[("bukti.pdf", "application/pdf", b"%PDF-1.4 " * 300)]),
        mails.report(subject="HTML saja", message_id="<p3@x.id>", body=None,
                     html="<p>Halo <b>tim</b> LPSE</p>"),
        mails.report(subject="Re: Tidak bisa login", message_id="<p4@x.id>",
                     in_reply_to="<p1@x.id>", references="<p1@x.id>"),
        mails.report(subject="Ünïcödé sübjéct ✓", message_id="<p5@x.id>",
                     body="Mohon bantuan, é ü 中文\n" * 40),
    ]


@pytest.fixture
def worker():
    made = ParseWorker(time_limit=30)
    yield made
    made.stop()
    assert made.process is None


def parsed(worker, raws):
    return [(uid, parse(raw)) for uid, raw, parse in
            worker.parse_all((uid, raw) for uid, raw in enumerate(raws, start=100))]


def test_the_workers_results_are_mime_parse_s_in_order(worker):
    raws = varied_mails()
    results = parsed(worker, raws)
    assert [uid for uid, _ in results] == list(range(100, 100 + len(raws)))
    for (_, mail), raw in zip(results, raws):
        assert mail == mime.parse(raw)
        assert mail.raw is raw or mail.raw == raw
    assert worker.process is not None, "parsed in the child, not in-process"


def test_a_large_message_is_parsed_in_the_gateway_s_own_process(worker):
    big = mails.report(subject="Besar", message_id="<big@x.id>",
                       attachments=[("data.bin", "application/octet-stream",
                                     bytes(range(256)) * (INLINE_BYTES // 256 + 10))])
    assert len(big) > INLINE_BYTES
    [(uid, raw, parse)] = list(worker.parse_all([(1, big)]))
    assert parse is mime.parse


def test_malformed_mail_is_reported_as_malformed(worker):
    [(_, raw, parse)] = list(worker.parse_all([(1, b"no header at all, just words " * 10)]))
    with pytest.raises(MalformedMail):
        parse(raw)


def test_a_message_over_the_time_limit_fails_alone_and_a_new_worker_parses_the_rest(worker):
    worker.time_limit = 0.000001  # no answer can come this fast: the worker is stopped
    raws = varied_mails()
    items = iter(worker.parse_all(enumerate(raws)))
    _, raw, parse = next(items)
    with pytest.raises(ParserFailed, match="longer than"):
        parse(raw)
    worker.time_limit = 30
    rest = [(parse(raw)) for _, raw, parse in items]
    assert rest == [mime.parse(raw) for raw in raws[1:]]


def test_a_killed_worker_fails_only_the_message_it_had(worker):
    raws = varied_mails()
    items = iter(worker.parse_all(enumerate(raws)))
    _, raw, parse = next(items)
    assert parse(raw) == mime.parse(raw)
    first = worker.process
    first.kill()
    first.wait()
    outcomes = []
    for _, raw, parse in items:
        try:
            outcomes.append(parse(raw) == mime.parse(raw))
        except ParserFailed as exc:
            assert "died" in str(exc)
            outcomes.append("failed")
    # The messages already handed to the dead worker fail; those after go to a new one.
    assert outcomes[-1] is True and outcomes.count("failed") >= 1
    assert worker.process is not None and worker.process is not first


def test_without_a_worker_intake_parses_by_itself(monkeypatch, worker):
    def refuse(module, *arguments):
        raise TemporaryFailure("cannot start: no processes left")
    monkeypatch.setattr(childproc, "start", refuse)
    raws = varied_mails()
    results = list(worker.parse_all(enumerate(raws)))
    assert all(parse is mime.parse for _, _, parse in results)
    assert worker.unavailable


def test_a_worker_that_keeps_dying_is_given_up_after_max_starts(monkeypatch, worker):
    """Started again and again without one answer (it dies at once): parsing goes in-process."""
    real_start = childproc.start

    def dying(module, *arguments):
        process, pipe = real_start("gateway.childproc_missing_module")
        return process, pipe
    monkeypatch.setattr(childproc, "start", dying)
    raws = varied_mails() * 2
    results = []
    for _, raw, parse in worker.parse_all(enumerate(raws)):
        try:
            results.append(parse(raw) == mime.parse(raw))
        except ParserFailed:
            results.append("failed")
    assert worker.starts == MAX_STARTS and worker.unavailable
    assert results[-1] is True, "parsed in-process once the worker was given up"

