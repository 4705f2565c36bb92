"""Loading routing rules: what compiles into what, and the exact message of every refusal."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import gateway.routing
from gateway.domain import Level, Priority
from gateway.errors import ConfigError
from gateway.routing.language import Keyword
from gateway.routing.rules import (
    ALWAYS, Actions, All, AnyOf, Glob, HasAttachment, HeaderMatch, LanguageIs, Not, Rule, RuleSet,
    TextMatch, TextTest, compile_rules, needed_lists,
)

TEAMS = {"l0-lkpp": Level.L0, "l0-telkom": Level.L0, "l1-ops": Level.L1, "l2-dev": Level.L2}
CATEGORIES = ("pertanyaan-umum", "akun", "tender", "email", "spse", "sikap", "lainnya")
AGENTS = ("Rina@lkpp.go.id", "agus@telkom.co.id")
DEFAULT_RULES = Path(gateway.routing.__file__).with_name("default_rules.toml")


def compile_(*rules: dict) -> tuple[Rule, ...]:
    return compile_rules(
        list(rules), teams=TEAMS, categories=CATEGORIES, agents=AGENTS, source="rules.toml"
    )


def refusal(*rules: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        compile_(*rules)
    return str(caught.value)


def test_rule_with_every_action_compiles_to_its_fields():
    """A rule's actions are kept as given, the agent spelled as configured and priority an enum."""
    (rule,) = compile_({
        "name": "spse-login", "when": {"from": "*@lkpp.go.id"}, "team": "l0-lkpp",
        "category": "akun", "priority": "high", "tags": ["spse", " login "],
        "assignee": "rina@LKPP.go.id", "language": "id", "continue": True,
    })
    assert rule.name == "spse-login"
    assert rule.continues is True
    assert rule.actions == Actions(
        team="l0-lkpp", category="akun", priority=Priority.HIGH, tags=("spse", "login"),
        assignee="Rina@lkpp.go.id", language="id", drop=False,
    )


def test_rule_without_when_matches_everything():
    """Leaving `when` out (or empty) gives the always-true condition, for catch-all rules."""
    first, second = compile_(
        {"name": "a", "team": "l0-telkom"}, {"name": "b", "when": {}, "team": "l0-telkom"}
    )
    assert first.when == ALWAYS == All(())
    assert second.when == ALWAYS


def test_conditions_compile_to_a_tree():
    """Several keys in one table become All; all/any/not nest; each leaf has its own type."""
    (rule,) = compile_({"name": "tree", "drop": True, "when": {
        "to": ["helpdesk@*"], "has_attachment": True,
        "any": [{"language": "en"}, {"not": {"header": {"name": "X-Spam", "equals": "yes"}}}],
    }})
    to, attached, either = rule.when.parts
    assert type(rule.when) is All and type(either) is AnyOf
    assert (to.field, to.pattern.pattern) == ("to", r"(?:helpdesk@[^@]*)\Z")
    assert attached == HasAttachment(True)
    assert either.parts[0] == LanguageIs("en")
    negated = either.parts[1]
    assert type(negated) is Not and type(negated.part) is HeaderMatch
    assert negated.part.name == "x-spam"


def test_address_globs_are_lower_case_and_domain_globs_gain_a_mailbox():
    """A glob without "@" names a domain; `*` never crosses the "@"; one of the literal ends is
    needed in the address before the pattern runs."""
    (rule,) = compile_({"name": "g", "team": "l0-lkpp",
                        "when": {"from": ["*@LKPP.go.id", "*.go.id"]}})
    assert rule.when == Glob(
        "from", re.compile(r"(?:[^@]*@lkpp\.go\.id|[^@]*@[^@]*\.go\.id)\Z"),
        globs=("*@lkpp.go.id", "*@*.go.id"), needles=(("@lkpp.go.id", ".go.id"),))


