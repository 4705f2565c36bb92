"""Routing a new mail through compiled rules: each condition, each action, order and merging."""
from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gateway.routing
from gateway.domain import Address, Attachment, InboundMail, Level, Priority, RoutingDecision
from gateway.routing.chain import BODY_LIMIT, MailView, route
from gateway.routing.language import compile_keywords, detect_language, words
from gateway.routing.rules import compile_rules

TEAMS = {"l0-lkpp": Level.L0, "l0-telkom": Level.L0}
CATEGORIES = ("pertanyaan-umum", "akun", "tender", "email", "spse", "sikap", "lainnya")
AGENTS = ("rina@lkpp.go.id",)
DEFAULT_RULES = Path(gateway.routing.__file__).with_name("default_rules.toml")


def make_mail(subject="", body="", *, sender="budi@vendor.co.id", to=("helpdesk@lkpp.go.id",),
              cc=(), headers=None, attachments=()) -> InboundMail:
    """An InboundMail with the routed fields filled in directly; digest and raw are dummies."""
    return InboundMail(
        message_id="<test@example>", sender=Address(sender) if sender else None,
        to=tuple(map(Address, to)), cc=tuple(map(Address, cc)), reply_to=(), subject=subject,
        date=None, in_reply_to=(), references=(), text=body, html="",
        attachments=tuple(Attachment(name, kind, b"%PDF") for name, kind in attachments),
        headers={name.lower(): tuple(values) for name, values in (headers or {}).items()},
        digest="0" * 64, raw=b"",
    )


def hits(when: dict, mail: InboundMail) -> bool:
    """Whether a single rule with this condition matches the mail."""
    rules = compile_rules([{"name": "r", "when": when, "team": "l0-lkpp"}], teams=TEAMS,
                          categories=CATEGORIES)
    return route(rules, mail, default_team="l0-telkom").matched == ("r",)


def decide(rules: list[dict], mail: InboundMail) -> RoutingDecision:
    compiled = compile_rules(rules, teams=TEAMS, categories=CATEGORIES, agents=AGENTS)
    return route(compiled, mail, default_team="l0-telkom")


def test_from_matches_an_address_glob_case_insensitively():
    """`from` compares the sender's address, in any case, with the glob."""
    assert hits({"from": "*@lkpp.go.id"}, make_mail(sender="Rina@LKPP.go.id"))
    assert not hits({"from": "*@lkpp.go.id"}, make_mail(sender="rina@lkpp.go.id.evil.com"))


def test_from_domain_glob_matches_any_mailbox_of_that_domain():
    """A glob without "@" is a domain: "*.go.id" matches every government subdomain."""
    assert hits({"from": "*.go.id"}, make_mail(sender="ppk@lpse.jakarta.go.id"))
    assert not hits({"from": "*.go.id"}, make_mail(sender="ppk@gmail.com"))


def test_from_never_matches_a_mail_without_sender():
    """A mail with no parseable sender matches no `from` glob, even "*"."""
    assert not hits({"from": "*"}, make_mail(sender=None))


def test_to_matches_any_to_or_cc_recipient():
    """`to` looks at every To and Cc address."""
    mail = make_mail(to=("someone@vendor.co.id",), cc=("LPSE@lkpp.go.id",))
    assert hits({"to": ["lpse@*"]}, mail)
    assert not hits({"to": "helpdesk@*"}, mail)


def test_keywords_match_whole_words_in_any_case():
    """Keywords ignore case but never match inside a longer word."""
    when = {"subject": {"keywords": ["login"]}}
    assert hits(when, make_mail("Tidak bisa LOGIN ke SPSE"))
    assert not hits(when, make_mail("relogin berhasil"))
    assert not hits(when, make_mail("loginpage rusak"))


def test_keywords_accept_indonesian_enclitics_and_any_whitespace():
    """"passwordnya" matches "password", and a line break between words still matches a phrase."""
    assert hits({"body": {"keywords": ["password"]}}, make_mail(body="Passwordnya salah terus"))
    assert hits({"body": {"keywords": ["lupa password"]}}, make_mail(body="saya lupa\n  password"))


def test_keyword_with_star_accepts_any_ending():
    """"unggah*" matches "unggahan" and "unggah", but not "mengunggah"."""
    when = {"body": {"keywords": ["unggah*"]}}
    assert hits(when, make_mail(body="Unggahan dokumen gagal"))
    assert hits(when, make_mail(body="tidak bisa unggah"))
    assert not hits(when, make_mail(body="saat mengunggah dokumen"))


