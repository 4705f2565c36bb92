"""Reply tokens and Authentication-Results: who may count as an agent. Pure functions, exact
values."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from gateway import config
from gateway.errors import ConfigError
from gateway.parsers import auth

SECRET = "test-secret-0123456789abcdef"
DOMAIN = "lpse.example"
NONCE = "0123456789abcdef"
BUDI = "budi@lkpp.example"


def token(ref="LDP-000001", email=BUDI, nonce=NONCE, secret=SECRET):
    return auth.token_message_id(secret, DOMAIN, ref, email, nonce)


def test_a_token_message_id_carries_128_bits_of_hmac_over_ref_agent_and_nonce():
    """The id is <ldp.{ref}.{nonce}.{mac}@domain>, mac the first 32 hex of HMAC-SHA256."""
    expected = hmac.new(SECRET.encode(), f"LDP-000001|{BUDI}|{NONCE}".encode(),
                        hashlib.sha256).hexdigest()[:32]
    assert token() == f"<ldp.ldp-000001.{NONCE}.{expected}@lpse.example>"
    assert len(expected) * 4 == 128
    assert auth.parse_token_id(token()) == auth.TokenId("ldp-000001", NONCE, expected, DOMAIN)


def test_fresh_tokens_differ_and_each_verifies_only_for_its_own_agent_and_ticket():
    """Two mints give two nonces; a token verifies for its agent and ticket and nothing else."""
    first = auth.token_message_id(SECRET, DOMAIN, "LDP-000001", BUDI)
    second = auth.token_message_id(SECRET, DOMAIN, "LDP-000001", BUDI)
    assert first != second
    check = dict(secret=SECRET, domain=DOMAIN, ref="LDP-000001", email=BUDI)
    assert auth.token_matches(first, **check) and auth.token_matches(second, **check)
    # The address is compared case-insensitively, as mail addresses are in practice.
    assert auth.token_matches(first, **{**check, "email": "Budi@LKPP.example"})
    assert not auth.token_matches(first, **{**check, "email": "sari@lkpp.example"})
    assert not auth.token_matches(first, **{**check, "ref": "LDP-000002"})
    assert not auth.token_matches(first, **{**check, "domain": "evil.example"})
    assert not auth.token_matches(first, **{**check, "secret": "another-secret-0123456789"})
    assert not auth.token_matches(first, **{**check, "secret": ""})


def test_a_token_with_its_ticket_swapped_or_its_mac_altered_does_not_verify():
    """Renaming the ticket in the id or flipping one hex digit of the mac breaks it."""
    good = token()
    check = dict(secret=SECRET, domain=DOMAIN, email=BUDI)
    renamed = good.replace("ldp-000001", "ldp-000002")
    assert not auth.token_matches(renamed, ref="LDP-000002", **check)
    flipped = good[:-15] + ("0" if good[-15] != "0" else "1") + good[-14:]
    assert flipped != good
    assert not auth.token_matches(flipped, ref="LDP-000001", **check)
    assert auth.parse_token_id("<ldp.ldp-000001.cb910353020f012a@lpse.example>") is None
    assert auth.find_token(("<a@b>", renamed, good), ref="LDP-000001", **check) == good
    assert auth.find_token(("<a@b>", renamed), ref="LDP-000001", **check) is None


def test_authentication_results_are_parsed_without_comments_and_with_quoted_values():
    """authserv-id with a version, comments, quoted values, header.i and smtp.mailfrom."""
    value = ('mx.lpse.example 1; (our border server)\r\n dkim=pass (2048-bit key) '
             'header.d=LKPP.example header.i=@lkpp.example header.s="sel;1";\r\n'
             ' spf=pass smtp.mailfrom=budi@lkpp.example; dmarc=pass (p=REJECT) '
             'header.from=lkpp.example; arc=none')
    assert auth.parse_authentication_results(value) == auth.AuthenticationResults(
        "mx.lpse.example", (
            auth.AuthResult("dkim", "pass", {"header.d": "lkpp.example",
                                             "header.i": "@lkpp.example",
                                             "header.s": "sel;1"}),
            auth.AuthResult("spf", "pass", {"smtp.mailfrom": "budi@lkpp.example"}),
            auth.AuthResult("dmarc", "pass", {"header.from": "lkpp.example"}),
            auth.AuthResult("arc", "none", {}),
        ))
    assert auth.parse_authentication_results("mx.lpse.example; none") == \
        auth.AuthenticationResults("mx.lpse.example", ())
    assert auth.parse_authentication_results("") is None
    assert auth.parse_authentication_results("x" * 9000) is None


@pytest.mark.parametrize("headers, expected", [
    (["mx.lpse.example; dkim=pass header.d=lkpp.example"], "dkim"),
    (["mx.lpse.example; dkim=fail header.d=lkpp.example; dmarc=pass header.from=lkpp.example"],
     "dmarc"),
    # Another domain's signature proves nothing about lkpp.example, nor does a subdomain's.
    (["mx.lpse.example; dkim=pass header.d=gmail.com"], None),
    (["mx.lpse.example; dkim=pass header.d=mail.lkpp.example"], None),
    (["mx.lpse.example; spf=pass smtp.mailfrom=budi@lkpp.example"], None),
    # Only the topmost header counts: a pass written below ours by the sender is ignored.
    (["mx.lpse.example; dkim=none; dmarc=none",
      "mx.lpse.example; dkim=pass header.d=lkpp.example"], None),
    # A topmost header by anyone else is not ours, whatever it says.
    (["mx.evil.example; dkim=pass header.d=lkpp.example"], None),
    (["mx.evil.example; dkim=pass header.d=lkpp.example",
      "mx.lpse.example; dkim=pass header.d=lkpp.example"], None),
    ([], None),
])
def test_only_our_topmost_authentication_results_can_vouch_for_the_agents_domain(headers,
                                                                                 expected):
    """dkim=pass header.d / dmarc=pass header.from for the domain, in our topmost header only."""
    assert auth.domain_pass(headers, "mx.lpse.example", "lkpp.example") == expected


def test_without_a_configured_authserv_id_no_header_is_trusted():
    """An empty authserv_id never matches, even a header that names an empty id."""
    assert auth.domain_pass(["mx.lpse.example; dkim=pass header.d=lkpp.example"], "",
                            "lkpp.example") is None


def test_authenticate_accepts_a_token_or_a_pass_and_strict_mode_needs_both():
    """The verdict and its sentence for each combination, in normal and strict mode."""
    good = token()
    passing = ["mx.lpse.example; dkim=pass header.d=lkpp.example"]
    common = dict(email=BUDI, ref="LDP-000001", secret=SECRET, domain=DOMAIN,
                  authserv_id="mx.lpse.example")
    with_token = auth.authenticate(referenced_ids=("<r@x>", good), auth_headers=(), **common)
    assert with_token == auth.Verdict(
        True, f"reply token of {BUDI} for LDP-000001 (nonce {NONCE})", good, None)
    with_dkim = auth.authenticate(referenced_ids=(), auth_headers=passing, **common)
    assert with_dkim == auth.Verdict(
        True, "dkim=pass for lkpp.example by mx.lpse.example", None, "dkim")
    neither = auth.authenticate(referenced_ids=("<r@x>",), auth_headers=(), **common)
    assert neither == auth.Verdict(
        False, f"no reply token of {BUDI} for LDP-000001; "
               "no DKIM or DMARC pass by mx.lpse.example")
    strict_one = auth.authenticate(referenced_ids=(good,), auth_headers=(), strict=True,
                                   **common)
    assert strict_one.verified is False
    assert strict_one.reason == (f"strict mode needs both: reply token of {BUDI} for "
                                 f"LDP-000001 (nonce {NONCE}); no DKIM or DMARC pass by "
                                 "mx.lpse.example")
    strict_both = auth.authenticate(referenced_ids=(good,), auth_headers=passing, strict=True,
                                    **common)
    assert strict_both.verified is True
    assert strict_both.reason == (f"reply token of {BUDI} for LDP-000001 (nonce {NONCE}) and "
                                  "dkim=pass for lkpp.example by mx.lpse.example")


@pytest.mark.parametrize("secret", ["", "too-short-15chr"])
def test_the_gateway_refuses_to_start_with_agents_and_a_short_secret(secret):
    """With agents configured, a secret under 16 characters stops the configuration."""
    data = {"support": {"address": "helpdesk@lpse.example"}, "security": {"secret": secret},
            "teams": [{"id": "l0-lkpp", "level": "L0", "organisation": "LKPP"}],
            "agents": [{"email": BUDI, "team": "l0-lkpp"}]}
    with pytest.raises(ConfigError) as caught:
        config.from_mapping(data, {}, "ldp.toml")
    assert str(caught.value) == (
        "ldp.toml: security.secret must be at least 16 characters when agents are configured "
        "(it keys the agents' reply tokens; set LDP_SECURITY_SECRET)")
    data["security"]["secret"] = "s" * 16
    assert config.from_mapping(data, {}, "ldp.toml").security.secret == "s" * 16
    assert config.from_mapping({"support": data["support"]}, {}, "x").agents == ()


def test_the_reply_options_default_to_internal_notes_and_receipts_on():
    """security.default_visibility is internal or public; receipts are on unless turned off."""
    base = {"support": {"address": "helpdesk@lpse.example"}}
    settings = config.from_mapping(base, {"LDP_SECURITY_RECEIPTS": "false"}, "ldp.toml")
    assert (settings.security.default_visibility, settings.security.receipts) == \
        ("internal", False)
    with pytest.raises(ConfigError) as caught:
        config.from_mapping({**base, "security": {"default_visibility": "everyone"}}, {},
                            "ldp.toml")
    assert str(caught.value) == ("ldp.toml: security.default_visibility must be one of "
                                 "internal, public, got 'everyone'")