def test_attachment_type_globs_stop_at_the_slash():
    """Content-type globs compile to one anchored pattern where `*` stays inside a part."""
    (rule,) = compile_({"name": "t", "team": "l0-lkpp",
                        "when": {"attachment_type": ["application/pdf", "image/*"]}})
    assert rule.when == Glob(
        "attachment_type", re.compile(r"(?:application/pdf|image/[^/]*)\Z"),
        globs=("application/pdf", "image/*"), needles=(("application/pdf", "image/"),))


def test_keywords_compile_to_one_alternation_with_the_words_they_need():
    """A keyword list becomes one regex over lower-cased text, plus the words that pre-filter it."""
    (rule,) = compile_({"name": "k", "category": "akun", "continue": True,
                        "when": {"subject": {"keywords": ["Tidak  bisa Login", "akun"]}}})
    assert type(rule.when) is TextMatch and rule.when.field == "subject"
    test = rule.when.test
    assert (test.lowered, test.kind, test.spec) == (True, "keywords", ("Tidak  bisa Login", "akun"))
    assert test.needles == (("tidak", "akun"),)  # for header values: a word of each keyword
    tidak_bisa_login = r"tidak(?<!\w.{5})\s+bisa\s+login(?:nya|lah|kah|pun|ku|mu)?(?!\w)"
    akun_ = r"akun(?<!\w.{4})(?:nya|lah|kah|pun|ku|mu)?(?!\w)"
    assert test.pattern == re.compile(f"{tidak_bisa_login}|{akun_}")
    login = frozenset({"login", "loginnya", "loginlah", "loginkah", "loginpun", "loginku",
                       "loginmu"})
    akun = frozenset({"akun", "akunnya", "akunlah", "akunkah", "akunpun", "akunku", "akunmu"})
    assert test.keywords.pattern == test.pattern
    assert test.keywords.keywords == (
        Keyword(re.compile(tidak_bisa_login), frozenset({"tidak", "bisa"}), login),
        Keyword(re.compile(akun_), frozenset(), akun),
    )
    # The rarest-looking word indexes a keyword: "tidak" and "bisa" are stopwords, in nearly
    # every Indonesian mail, so "login" in any of its forms stands for "tidak bisa login".
    assert [keyword.rarest() for keyword in test.keywords.keywords] == [login, akun]


def test_keyword_with_open_end_cannot_be_prefiltered():
    """A one-word keyword ending in `*` needs no particular word: nothing to index it by."""
    (rule,) = compile_({"name": "k", "category": "tender",
                        "when": {"body": {"keywords": ["gagal unggah*", "unggah*"]}}})
    assert rule.when.test.pattern == re.compile(
        r"gagal(?<!\w.{5})\s+unggah\w*(?!\w)|unggah(?<!\w.{6})\w*(?!\w)")
    assert [k.rarest() for k in rule.when.test.keywords.keywords] == [{"gagal"}, set()]
    assert [k.required for k in rule.when.test.keywords.keywords] == [{"gagal"}, set()]


def test_lower_case_regex_reads_the_lower_cased_text():
    """A regex without upper-case letters runs as a plain match on the lower-cased text."""
    (rule,) = compile_({"name": "r", "drop": True, "when": {"text": {"regex": r"^re:\s*\S+"}}})
    assert rule.when.test == TextTest(re.compile(r"^re:\s*\S+"), lowered=True, keywords=None,
                                      needles=(("re:",),), kind="regex", spec=r"^re:\s*\S+")


@pytest.mark.parametrize("regex", ["SPSE", r"\x41", r"\u0041", r"\N{LATIN SMALL LETTER A}", r"\101",
                                   "(?-i:spse)", r"\\S"])
def test_regex_that_spells_case_reads_the_original_text_with_ignorecase(regex):
    """Upper-case letters, letter escapes and (?-i:...) keep IGNORECASE on the text as written,
    with no substring pre-filter: under IGNORECASE a letter is not one character."""
    (rule,) = compile_({"name": "r", "drop": True, "when": {"subject": {"regex": regex}}})
    assert rule.when.test == TextTest(re.compile(regex, re.IGNORECASE), lowered=False, spec=regex)