def test_subject_body_and_text_read_their_own_parts():
    """`subject` reads only the subject, `body` only the body, `text` either."""
    mail = make_mail("Akun terkunci", "Mohon dibantu")
    assert hits({"subject": {"keywords": ["terkunci"]}}, mail)
    assert not hits({"body": {"keywords": ["terkunci"]}}, mail)
    assert hits({"text": {"keywords": ["terkunci"]}}, mail)
    assert hits({"text": {"keywords": ["dibantu"]}}, mail)


def test_regex_is_case_insensitive_unless_marked():
    """A regex ignores case; `(?-i:...)` makes a part case-sensitive."""
    mail = make_mail("Masalah SIKaP", "kode: AB-1234")
    assert hits({"body": {"regex": r"\bab-\d{4}\b"}}, mail)
    assert hits({"subject": {"regex": "(?-i:SIKaP)"}}, mail)
    assert not hits({"subject": {"regex": "(?-i:sikap)"}}, mail)
    assert hits({"subject": {"regex": "MASALAH"}}, mail)
    assert hits({"subject": {"regex": r"\x41"}}, mail)


def test_header_condition_checks_every_value_of_the_header():
    """`header` matches if any value of the named header passes equals, keywords or regex."""
    mail = make_mail(headers={"X-Mailer": ["Outlook", "LPSE Notifier 4.5"]})
    assert hits({"header": {"name": "x-mailer", "keywords": ["lpse"]}}, mail)
    assert hits({"header": {"name": "X-Mailer", "equals": "outlook"}}, mail)
    assert hits({"header": {"name": "X-Mailer", "regex": r"notifier \d"}}, mail)
    assert not hits({"header": {"name": "X-Mailer", "equals": "lpse"}}, mail)
    assert not hits({"header": {"name": "X-Mailer", "equals": "notifier 4.5"}}, mail)
    assert not hits({"header": {"name": "X-Other", "regex": ".*"}}, mail)


def test_has_attachment_and_attachment_type():
    """`has_attachment` tests for any attachment; `attachment_type` for one of the content types."""
    pdf = make_mail(attachments=[("penawaran.pdf", "application/PDF")])
    bare = make_mail()
    assert hits({"has_attachment": True}, pdf) and hits({"has_attachment": False}, bare)
    assert not hits({"has_attachment": True}, bare)
    assert hits({"attachment_type": ["image/*", "application/pdf"]}, pdf)
    assert not hits({"attachment_type": "image/*"}, pdf)


def test_language_condition_uses_the_detected_language():
    """`language` compares with the language detected in the subject and body."""
    indonesian = make_mail("Mohon bantuan", "Saya tidak bisa masuk ke aplikasi dan akun terkunci.")
    assert hits({"language": "id"}, indonesian)
    assert not hits({"language": "en"}, indonesian)


def test_all_any_and_not_combine_conditions():
    """all needs every part, any needs one, not inverts; keys of one table are an implicit all."""
    mail = make_mail("Gagal login", sender="ppk@lkpp.go.id")
    login, lkpp, telkom = ({"subject": {"keywords": ["login"]}}, {"from": "*@lkpp.go.id"},
                           {"from": "*@telkom.co.id"})
    assert hits({"all": [login, lkpp]}, mail)
    assert not hits({"all": [login, telkom]}, mail)
    assert hits({"any": [telkom, login]}, mail)
    assert not hits({"any": [telkom, {"not": login}]}, mail)
    assert hits({"not": telkom, **login}, mail)


def test_first_matching_rule_decides_and_stops():
    """Without continue, the first match sets the decision and later rules are not tried."""
    decision = decide([
        {"name": "nope", "when": {"from": "*@x.id"}, "team": "l0-lkpp"},
        {"name": "first", "when": {"subject": {"keywords": ["spse"]}}, "team": "l0-lkpp",
         "category": "spse", "priority": "high", "tags": ["spse"]},
        {"name": "second", "category": "lainnya"},
    ], make_mail("Error SPSE", "tolong dicek"))
    assert decision == RoutingDecision(
        team="l0-lkpp", category="spse", priority=Priority.HIGH, tags=("spse",),
        matched=("first",), tried=("nope", "first"), application="SPSE",
    )


