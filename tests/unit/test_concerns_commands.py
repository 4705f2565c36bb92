"""#aplikasi and #lpse in the plan: named from the operator's list, cleared with "-", refused
with the close LPSE or an example, in the agent's language."""
from __future__ import annotations

from dataclasses import replace

from gateway.desk.registry import command_word
from tests.unit.test_plan import changes, errors, plan, ticket


def test_application_and_lpse_are_set_from_the_list():
    result = plan("#aplikasi sikap\n#lpse LPSE Kab. Sleman")
    assert result.ok
    assert changes(result) == [[("status", "new", "open"), ("application", None, "SIKaP")],
                               [("lpse", None, "kab-sleman")]]
    assert result.changes["application"] == "SIKaP" and result.changes["lpse"] == "kab-sleman"


def test_english_words_and_clearing():
    before = replace(ticket(), application="SPSE", lpse="kab-bantul")
    result = plan("#app other\n#lpse -", on=before)
    assert result.ok
    assert changes(result)[0][-1] == ("application", "SPSE", "other")
    assert changes(result)[1] == [("lpse", "kab-bantul", None)]
    assert plan("#application lainnya\n#lpse tidak-ada").ok


def test_an_unknown_application_is_refused_with_the_list():
    result = plan("#aplikasi e-katalog")
    assert errors(result) == ["unknown_app_name"]
    error = result.steps[0].error
    assert error.text("id", command_word) == \
        "aplikasi 'e-katalog' tidak dikenal; pilih SPSE atau SIKaP atau lainnya, atau - untuk " \
        "mengosongkan"
    assert error.text("en", command_word) == \
        "unknown application 'e-katalog'; choose SPSE or SIKaP or other, or - to clear it"


def test_an_unknown_lpse_is_refused_with_the_close_ones():
    result = plan("#lpse LPSE Slemn")
    assert errors(result) == ["unknown_lpse_close"]
    assert result.steps[0].error.text("id", command_word) == (
        "LPSE 'LPSE Slemn' tidak ada dalam daftar LPSE; yang mirip: kab-sleman (LPSE Kabupaten "
        "Sleman). Tulis kodenya atau nama lengkapnya")
    far = plan("#lpse Atlantis").steps[0].error
    assert far.code == "unknown_lpse"
    assert far.text("en", command_word).startswith(
        "LPSE 'Atlantis' is not in the LPSE list (19 LPSE) and none is close. Write its code, "
        "full name or domain as the list has it, for example kab-sleman / LPSE Kabupaten Sleman")


def test_a_missing_value_is_refused_by_the_parser():
    assert errors(plan("#lpse")) == ["needs_lpse"]
    assert errors(plan("#aplikasi")) == ["needs_app_name"]