def test_header_equals_ignores_case_and_surrounding_space():
    """`equals` compiles to an anchored, escaped pattern over the lower-cased value."""
    (rule,) = compile_({"name": "h", "drop": True,
                        "when": {"header": {"name": "Precedence", "equals": " Bulk.List "}}})
    assert rule.when.name == "precedence"
    assert rule.when.test == TextTest(re.compile(r"\A\s*bulk\.list\s*\Z"), lowered=True,
                                      needles=(("bulk.list",),), kind="equals", spec="Bulk.List")


def test_rules_keep_their_order():
    """compile_rules returns the rules in file order, as a RuleSet (a tuple) with their names."""
    rules = compile_({"name": "b", "team": "l0-lkpp"}, {"name": "a", "team": "l0-telkom"})
    assert type(rules) is RuleSet and isinstance(rules, tuple)
    assert [rule.name for rule in rules] == ["b", "a"]
    assert rules.names == ("b", "a")


REFUSALS = [
    ({"name": "spse-login", "team": "l0-xyz"},
     'rules.toml: rule "spse-login": unknown team "l0-xyz" (known: l0-lkpp, l0-telkom)'),
    ({"name": "escalate", "team": "l1-ops"},
     'rules.toml: rule "escalate": team "l1-ops" is at Level L1: a new ticket starts at Level 0, '
     "so a rule may only name a Level 0 team (l0-lkpp, l0-telkom)"),
    ({"name": "c", "category": "hardware"},
     'rules.toml: rule "c": unknown category "hardware" (known: akun, email, lainnya, '
     "pertanyaan-umum, sikap, spse, tender)"),
    ({"name": "p", "priority": "critical"},
     'rules.toml: rule "p": priority must be one of low, normal, high, urgent, got "critical"'),
    ({"name": "t", "tags": "spse"},
     'rules.toml: rule "t": tags must be a non-empty array of non-empty strings, got "spse"'),
    ({"name": "t", "tags": ["spse", 3]},
     'rules.toml: rule "t": tags must be a non-empty array of non-empty strings, got an array'),
    ({"name": "a", "assignee": "budi@lkpp.go.id"},
     'rules.toml: rule "a": unknown assignee "budi@lkpp.go.id" '
     "(known agents: Rina@lkpp.go.id, agus@telkom.co.id)"),
    ({"name": "l", "language": "fr"},
     'rules.toml: rule "l": language must be one of en, id, got "fr"'),
    ({"name": "d", "drop": "yes"}, 'rules.toml: rule "d": drop must be true or false, got "yes"'),
    ({"name": "n", "team": "l0-lkpp", "continue": 1},
     'rules.toml: rule "n": continue must be true or false, got 1'),
    ({"name": "d", "drop": True, "continue": True},
     'rules.toml: rule "d": drop = true cannot go with continue = true: a dropped mail is final'),
    ({"name": "idle", "when": {"from": "*@x.id"}, "continue": True},
     'rules.toml: rule "idle": continue = true but no action: the rule would do nothing'),
    ({"name": "k", "team": "l0-lkpp", "stop": True},
     'rules.toml: rule "k": unknown key "stop" (known: assignee, category, continue, drop, '
     "language, name, priority, tags, team, when)"),
    ({"name": "w", "team": "l0-lkpp", "when": {"subjek": {"keywords": ["x"]}}},
     'rules.toml: rule "w": unknown condition "when.subjek" (known: all, any, '
     "application, attachment_type, body, from, has_attachment, header, language, lpse, not, subject, text, to)"),
    ({"name": "w", "team": "l0-lkpp", "when": {"any": [{"body": {"keyword": ["x"]}}]}},
     'rules.toml: rule "w": unknown key "when.any[0].body.keyword" (known: keywords, regex)'),
    ({"name": "w", "team": "l0-lkpp", "when": {"subject": {"keywords": ["x"], "regex": "x"}}},
     'rules.toml: rule "w": when.subject needs exactly one of keywords, regex'),
    ({"name": "w", "team": "l0-lkpp", "when": {"subject": {"keywords": []}}},
     'rules.toml: rule "w": when.subject.keywords must be a non-empty array of non-empty strings, '
     "got an array"),
    ({"name": "spse-login", "team": "l0-lkpp",
      "when": {"not": {"body": {"regex": "gagal (login"}}}},
     'rules.toml: rule "spse-login": when.not.body.regex "gagal (login" does not compile: '
     "missing ), unterminated subpattern at position 6"),
    ({"name": "h", "drop": True, "when": {"header": {"regex": "x"}}},
     'rules.toml: rule "h": when.header.name must be a header name, got nothing'),
    ({"name": "h", "drop": True, "when": {"header": {"name": "X-Foo"}}},
     'rules.toml: rule "h": when.header needs exactly one of equals, keywords, regex'),
    ({"name": "h", "drop": True, "when": {"header": {"name": "X-Foo", "contains": "a"}}},
     'rules.toml: rule "h": unknown key "when.header.contains" (known: equals, keywords, name, '
     "regex)"),
    ({"name": "f", "team": "l0-lkpp", "when": {"from": "a@b@lkpp.go.id"}},
     'rules.toml: rule "f": when.from "a@b@lkpp.go.id" is not an address or domain glob'),
    ({"name": "f", "team": "l0-lkpp", "when": {"to": 7}},
     'rules.toml: rule "f": when.to must be a string or a non-empty array of non-empty strings, '
     "got 7"),
    ({"name": "a", "team": "l0-lkpp", "when": {"attachment_type": ["pdf"]}},
     'rules.toml: rule "a": when.attachment_type "pdf" is not a content type glob like "image/*"'),
    ({"name": "a", "team": "l0-lkpp", "when": {"has_attachment": "yes"}},
     'rules.toml: rule "a": when.has_attachment must be true or false, got "yes"'),
    ({"name": "a", "team": "l0-lkpp", "when": {"language": "jv"}},
     'rules.toml: rule "a": when.language must be one of en, id, got "jv"'),
    ({"name": "a", "team": "l0-lkpp", "when": {"all": []}},
     'rules.toml: rule "a": when.all must be a non-empty array of tables, got an array'),
    ({"name": "a", "team": "l0-lkpp", "when": {"not": {}}},
     'rules.toml: rule "a": when.not must not be empty'),
    ({"name": "a", "team": "l0-lkpp", "when": ["from"]},
     'rules.toml: rule "a": when must be a table of conditions, got an array'),
    ({"team": "l0-lkpp"}, "rules.toml: rule #1: name must be a non-empty string, got nothing"),
    ("spse", 'rules.toml: rule #1: a rule must be a table, got "spse"'),
]