def test_continue_merges_first_set_wins_and_tags_accumulate():
    """Continuing rules add their actions; a later match fills only unset fields; tags add up."""
    decision = decide([
        {"name": "urgent", "when": {"text": {"keywords": ["deadline"]}}, "priority": "urgent",
         "tags": ["tenggat"], "continue": True},
        {"name": "akun", "when": {"text": {"keywords": ["password"]}}, "category": "akun",
         "tags": ["tenggat", "akun"], "continue": True},
        {"name": "high", "when": {"text": {"keywords": ["password"]}}, "priority": "high",
         "category": "lainnya", "tags": ["x"], "continue": True},
        {"name": "team", "team": "l0-lkpp", "category": "lainnya", "assignee": "RINA@lkpp.go.id",
         "language": "en"},
        {"name": "never", "team": "l0-telkom"},
    ], make_mail("Reset password", "deadline sore ini"))
    assert decision == RoutingDecision(
        team="l0-lkpp", category="akun", priority=Priority.URGENT,
        tags=("tenggat", "akun", "x"), assignee="rina@lkpp.go.id", language="en",
        matched=("urgent", "akun", "high", "team"), tried=("urgent", "akun", "high", "team"),
    )


def test_drop_stops_evaluation_and_keeps_what_was_set():
    """A drop rule ends routing at once, even after continuing rules, and skips detection."""
    decision = decide([
        {"name": "tag", "tags": ["dilihat"], "continue": True},
        {"name": "spam", "when": {"text": {"keywords": ["slot gacor"]}}, "drop": True,
         "tags": ["spam"]},
        {"name": "team", "team": "l0-lkpp"},
    ], make_mail("Promo SLOT GACOR hari ini", "Saya yang dan untuk dari ini"))
    assert decision == RoutingDecision(
        team="l0-telkom", tags=("dilihat", "spam"), drop=True, matched=("tag", "spam"),
        tried=("tag", "spam"),
    )


def test_default_team_and_detected_language_when_no_rule_sets_them():
    """With no match, the decision has the default team, normal priority and detected language."""
    decision = decide([{"name": "lkpp", "when": {"from": "*@lkpp.go.id"}, "team": "l0-lkpp"}],
                      make_mail("Please help", "I cannot open the page, could you help me?"))
    assert decision == RoutingDecision(team="l0-telkom", language="en", tried=("lkpp",))


def test_body_beyond_the_limit_is_not_read():
    """Only the first BODY_LIMIT characters of the body are matched."""
    padding, when = "isi " * (BODY_LIMIT // 4), {"body": {"keywords": ["kode aktivasi"]}}
    assert not hits(when, make_mail(body=padding + "kode aktivasi"))
    assert hits(when, make_mail(body="kode aktivasi " + padding))


def test_non_ascii_text_is_split_into_words_the_same_way():
    """Keywords match in text with non-ASCII punctuation and letters ("“akun”", "café")."""
    mail = make_mail(body="Status “akunnya” terkunci… café")
    assert hits({"body": {"keywords": ["akun"]}}, mail)
    assert hits({"body": {"keywords": ["café"]}}, mail)
    assert not hits({"body": {"keywords": ["caf"]}}, mail)


@pytest.mark.parametrize(("text", "language"), [
    ("Selamat pagi, saya tidak bisa login ke aplikasi SPSE. Mohon bantuan.", "id"),
    ("Good morning, I cannot log in to the SPSE application. Please help.", "en"),
    ("SPSE 4.5 error 500", None),
    ("the yang", None),
])
def test_detect_language_reads_stopwords(text, language):
    """detect_language answers "id" or "en" only when the stopwords clearly lean one way."""
    assert detect_language(text) == language


def default_route(mail: InboundMail) -> RoutingDecision:
    rules = compile_rules(tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))["rules"],
                          teams=TEAMS, categories=CATEGORIES, source="default_rules.toml")
    return route(rules, mail, default_team="l0-telkom")


