"""The applications and LPSE list (`routing.lpse`): reading the operator's file, matching a new
mail (sender domain, phrases, near misses), an agent's words, and the routing conditions."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import ConfigError
from gateway.routing import lpse
from gateway.routing.chain import route
from gateway.routing.rules import compile_rules
from tests.unit.test_chain import AGENTS, CATEGORIES, TEAMS, make_mail

LIST = lpse.directory()


def detect(subject="", body="", sender="budi@vendor.co.id") -> tuple[str | None, str | None]:
    found = LIST.detect(sender, subject, body)
    return found.application, found.lpse


# ---- the LPSE ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sender, code", [
    ("pokja@slemankab.go.id", "kab-sleman"),
    ("admin@lpse.slemankab.go.id", "kab-sleman"),  # a subdomain
    ("Admin@LPSE.SlemanKab.go.id", "kab-sleman"),  # any case
    ("ppk@bandungbaratkab.go.id", "kab-bandung-barat"),
    ("ppk@bandungkab.go.id", "kab-bandung"),
    ("ppk@bandung.go.id", "kota-bandung"),
    ("ppk@semarangkota.go.id", "kota-semarang"),
    ("ppk@kemenkeu.go.id", "kemenkeu"),
])
def test_the_sender_domain_names_the_lpse(sender, code):
    assert detect("Tidak bisa login", "Mohon bantuan.", sender) == (None, code)


@pytest.mark.parametrize("sender", [
    "budi@notslemankab.go.id",  # a longer name that ends the same
    "budi@slemankab.go.id.example.com",  # the listed domain inside another
    "budi@gmail.com",
    "slemankab.go.id",  # no address at all
    "",
])
def test_near_miss_domains_name_no_lpse(sender):
    assert detect("Tidak bisa login", "Mohon bantuan.", sender) == (None, None)


@pytest.mark.parametrize("subject, body, code", [
    ("Masalah di LPSE Kabupaten Sleman", "", "kab-sleman"),
    ("", "Saya admin lpse kabupaten   sleman.", "kab-sleman"),  # case and spacing
    ("", "Dari LPSE Kab. Sleman, mohon bantuan", "kab-sleman"),  # an abbreviation
    ("", "LPSE-Kab.Sleman tidak bisa diakses", "kab-sleman"),  # punctuation
    ("", "Pemkab Sleman, LPSE Sleman", "kab-sleman"),  # a listed phrase
    ("", "LPSE Kabupaten Gunung Kidul", "kab-gunungkidul"),
    ("", "saya dari LPSE Kémenkeu", "kemenkeu"),  # an accent
    ("", "buka https://lpse.jakarta.go.id/eproc4/lelang gagal", "prov-dki-jakarta"),  # a link
    ("", "hubungi admin@slemankab.go.id", "kab-sleman"),  # an address in the text
    ("", "LPSE Kabupaten Bandung Barat", "kab-bandung-barat"),  # the longer phrase wins
    ("", "LPSE Kabupaten Bandung", "kab-bandung"),
    ("", "LPSE Kota Semarang", "kota-semarang"),
    ("", "LPSE Kabupaten Semarang", "kab-semarang"),
    ("LPSE Bantul", "dulu di LPSE Sleman", "kab-bantul"),  # the subject before the text
    ("", "LPSE Bantul, dulu di LPSE Sleman", "kab-bantul"),  # the earliest mention
])
def test_a_phrase_names_the_lpse(subject, body, code):
    assert detect(subject, body)[1] == code


@pytest.mark.parametrize("body", [
    "Saya penyedia di Kabupaten Sleman.",  # a place is no LPSE
    "LPSE Slemanan",  # not the whole word
    "LPSE Kota Sleman",  # no such LPSE
    "xslemankab.go.id",
    "LPSE Semarang",  # which one? neither is named
    "> LPSE Kabupaten Sleman\n> dikutip dari surat lama",  # quoted lines are not read
    "lpse kabupaten",
])
def test_near_miss_phrases_name_no_lpse(body):
    assert detect("Mohon bantuan", body)[1] is None


def test_the_domain_comes_before_a_phrase():
    assert detect("LPSE Kota Yogyakarta", "", "pokja@slemankab.go.id")[1] == "kab-sleman"


# ---- the application ---------------------------------------------------------------------------

@pytest.mark.parametrize("subject, body, application", [
    ("Akun SIKaP terkunci", "", "SIKaP"),
    ("", "data di SIKAP belum muncul", "SIKaP"),
    ("", "Verifikasi SiKAP gagal", "SIKaP"),
    ("", "tidak bisa login sikap", "SIKaP"),  # lower case, in a phrase that says it
    ("", "buka sikap.lkpp.go.id", "SIKaP"),
    ("Error SPSE", "", "SPSE"),
    ("", "spse versi 4.5 error", "SPSE"),
    ("", "https://lpse.slemankab.go.id/eproc4/", "SPSE"),
    ("", "Sistem Pengadaan Secara Elektronik", "SPSE"),
    ("e-Katalog error", "", "other"),  # e-Katalog is not SIKaP
    ("", "produk di katalog elektronik", "other"),
    ("SIKaP", "lalu di SPSE", "SIKaP"),  # the subject first
    ("", "SPSE lalu SIKaP", "SPSE"),  # the earliest mention
])
def test_the_application(subject, body, application):
    assert detect(subject, body)[0] == application


@pytest.mark.parametrize("subject, body", [
    ("Keluhan", "Sikap petugas kurang ramah."),  # "sikap" is also the word for attitude
    ("Keluhan", "sikap yang tidak sopan"),
    ("", "bagaimana menyikapi hal ini"),
    ("", "saya bersikap sabar"),
    ("", "spsee"),
    ("", "lpse kabupaten sleman"),  # an LPSE is not an application
    ("", "> akun SIKaP saya\n"),  # quoted
])
def test_near_miss_applications(subject, body):
    assert detect(subject, body)[0] is None


# ---- an agent's words --------------------------------------------------------------------------

@pytest.mark.parametrize("words, code", [
    ("kab-sleman", "kab-sleman"), ("KAB-SLEMAN", "kab-sleman"),
    ("LPSE Kabupaten Sleman", "kab-sleman"), ("lpse kab. sleman", "kab-sleman"),
    ("LPSE Sleman", "kab-sleman"), ("slemankab.go.id", "kab-sleman"),
    ("lpse.bantulkab.go.id", "kab-bantul"),
])
def test_an_agent_names_an_lpse(words, code):
    assert LIST.find_lpse(words).code == code


@pytest.mark.parametrize("words", ["Sleman", "kabupaten sleman", "kab-slemn", "", "gmail.com"])
def test_an_agent_names_no_lpse(words):
    assert LIST.find_lpse(words) is None


def test_close_matches_for_an_unknown_lpse():
    assert LIST.close_to("LPSE Slemn") == ("kab-sleman",)
    assert set(LIST.close_to("Bandung")) == {"kab-bandung", "kota-bandung", "kab-bandung-barat"}
    assert LIST.close_to("kab-slemn")[0] == "kab-sleman"
    assert LIST.close_to("xyz") == ()


@pytest.mark.parametrize("word, name", [
    ("SIKaP", "SIKaP"), ("sikap", "SIKaP"), ("spse", "SPSE"), ("lainnya", "other"),
    ("other", "other"), ("e-katalog", None), ("sikapp", None),
])
def test_an_agent_names_an_application(word, name):
    assert LIST.find_application(word) == name


# ---- the file ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"lpse": [{"code": "Kab Sleman", "name": "x"}]},
     "f.toml: lpse[0]: code must be lower-case letters, digits and '-'"),
    ({"lpse": [{"code": "a", "name": "LPSE A", "domains": ["not a domain"]}]},
     "f.toml: lpse[0] (a): domains must be a list of domains like slemankab.go.id"),
    ({"lpse": [{"code": "a", "name": "LPSE A", "domains": ["a.go.id"]},
               {"code": "b", "name": "LPSE B", "domains": ["A.go.id"]}]},
     "f.toml: domain 'a.go.id' is listed for both 'a' and 'b'"),
    ({"lpse": [{"code": "a", "name": "LPSE Kab. A"}, {"code": "b", "name": "LPSE Kabupaten A"}],
      "abbreviations": {"kab": "kabupaten"}},
     "f.toml: phrase 'lpse kabupaten a' is listed for both 'a' and 'b'"),
    ({"lpse": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]},
     "f.toml: lpse code 'a' is listed twice"),
    ({"applications": [{"name": "SPSE", "phrases": "spse"}]},
     "f.toml: applications[0] (SPSE): phrases must be a list of strings"),
    ({"lpse": [{"code": "a", "name": "A", "domain": ["a.go.id"]}]},
     "f.toml: lpse[0]: unknown key 'domain'"),
    ({"lpses": []}, "f.toml: unknown key 'lpses'"),
])
def test_a_bad_list_is_one_line(data, message):
    with pytest.raises(ConfigError) as caught:
        lpse.parse(data, "f.toml")
    assert str(caught.value) == message


def test_an_unreadable_file_is_one_line(tmp_path):
    (tmp_path / "x.toml").write_text("[[lpse]\n")
    with pytest.raises(ConfigError, match=r"x.toml: cannot read the LPSE list: "):
        lpse.directory(str(tmp_path / "x.toml"))


def test_the_shipped_list_is_real_and_has_other():
    assert {"kab-sleman", "kota-yogyakarta", "prov-dki-jakarta", "kemenkeu"} <= \
        {e.code for e in LIST.lpse}
    assert len(LIST.lpse) >= 12
    assert LIST.application_names() == ("SPSE", "SIKaP", "other")


# ---- the routing conditions --------------------------------------------------------------------

def rules(*raw: dict):
    return compile_rules(list(raw), teams=TEAMS, categories=CATEGORIES, agents=AGENTS)


def test_rules_match_on_application_and_lpse():
    compiled = rules(
        {"name": "sleman-sikap", "when": {"application": "sikap", "lpse": "LPSE Kab. Sleman"},
         "team": "l0-lkpp", "tags": ["sleman"]},
        {"name": "spse", "when": {"application": ["SPSE", "lainnya"]}, "priority": "high"})
    decision = route(compiled, make_mail("Akun SIKaP terkunci", sender="a@slemankab.go.id"),
                     default_team="l0-telkom")
    assert (decision.matched, decision.team, decision.application, decision.lpse) == \
        (("sleman-sikap",), "l0-lkpp", "SIKaP", "kab-sleman")
    decision = route(compiled, make_mail("Akun SIKaP terkunci", sender="a@bantulkab.go.id"),
                     default_team="l0-telkom")
    assert (decision.matched, decision.team, decision.lpse) == ((), "l0-telkom", "kab-bantul")
    decision = route(compiled, make_mail("e-Katalog"), default_team="l0-telkom")
    assert decision.matched == ("spse",) and decision.application == "other"
    assert compiled[0].describe() == \
        "application=sikap & lpse=LPSE Kab. Sleman -> team=l0-lkpp, tags=[sleman]"
    assert compiled[1].describe_when() == "application=[SPSE|lainnya]"


def test_a_compiled_rule_set_pickles_with_its_list():
    """The parse worker receives the rules pickled; the list rides with them."""
    compiled = pickle.loads(pickle.dumps(rules(
        {"name": "r", "when": {"lpse": "kab-sleman"}, "team": "l0-lkpp"})))
    decision = route(compiled, make_mail("x", sender="a@slemankab.go.id"),
                     default_team="l0-telkom")
    assert decision.matched == ("r",) and decision.lpse == "kab-sleman"


@pytest.mark.parametrize("when, message", [
    ({"lpse": "LPSE Slemn"}, 'rules: rule "r": lpse "LPSE Slemn" is not in the list '
                             "(close: kab-sleman)"),
    ({"lpse": "Atlantis"}, 'rules: rule "r": lpse "Atlantis" is not in the list (see '),
    ({"application": "e-katalog"}, 'rules: rule "r": application "e-katalog" is not in the '
                                   "list (known: SPSE, SIKaP, other)"),
    ({"not": {"lpse": 3}}, 'rules: rule "r": when.not.lpse must be a string or a non-empty '
                           "array of non-empty strings, got 3"),
])
def test_a_rule_naming_an_unknown_value_is_refused(when, message):
    with pytest.raises(ConfigError) as caught:
        rules({"name": "r", "when": when, "team": "l0-lkpp"})
    assert str(caught.value).startswith(message)


@given(st.text(max_size=300), st.text(max_size=60), st.text(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_any_mail_gets_a_verdict_from_the_list(sender, subject, body):
    """Every byte of a mail is an attacker's: whatever it holds, detection answers with a
    value of the list or nothing, and never raises."""
    found = LIST.detect(sender, subject, body)
    assert found.application in (None, *LIST.application_names())
    assert found.lpse is None or LIST.get(found.lpse) is not None


@given(st.text(max_size=1000))
@settings(max_examples=200, deadline=None)
def test_any_words_an_agent_writes_get_an_answer(words):
    found = LIST.find_lpse(words)
    assert found is None or found in LIST.lpse
    assert all(LIST.get(code) for code in LIST.close_to(words))