@pytest.mark.parametrize(("rule", "message"), REFUSALS, ids=[m[12:60] for _, m in REFUSALS])
def test_invalid_rule_is_refused_with_one_line_naming_source_rule_and_field(rule, message):
    """Every validation problem raises ConfigError with this exact one-line message."""
    assert refusal(rule) == message


def test_duplicate_name_is_refused_naming_the_first_use():
    """Two rules with one name are refused at the second, pointing back to the first."""
    message = refusal(
        {"name": "akun", "category": "akun"}, {"name": "x", "team": "l0-lkpp"},
        {"name": "akun", "team": "l0-telkom"},
    )
    assert message == 'rules.toml: rule "akun": duplicate name (first used by rule #1)'


def test_rules_that_are_not_a_list_are_refused():
    """The top level must be an array of tables."""
    with pytest.raises(ConfigError) as caught:
        compile_rules({"name": "x"}, teams=TEAMS, categories=CATEGORIES)
    assert str(caught.value) == "rules: rules must be an array of tables, got a table"


def test_unknown_team_without_level_zero_teams_says_none():
    """With no Level 0 team configured at all, the message says so instead of an empty list."""
    with pytest.raises(ConfigError) as caught:
        compile_rules([{"name": "x", "team": "l0"}], teams={"l1-ops": Level.L1}, categories=())
    assert str(caught.value) == 'rules: rule "x": unknown team "l0" (known: none)'