def test_default_rules_route_a_locked_account_from_a_vendor_to_telkom():
    """A vendor's locked SPSE account: category akun, tagged spse, on Telkom's L0 team."""
    decision = default_route(make_mail(
        "Akun SPSE terkunci",
        "Selamat siang, akun saya terkunci setelah salah password tiga kali. Mohon bantuannya.",
        sender="admin@cv-maju-jaya.co.id"))
    assert decision == RoutingDecision(
        team="l0-telkom", category="akun", tags=("spse",), language="id", application="SPSE",
        matched=("akun", "spse", "resolution-center"), tried=(
            "auto-reply", "spam", "urgent-deadline", "akun", "tender", "email", "spse", "sikap",
            "pertanyaan-umum", "lkpp-staff", "resolution-center"),
    )


def test_default_rules_route_an_urgent_upload_failure_from_lkpp_to_lkpp():
    """An LKPP officer's failed upload on a tender closing today: urgent, tender, on l0-lkpp."""
    decision = default_route(make_mail(
        "Gagal unggah dokumen penawaran",
        "Penyedia tidak bisa upload dokumen di SPSE, padahal tender hari ini ditutup pukul 15.00.",
        sender="pokja.jasa@lkpp.go.id"))
    assert (decision.team, decision.category, decision.priority, decision.tags) == (
        "l0-lkpp", "tender", Priority.URGENT, ("tenggat", "spse"))
    assert decision.matched == ("urgent-deadline", "tender", "spse", "lkpp-staff")


def test_default_rules_route_a_missing_activation_mail_as_email():
    """An activation code that never arrived: category email on Telkom's team."""
    decision = default_route(make_mail(
        "Kode aktivasi tidak masuk", "Saya sudah daftar tapi email aktivasinya tidak diterima.",
        sender="direktur@pt-sentosa.com"))
    assert (decision.team, decision.category, decision.priority, decision.tags) == (
        "l0-telkom", "email", Priority.NORMAL, ())
    assert decision.matched == ("email", "resolution-center")


def test_default_rules_route_a_sikap_question_by_subject():
    """A SIKaP question gets category sikap by its subject, though "sikap" alone is everyday."""
    decision = default_route(make_mail(
        "Pertanyaan SIKaP", "Bagaimana cara menambah data kinerja penyedia di aplikasi?",
        sender="ppk@pu.go.id"))
    assert (decision.team, decision.category, decision.tags) == ("l0-telkom", "sikap", ("sikap",))
    assert decision.matched == ("sikap", "pertanyaan-umum", "resolution-center")


def test_default_rules_drop_an_out_of_office_reply():
    """An Indonesian out-of-office reply is dropped: recorded, no ticket, no reply."""
    decision = default_route(make_mail(
        "Balasan otomatis: Re: [LDP-000123] Akun terkunci",
        "Saya sedang cuti sampai 5 Januari.", sender="budi@lkpp.go.id"))
    assert (decision.drop, decision.team, decision.tags, decision.matched) == (
        True, "l0-telkom", ("auto-reply",), ("auto-reply",))


def test_default_rules_leave_an_everyday_sikap_in_the_body_alone():
    """The word "sikap" (attitude) in a body is not the SIKaP product: category lainnya."""
    decision = default_route(make_mail(
        "Keluhan layanan", "Sikap petugas kurang ramah saat saya menelepon.",
        sender="warga@gmail.com"))
    assert (decision.team, decision.category, decision.tags) == ("l0-telkom", "lainnya", ())


_CHARS = "akun pswrd-.#*_1é“”\n\t"


@settings(max_examples=400, deadline=None)
@given(keywords=st.lists(st.text(_CHARS, min_size=1, max_size=8).filter(str.strip), min_size=1,
                         max_size=3),
       text=st.text(_CHARS + "AKUNÉ", max_size=40))
def test_word_lookup_gives_the_same_answer_as_the_regex(keywords, text):
    """Looking words up first never changes the answer of the keywords' alternation regex."""
    compiled = compile_keywords(keywords)
    lowered = text.lower()
    expected = compiled.pattern.search(lowered) is not None
    assert compiled.search(lowered, words(lowered)) == expected


@pytest.mark.filterwarnings("ignore:Possible:FutureWarning")  # "[[", "--", "||" in sets
@settings(max_examples=300, deadline=None)
@given(regex=st.text("aAbB.\\swWS*+?[]^$-(|)", min_size=1, max_size=8),
       text=st.text("aAbB \n-", max_size=12))
def test_regex_matches_as_with_ignorecase_on_the_original(regex, text):
    """However a regex is run (lower-cased text or IGNORECASE), it matches like IGNORECASE would."""
    try:
        expected = re.search(regex, text, re.IGNORECASE) is not None
    except re.error:
        assume(False)
    assert hits({"body": {"regex": regex}}, make_mail(body=text)) == expected


