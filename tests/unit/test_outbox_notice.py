"""A notice queued unrendered is kept as JSON and comes back the same (a tuple in its context
as a list, which templates read alike); one whose context JSON cannot carry is not queued that
way (rendered at once instead)."""
from datetime import datetime

from gateway.domain import Address, Notice
from gateway.store.outbox import _notice_from_json, _notice_json


def notice(**context) -> Notice:
    return Notice(template="agent_new_ticket", to=Address("budi@lkpp.example", "Budi"),
                  language="id", context={"ref": "LDP-000001", "attachments": ["a.pdf"],
                                          "notes": [{"author": "Sari", "text": "cek log"}],
                                          "valid": True, "count": 3, **context},
                  ticket_ref="LDP-000001", in_reply_to="<r@x.id>", references=("<a@x>", "<b@x>"),
                  auto_submitted="auto-generated", message_id="<ldp.ldp-000001.x@lpse.example>")


def test_a_notice_comes_back_from_json_the_same():
    original = notice(text="Tidak bisa login — é 中")
    assert _notice_from_json(_notice_json(original)) == original


def test_a_tuple_in_the_context_comes_back_a_list():
    back = _notice_from_json(_notice_json(notice(pair=("a", "b"))))
    assert back.context["pair"] == ["a", "b"] and back.references == ("<a@x>", "<b@x>")


def test_a_context_json_cannot_carry_is_refused():
    assert _notice_json(notice(when=datetime(2026, 11, 29))) is None
    assert _notice_json(notice(raw=b"bytes")) is None


def test_the_l0_keepers_notice_travels_in_the_reporters_lane():
    """Reporter mail and the L0 keeper's update are priority 0 (claimed first, in the order
    queued); every other agent notice is 1."""
    from gateway.store import outbox
    assert [outbox.priority(t) for t in ("reporter_resolved", "agent_keeper_update",
                                          "agent_info", "agent_handover")] == [0, 0, 1, 1]