def test_shipped_default_rules_compile_with_the_documented_teams_and_categories():
    """default_rules.toml compiles against the two L0 teams and seven categories in its header."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert "#   teams:      l0-lkpp, l0-telkom\n" in text
    assert "#   categories: " + ", ".join(CATEGORIES) + "\n" in text
    rules = compile_rules(
        tomllib.loads(text)["rules"], teams={"l0-lkpp": Level.L0, "l0-telkom": Level.L0},
        categories=CATEGORIES, source="default_rules.toml",
    )
    assert [rule.name for rule in rules] == [
        "auto-reply", "spam", "urgent-deadline", "akun", "tender", "email", "spse", "sikap",
        "pertanyaan-umum", "lkpp-staff", "resolution-center",
    ]
    assert {rule.actions.team for rule in rules} == {None, "l0-lkpp", "l0-telkom"}


def default_rules() -> RuleSet:
    return compile_rules(tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))["rules"],
                         teams={"l0-lkpp": Level.L0, "l0-telkom": Level.L0},
                         categories=CATEGORIES, source="default_rules.toml")


def test_describe_prints_each_shipped_rule_on_one_line():
    """describe() gives the conditions, then the actions: team, category, priority, tags, drop,
    continue; `|` separates keywords and the parts of an `any`, "always" stands for no `when`."""
    assert [rule.describe() for rule in default_rules()] == [
        r"header[auto-submitted]~/^\s*auto-/ | subject~[out of office|automatic reply|auto reply|"
        "auto-reply|autoreply|balasan otomatis|di luar kantor|sedang cuti|tidak berada di kantor]"
        " -> tags=[auto-reply], drop",
        "text~[slot gacor|judi online|situs judi|togel|casino|pinjol|pinjaman online cepat|viagra|"
        "crypto giveaway] -> tags=[spam], drop",
        "(text~[hari terakhir|last day|tender hari ini|due today|due tomorrow|due tonight] |"
        " (text~[deadline|batas waktu|batas akhir|batas terakhir|tenggat|terakhir upload|"
        "terakhir unggah|terakhir pemasukan|terakhir pendaftaran|hari ini terakhir|"
        "besok terakhir|ditutup|penutupan|berakhir|paling lambat|jatuh tempo|sudah tutup|"
        "udah tutup|tender tutup|tendernya tutup|penawaran tutup|tutup jam|tutup pukul|"
        "tutup hari|tutup besok|tutup nanti|tutup pagi|tutup siang|tutup sore|tutup malam|"
        "tanda tangan kontrak|ttd kontrak|penandatanganan kontrak|ditandatangani|"
        "pembuktian kualifikasi|pengumuman pemenang|closes|closing|"
        "contract signing] & text~[hari ini|besok|nanti pagi|nanti siang|nanti sore|"
        "nanti malam|pagi ini|siang ini|sore ini|malam ini|jam lagi|h-1|today|tomorrow|tonight|"
        "this morning|this afternoon|this evening|end of day])) & not text~[tidak mendesak|"
        "tidak urgent|tidak terburu-buru|masih lama|sudah diperpanjang|not urgent|"
        "no rush] -> priority=urgent, tags=[tenggat], continue",
        "text~[lupa password|reset password|akun terkunci|tidak bisa login|gagal login|"
        "lupa kata sandi|ganti password|salah password|akun saya terkunci|akun diblokir|user id|"
        "forgot password|account locked|cannot log in] -> category=akun, continue",
        "text~[upload dokumen|unggah dokumen|gagal unggah|gagal upload|dokumen penawaran|apendo|"
        "file penawaran|dokumen kualifikasi] -> category=tender, continue",
        "text~[email tidak masuk|notifikasi email|kode aktivasi|email aktivasi|"
        "email tidak diterima|tidak menerima email|tidak ada email] -> category=email, continue",
        "text~[spse|lpse] -> category=spse, tags=[spse], continue",
        "subject~[sikap] | body~[aplikasi sikap|sikap lkpp|sikap.lkpp.go.id|kinerja penyedia] -> "
        "category=sikap, tags=[sikap], continue",
        "text~[bagaimana cara|mohon informasi|mohon penjelasan|ingin bertanya|pertanyaan|how to|"
        "how do i] -> category=pertanyaan-umum, continue",
        "from=[*@lkpp.go.id|*@*.lkpp.go.id] -> team=l0-lkpp, category=lainnya",
        "always -> team=l0-telkom, category=lainnya",
    ]


def test_describe_brackets_nested_combinations_and_names_every_condition_and_action():
    """Keys of one table join with `&`, a nested all/any is bracketed, `not` binds to the part
    after it; every action is named, and a rule without any says "stop"."""
    tree, idle = compile_({"name": "tree", "team": "l0-lkpp", "category": "akun",
                           "priority": "high", "tags": ["a", "b"], "assignee": "rina@lkpp.go.id",
                           "language": "en", "continue": True, "when": {
        "to": ["helpdesk@*"], "has_attachment": True, "attachment_type": "image/*",
        "any": [{"language": "en"}, {"not": {"header": {"name": "X-Spam", "equals": "Yes"}}}],
        "not": {"all": [{"from": "LKPP.go.id"}, {"body": {"regex": r"^re:\s"}}]},
    }}, {"name": "idle", "when": {"subject": {"keywords": ["tes"]}}})
    assert tree.describe() == (
        "to=helpdesk@* & has_attachment=true & attachment_type=image/* & (language=en | not "
        'header[x-spam]="Yes") & not (from=*@lkpp.go.id & body~/^re:\\s/) -> team=l0-lkpp, '
        "category=akun, priority=high, assignee=Rina@lkpp.go.id, language=en, tags=[a, b], "
        "continue")
    assert idle.describe() == "subject~[tes] -> stop"


def test_describe_when_can_show_a_few_items_of_each_list():
    """With `shown`, each keyword or glob list shows that many items and counts the rest."""
    rule = default_rules()[7]
    assert rule.describe_when(shown=1) == "subject~[sikap] | body~[aplikasi sikap|…+3]"


def test_needed_lists_follow_all_any_and_not():
    """A keyword test needs its list; all needs what its first part with needs does, any what
    all its parts need together when each needs some; a `not`, a regex or a glob nothing."""
    (rule,) = compile_({"name": "k", "drop": True, "when": {
        "from": "*@x.id", "subject": {"keywords": ["akun"]},
        "any": [{"body": {"keywords": ["login"]}}, {"text": {"keywords": ["sandi", "pin"]}}],
        "not": {"text": {"keywords": ["tes"]}},
    }})
    glob, akun, either, negated = rule.when.parts
    login, sandi = (part.test.keywords for part in either.parts)
    assert needed_lists(rule.when) == {akun.test.keywords}
    assert needed_lists(either) == {login, sandi}
    assert needed_lists(AnyOf((akun, glob))) is None
    assert (needed_lists(glob), needed_lists(negated)) == (None, None)


def test_rule_set_finds_the_keyword_lists_that_a_mail_s_words_allow():
    """A list is allowed when the words hold every word of one of its keywords (an enclitic
    form counts for the last); a list with a keyword ending in `*` always is."""
    rules = compile_(
        {"name": "lkpp", "when": {"from": "*@lkpp.go.id"}, "team": "l0-lkpp"},
        {"name": "akun", "when": {"text": {"keywords": ["lupa password", "akun terkunci"]}},
         "category": "akun", "continue": True},
        {"name": "both", "category": "email", "when": {
            "text": {"keywords": ["kode aktivasi"]}, "subject": {"keywords": ["unggah*"]}}},
    )
    akun, (aktivasi, unggah) = (rules[1].when.test.keywords,
                                (part.test.keywords for part in rules[2].when.parts))
    assert rules.needs == (None, {akun}, {aktivasi})
    assert rules.lists_met({"saya", "lupa", "passwordnya"}) == {akun, unggah}
    assert rules.lists_met({"lupa", "akun"}) == {unggah}
    assert rules.lists_met({"kode", "aktivasi", "terkunci"}) == {aktivasi, unggah}