# ---- indexed routing against straightforward evaluation ---------------------------------------

_VOCABULARY = (
    "akun login password passwordnya akunku tidak bisa gagal lupa reset dokumen penawaran unggah "
    "unggahan mengunggah spse lpse sikap kode error yang dan the and please help cafe status "
    "deadline hari ini tender batas waktu email aktivasi masuk 123 4567 re fwd"
).split()
_REGEXES = (r"kode\s*[:#]?\s*\d+", r"(?:login|masuk)\s+gagal", r"^re:", r"err(or)?", r"SPSE",
            r"(?-i:SPSE)", r"\bpass(word)?nya\b", r"(akun|login)+", r"[0-9]{3}", r"caf[eé]",
            r"tidak\s+bisa|gagal", r"^\s*$", r"(?i:Tender)\s+hari", r"d(?:eadline|okumen)")
_GLOBS = {"from": ("*@lkpp.go.id", "lkpp.go.id", "*.go.id", "rina@*", "?udi@*"),
          "to": ("helpdesk@*", "lpse@lkpp.go.id", "*@*.example"),
          "attachment_type": ("image/*", "application/pdf", "*/*")}


def _keyword(rng) -> str:
    phrase = " ".join(rng.choice(_VOCABULARY) for _ in range(rng.choice((1, 1, 2, 3))))
    return phrase + "*" if rng.random() < 0.1 else phrase.upper() if rng.random() < 0.1 else phrase


def _random_when(rng, depth: int = 0) -> dict:
    kind = rng.random()
    if depth < 2 and kind < 0.2:
        parts = [_random_when(rng, depth + 1) for _ in range(rng.randint(1, 3))]
        return {rng.choice(("all", "any")): parts}
    if depth < 2 and kind < 0.28:
        return {"not": _random_when(rng, depth + 1)}
    if kind < 0.6:
        keywords = [_keyword(rng) for _ in range(rng.randint(1, 4))]
        return {rng.choice(("subject", "body", "text")): {"keywords": keywords}}
    if kind < 0.75:
        return {rng.choice(("subject", "body", "text")): {"regex": rng.choice(_REGEXES)}}
    if kind < 0.88:
        field = rng.choice(tuple(_GLOBS))
        return {field: rng.sample(_GLOBS[field], rng.randint(1, 2))}
    if kind < 0.94:
        test = rng.choice(({"keywords": ["outlook", "lpse notifier"]}, {"equals": "Outlook"},
                           {"regex": r"\d+\.\d"}))
        return {"header": {"name": "X-Mailer", **test}}
    if kind < 0.97:
        return {"has_attachment": rng.random() < 0.5}
    return {"language": rng.choice(("en", "id"))}


def _random_rules(rng) -> list[dict]:
    rules = []
    for index in range(rng.randint(1, 12)):
        rule = {"name": f"r{index}", "when": _random_when(rng)}
        if rng.random() < 0.05:
            rule.pop("when")
        actions = {"team": rng.choice(tuple(TEAMS)), "category": rng.choice(CATEGORIES),
                   "priority": rng.choice(("low", "high", "urgent")), "tags": [f"t{index % 3}"],
                   "assignee": AGENTS[0], "language": rng.choice(("id", "en"))}
        rule.update(rng.sample(sorted(actions.items()), rng.randint(1, 3)))
        if rng.random() < 0.1:
            rule["drop"] = True
        elif rng.random() < 0.6:
            rule["continue"] = True
        rules.append(rule)
    return rules


