"""The pure parts of followers: which addresses of a report become followers, the one line a
reporter or a follower may write, the agents' #follow/#unfollow lines as planned, and a
notice's copies as the composer writes them and the outbox keeps them."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.compose import Composer
from gateway.desk.parse import parse_line
from gateway.desk.plan import actor_for, make_plan
from gateway.desk.parse import parse_block
from gateway.domain import Address, Level, Notice, Priority, Status, Ticket
from gateway.parsers import followers
from gateway.parsers.followers import Unfollow, from_report, plain_email, unfollow_line
from gateway.store.outbox import _notice_from_json, _notice_json
from tests import mails
from tests.conftest import make_settings

BUDI, SARI = "budi@lkpp.example", "sari@lkpp.example"
RINA, BOS = "rina@example.org", "bos@example.org"
DESK = {"helpdesk@lpse.example", BUDI, SARI, RINA}


def a(email: str, name: str = "") -> Address:
    return Address(email, name)


# -- which addresses of a report become followers --------------------------------------------
def test_the_desk_agents_reporter_role_mailboxes_and_repeats_are_left_out():
    chosen = from_report(
        [a("helpdesk@lpse.example"), a(BOS, "Pak Bos")],
        [a(BUDI), a(RINA), a("postmaster@example.org"), a("No-Reply@example.org"),
         a(BOS), a("ppk@example.org")], excluded=DESK)
    assert chosen.followers == (a(BOS, "Pak Bos"), a("ppk@example.org"))
    assert (chosen.left_out, chosen.left_out_count) == ((), 0)


def test_subaddresses_of_the_desk_are_the_desk():
    chosen = from_report([a("Helpdesk+LPSE@lpse.example"), a("helpdesk@other.example")],
                         [a("helpdesk2@lpse.example")], excluded=DESK,
                         desk="helpdesk@lpse.example")
    assert [f.email for f in chosen.followers] == ["helpdesk@other.example",
                                                   "helpdesk2@lpse.example"]


def test_at_most_ten_and_the_rest_counted_with_ten_named():
    chosen = from_report([], [a(f"u{i}@example.org") for i in range(5000)], excluded=DESK)
    assert [f.email for f in chosen.followers] == [f"u{i}@example.org" for i in range(10)]
    assert chosen.left_out == tuple(f"u{i}@example.org" for i in range(10, 20))
    assert chosen.left_out_count == 4990


@pytest.mark.parametrize("email, kept", [
    ("Bos@Example.ORG", "bos@example.org"),
    ("bos@bücher.example", "bos@xn--bcher-kva.example"),  # sent in its ASCII form
    ("rína@example.org", None),  # plain SMTP cannot carry it
    ('"a, b"@example.org', None),  # would split the list of recipients
    ("a b@example.org", None), ("no-at-sign", None), ("", None), ("x@" + "d" * 260, None),
    ("bos@example.org>, evil@example.org", None),
])
def test_an_address_is_kept_only_in_the_form_smtp_carries(email, kept):
    assert plain_email(email) == kept


# -- the one line a reporter or follower may write ---------------------------------------------
@pytest.mark.parametrize("text, wanted", [
    ("#berhenti-ikuti", Unfollow(None)),
    ("\n\n  #Unfollow  \nTerima kasih", Unfollow(None)),
    (f"#berhenti-ikuti {BOS}", Unfollow(BOS)),
    (f"#berhenti-ikuti <{BOS.upper()}>", Unfollow(BOS)),
    (f"#unfollow mailto:{BOS}", Unfollow(BOS)),
    ("#berhenti-ikuti bukan-alamat", Unfollow(None, valid=False)),
    (f"#berhenti-ikuti {BOS} dan lainnya", None),  # more than the word and one address
    ("berhenti-ikuti", None), ("Mohon #berhenti-ikuti", None),
    ("#selesai\n#berhenti-ikuti", None),  # only the first line counts
    ("Terima kasih.\n#berhenti-ikuti", None), ("", None),
])
def test_the_unfollow_line_is_the_whole_first_line_and_nothing_else(text, wanted):
    assert unfollow_line(text) == wanted


# -- the agents' commands ------------------------------------------------------------------------
def settings():
    return make_settings(Path("/nonexistent"), "sqlite:///:memory:")


def ticket() -> Ticket:
    return Ticket(1, "LDP-000001", "Tidak bisa login", Address(RINA, "Rina"), Level.L0,
                  "l0-lkpp", Status.OPEN, Priority.NORMAL, None, None, "id")


def planned(block: str, following=(BOS,)):
    config = settings()
    commands, body = parse_block(block)
    return make_plan(ticket(), commands, body, actor_for(config.agent(BUDI), config), config,
                     followers=following)


def test_follow_and_unfollow_change_the_followers_and_nothing_of_the_ticket():
    plan = planned("#ikuti PPK@Example.org\n#berhenti-ikuti bos@example.org")
    assert plan.ok
    assert [[(c.field, c.old, c.new) for c in s.changes] for s in plan.steps] == [
        [("followers", BOS, f"{BOS}, ppk@example.org")],
        [("followers", f"{BOS}, ppk@example.org", "ppk@example.org")]]
    assert plan.after.followers == ("ppk@example.org",)
    assert plan.changes == {}  # no field of the ticket row


@pytest.mark.parametrize("block, code", [
    (f"#ikuti {SARI}", "follower_is_desk"),
    ("#follow HELPDESK@lpse.example", "follower_is_desk"),
    ("#follow helpdesk+x@lpse.example", "follower_is_desk"),
    (f"#ikuti {RINA}", "follower_is_reporter"),
    (f"#ikuti {BOS}", "follows_already"),
    ("#unfollow ppk@example.org", "not_a_follower"),
    ("#ikuti", "needs_email"), ("#ikuti bos", "needs_email"),
    (f"#ikuti {BOS} ppk@example.org", "needs_email"),
])
def test_the_commands_refuse_the_desk_the_reporter_repeats_and_what_is_no_address(block, code):
    plan = planned(block)
    assert [s.error.code if s.error else None for s in plan.steps] == [code]


def test_an_eleventh_follower_is_refused():
    many = tuple(f"u{i}@example.org" for i in range(followers.MAX_FOLLOWERS))
    plan = planned("#ikuti ppk@example.org", following=many)
    assert plan.steps[0].error.code == "too_many_followers"


def test_the_parser_reads_one_address_in_the_form_smtp_carries():
    command = parse_line("#IKUTI <Bos@Bücher.example>")
    assert (command.name, command.args, command.error) == (
        "follow", ("bos@xn--bcher-kva.example",), None)


# -- copies on the mail ------------------------------------------------------------------------
def notice(**extra) -> Notice:
    return Notice(template="reporter_reply", to=Address(RINA, "Rina Wati"), language="id",
                  context={"ref": "LDP-000001", "subject": "Login", "status": "open",
                           "reporter_name": "Rina Wati", "message": "Halo"},
                  ticket_ref="LDP-000001", **extra)


def test_the_copies_are_a_cc_header_and_envelope_recipients():
    composer = Composer(support_address="helpdesk@lpse.example", support_name="LDP",
                        domain="lpse.example", loop_marker="helpdesk@lpse.example")
    mail = composer.render(notice(cc=(Address(BOS, "Bambang, Kabag"),
                                      Address("ppk@example.org"))))
    assert mail.recipients == (RINA, BOS, "ppk@example.org")
    parsed = mails.parse(mail.raw)
    assert str(parsed["Cc"]) == f'"Bambang, Kabag" <{BOS}>, ppk@example.org'
    assert str(parsed["To"]) == f"Rina Wati <{RINA}>"
    assert b"\r\nCc: " not in composer.render(notice()).raw


def test_the_outbox_keeps_a_notices_copies_and_reads_old_rows_without_them():
    copied = notice(cc=(Address(BOS, "Bos"),), message_id="<x@lpse.example>")
    assert _notice_from_json(_notice_json(copied)) == copied
    old = _notice_json(notice(message_id="<y@lpse.example>")).replace(b', "cc": []', b"")
    assert b'"cc"' not in old and _notice_from_json(old).cc == ()


def test_the_reporter_in_either_spelling_of_a_unicode_domain_is_no_follower():
    """rina@bücher.example reports and copies rina@xn--bcher-kva.example (or the reverse):
    one person, never her own follower."""
    for reporter, copied in (("rina@bücher.example", "rina@xn--bcher-kva.example"),
                             ("rina@xn--bcher-kva.example", "rina@bücher.example")):
        assert from_report([], [a(copied)], excluded={reporter}).followers == ()


def test_follow_refuses_the_reporter_by_the_ascii_form_of_her_domain():
    config = settings()
    idn = Ticket(1, "LDP-000001", "x", Address("rina@bücher.example"), Level.L0, "l0-lkpp",
                 Status.OPEN, Priority.NORMAL, None, None, "id")
    commands, body = parse_block("#ikuti rina@xn--bcher-kva.example")
    plan = make_plan(idn, commands, body, actor_for(config.agent(BUDI), config), config)
    assert plan.steps[0].error.code == "follower_is_reporter"