def _random_mail(rng) -> InboundMail:
    def text(count: int) -> str:
        glue = (" ", " ", " ", ", ", ".\n", "-", "\t", ":")
        return "".join(rng.choice(_VOCABULARY) + rng.choice(glue) for _ in range(count))
    # Some bodies pass SAMPLE_CHARS (detect_language reads only their head) and some are not
    # ASCII, so both ways of finding words and language are compared.
    body = text(rng.choice((0, 5, 30, 400)))
    if rng.random() < 0.2:
        body = body.replace("a", "Ä", 1).replace("cafe", "café").replace(" ", " “", 1)
    return make_mail(
        ("Re: " if rng.random() < 0.3 else "") + text(rng.randint(0, 6)).title(), body,
        sender=rng.choice(("budi@lkpp.go.id", "Rina@Pemkab-Bogor.go.id", "x@gmail.com", None)),
        to=rng.sample(("helpdesk@lkpp.go.id", "lpse@lkpp.go.id", "a@b.example"), 1),
        cc=rng.sample(("helpdesk@vendor.co.id", "c@d.example"), rng.randint(0, 1)),
        headers={"X-Mailer": [rng.choice(("Outlook 16.0", "LPSE Notifier 4.5", " outlook "))]},
        attachments=rng.sample((("a.pdf", "application/pdf"), ("b.png", "image/PNG")),
                               rng.randint(0, 1)))


def straightforward_route(rules, mail: InboundMail, default_team: str) -> RoutingDecision:
    """The rules evaluated one by one, each condition by its own regex or glob pattern alone:
    no index, no word sets, no substring pre-filters, nothing computed ahead."""
    subject, body = mail.subject[:BODY_LIMIT], mail.text[:BODY_LIMIT]
    texts = {"subject": subject, "body": body, "text": f"{subject}\n{body}"}
    values = {"from": [mail.sender.email] if mail.sender else [],
              "to": [address.email for address in (*mail.to, *mail.cc)],
              "attachment_type": [attachment.content_type for attachment in mail.attachments]}

    def found(test, text: str) -> bool:
        return test.pattern.search(text.lower() if test.lowered else text) is not None

    def holds(condition) -> bool:
        kind = type(condition).__name__
        if kind in ("All", "AnyOf"):
            return (all if kind == "All" else any)(map(holds, condition.parts))
        if kind == "Not":
            return not holds(condition.part)
        if kind == "Glob":
            return any(condition.pattern.match(v.lower()) for v in values[condition.field])
        if kind == "TextMatch":
            return found(condition.test, texts[condition.field])
        if kind == "HeaderMatch":
            return any(found(condition.test, v) for v in mail.headers.get(condition.name, ()))
        if kind == "HasAttachment":
            return bool(mail.attachments) == condition.present
        return detect_language(texts["text"]) == condition.code

    concerns = rules.directory.detect(mail.sender.email if mail.sender else "", subject, body)
    chosen, tags, matched, tried, drop = {}, [], [], [], False
    for rule in rules:
        tried.append(rule.name)
        if holds(rule.when):
            matched.append(rule.name)
            for field in ("team", "category", "priority", "assignee", "language"):
                if getattr(rule.actions, field) is not None:
                    chosen.setdefault(field, getattr(rule.actions, field))
            tags += [tag for tag in rule.actions.tags if tag not in tags]
            drop = rule.actions.drop
            if drop or not rule.continues:
                break
    return RoutingDecision(
        team=chosen.get("team", default_team), category=chosen.get("category"),
        priority=chosen.get("priority", Priority.NORMAL), tags=tuple(tags),
        assignee=chosen.get("assignee"),
        language=chosen.get("language") or (None if drop else detect_language(texts["text"])),
        drop=drop, matched=tuple(matched), tried=tuple(tried),
        application=None if drop else concerns.application,
        lpse=None if drop else concerns.lpse)


def test_indexed_routing_decides_as_straightforward_evaluation_of_random_rules_and_mails():
    """For 400 random rule files and 15 random mails each (keywords with phrases, enclitics and
    `*`, regexes, globs, headers, attachments, language, nested all/any/not, continue and drop),
    route returns exactly the decision of evaluating every rule's patterns one by one."""
    compared = matched = skipped = 0
    for seed in range(400):
        rng = random.Random(seed)
        rules = compile_rules(_random_rules(rng), teams=TEAMS, categories=CATEGORIES,
                              agents=AGENTS)
        for _ in range(15):
            mail = _random_mail(rng)
            expected = straightforward_route(rules, mail, "l0-telkom")
            assert route(rules, mail, default_team="l0-telkom") == expected, f"seed {seed}"
            allowed = MailView(mail, rules).lists_met
            compared, matched = compared + 1, matched + bool(expected.matched)
            skipped += sum(needs is not None and needs.isdisjoint(allowed)
                           for needs in rules.needs[:len(expected.tried)])
    # Worth its name only if the rules match some mails, not all, and the index skips rules.
    assert (compared, matched, skipped) == (6000, 5138, 4337)
