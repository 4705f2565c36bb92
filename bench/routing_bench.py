"""How long routing one new mail takes against 200 rules, next to baselines from the same run.

    cd /work/main && /tmp/venv/bin/python -m bench.routing_bench

Rules and mails are generated from a fixed seed: keyword lists (made-up words, and phrases that
start with a word found in most mails), subject and body regexes, sender and recipient globs,
header tests, and all/any/not combinations. No generated rule matches a generated mail, so every
mail is tried against all 200 rules, the last one a catch-all: the worst case. The shipped
default_rules.toml is timed on the same mails.

The shared machine's speed varies from run to run, so every figure comes with its ratio to the
first baseline of the same run (one regex scan of each mail). Two more rows show what the index
and the pre-filters save: the same 200 rules with every rule evaluated (no skipping by the words
the rules need), and with every keyword list and regex run as a plain regex scan. Prints
two tables and one JSON line.
"""
from __future__ import annotations

import dataclasses
import json
import random
import statistics
import time
import tomllib
from pathlib import Path

from gateway.domain import Address, InboundMail, Level
from gateway.routing.chain import MailView, route
from gateway.routing.language import compile_keywords
from gateway.routing.rules import (
    All, AnyOf, Not, Rule, RuleSet, TextMatch, compile_rules,
)

SEED = 20240601
RULES = 200
MAILS = 300
ROUNDS = 5
TEAMS = {"l0-lkpp": Level.L0, "l0-telkom": Level.L0}
CATEGORIES = ("pertanyaan-umum", "akun", "tender", "email", "spse", "sikap", "lainnya")
DEFAULT_RULES = Path(__file__).parents[1] / "gateway" / "routing" / "default_rules.toml"

COMMON = """
    saya tidak bisa masuk ke aplikasi karena akun terkunci mohon bantuan untuk dokumen penawaran
    yang sudah diunggah tetapi gagal dan muncul pesan kesalahan pada halaman tender paket pekerjaan
    konstruksi penyedia pokja pemilihan jadwal tahap evaluasi kualifikasi harga kontrak surat
    terima kasih atas perhatian bapak ibu hormat kami direktur perusahaan kantor layanan pengadaan
    secara elektronik server lambat sekali kemarin hari ini besok pagi siang sore malam data nomor
    identitas pajak alamat email telepon kode verifikasi admin agency unit kerja wilayah provinsi
    kabupaten kota please help cannot open page error message the and for with this that upload
""".split()
DOMAINS = ("lkpp.go.id", "pu.go.id", "gmail.com", "yahoo.co.id", "cv-maju.co.id", "pt-abadi.com")


def _made_up(rng: random.Random) -> str:
    """A word that looks Indonesian but is in no generated mail."""
    while True:
        syllables = rng.randint(2, 4)
        word = "".join(rng.choice("bcdgklmnprstu") + rng.choice("aiueo") for _ in range(syllables))
        if word not in COMMON:
            return word


def _keywords(rng: random.Random) -> list[str]:
    """Made-up words, and phrases whose first word is common: that anchor is in most mails, so
    the pre-filter lets them through and the confirming regex runs (and fails) - the slow path."""
    return [_made_up(rng) if rng.random() < 0.5 else
            " ".join([rng.choice(COMMON), *(_made_up(rng) for _ in range(rng.randint(1, 2)))])
            for _ in range(rng.randint(3, 10))]


def _condition(rng: random.Random) -> dict:
    kind = rng.random()
    if kind < 0.35:
        return {rng.choice(("subject", "body", "text")): {"keywords": _keywords(rng)}}
    if kind < 0.50:
        words = f"{rng.choice(COMMON)}|{_made_up(rng)}"
        return {"subject": {"regex": rf"\b(?:{words})[- ]?\d{{2,4}}\b"}}
    if kind < 0.55:
        # Half start with a literal (the engine skips ahead to it), half with an alternation.
        start = rng.choice(("kode", "(?:kode|error)"))
        return {"body": {"regex": rf"{start}\s*[:#]?\s*{rng.randint(100, 999)}\b"}}
    if kind < 0.70:
        return {"from": [f"*@{_made_up(rng)}.go.id", "*.example"]}
    if kind < 0.80:
        return {"to": f"{_made_up(rng)}@*"}
    if kind < 0.90:
        return {"header": {"name": "X-Mailer", "keywords": [_made_up(rng), "outlook express"]}}
    return {"any": [{"text": {"keywords": _keywords(rng)}}, {"from": f"*.{_made_up(rng)}.go.id"}],
            "all": [{"not": {"to": "noreply@*"}}, {"not": {"subject": {"regex": "^re:"}}}]}


def generate_rules(rng: random.Random, count: int) -> list[dict]:
    rules = []
    for index in range(count - 1):
        rule = {"name": f"rule-{index:03d}", "when": _condition(rng),
                "category": rng.choice(CATEGORIES), "tags": [f"t{index}"]}
        if rng.random() < 0.1:
            rule["continue"] = True
        else:
            rule["team"] = rng.choice(tuple(TEAMS))
        rules.append(rule)
    rules.append({"name": "catch-all", "team": "l0-telkom"})
    return rules


def generate_mail(rng: random.Random, body_words: int | None = None) -> InboundMail:
    words = body_words or rng.randint(100, 800)
    ends = ("", "", "", ",", ".", "\n")
    body = " ".join(rng.choice(COMMON) + rng.choice(ends) for _ in range(words))
    subject = " ".join(rng.choice(COMMON) for _ in range(rng.randint(4, 10))).capitalize()
    sender = Address(f"user{rng.randint(1, 99)}@{rng.choice(DOMAINS)}")
    return InboundMail(
        message_id=None, sender=sender, to=(Address("helpdesk@lkpp.go.id"),), cc=(), reply_to=(),
        subject=subject, date=None, in_reply_to=(), references=(), text=body, html="",
        attachments=(), headers={"x-mailer": ("Microsoft Outlook 16.0",)}, digest="0", raw=b"",
    )


def _without_prefilter(rule: Rule) -> Rule:
    """The same rule with every pre-filter removed: one regex scan per keyword or regex test."""
    def strip(condition):
        if isinstance(condition, (All, AnyOf)):
            return type(condition)(tuple(map(strip, condition.parts)))
        if isinstance(condition, Not):
            return Not(strip(condition.part))
        if isinstance(condition, TextMatch):
            test = dataclasses.replace(condition.test, keywords=None, needles=())
            return TextMatch(condition.field, test)
        return condition
    return dataclasses.replace(rule, when=strip(rule.when))


def every_rule(rules: tuple[Rule, ...]):
    """Routing without the index: each rule's condition, in order, for
    every mail (the generated rules never match, so nothing needs merging)."""
    conditions = [rule.when for rule in rules]

    def call(mail: InboundMail) -> None:
        view = MailView(mail)
        for condition in conditions:
            condition.holds(view)
        _ = view.language
    return call


def kind_of(rule: dict) -> str:
    """A label for the first condition of a generated rule: "body.regex", "from", "any"..."""
    when = rule.get("when", {})
    key = next(iter(when), "none")
    return f"{key}.{next(iter(when[key]))}" if key in ("subject", "body", "text") else key


def by_kind(raw: list[dict], rules: RuleSet, mails: list[InboundMail]) -> dict[str, list]:
    """Per kind of condition: microseconds per mail (timer overhead included), and rule count,
    every rule evaluated (no index)."""
    kinds = {kind_of(rule): [0.0, 0] for rule in raw}
    for rule in raw:
        kinds[kind_of(rule)][1] += 1
    clock = time.perf_counter_ns
    for mail in mails:
        view = MailView(mail)
        # The lazily built forms (word sets, lower-case copies, language) are counted in no kind.
        _ = [getattr(view, form) for form in ("text_words", "text_lower", "text", "language",
                                              "sender", "recipients", "subject_words")]
        for source, rule in zip(raw, rules):
            start = clock()
            rule.when.holds(view)
            kinds[kind_of(source)][0] += (clock() - start) / 1000 / len(mails)
    return dict(sorted(kinds.items(), key=lambda item: -item[1][0]))


def measure(call, mails: list[InboundMail], rounds: int = ROUNDS) -> dict[str, float]:
    """Median and p99 of one call per mail, in microseconds, over all mails and rounds."""
    for mail in mails[:20]:
        call(mail)  # warm-up: caches, lazily built tables
    samples = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for mail in mails:
            start = clock()
            call(mail)
            samples.append(clock() - start)
    samples.sort()
    return {"median_us": statistics.median(samples) / 1000,
            "p99_us": samples[int(len(samples) * 0.99) - 1] / 1000}


def main() -> None:
    rng = random.Random(SEED)
    raw = generate_rules(rng, RULES)
    rules = compile_rules(raw, teams=TEAMS, categories=CATEGORIES)
    lkpp = {"name": "lkpp", "when": {"from": "*@lkpp.go.id"}, "team": "l0-lkpp"}
    one_rule = compile_rules([lkpp], teams=TEAMS, categories=CATEGORIES)
    unfiltered = RuleSet(map(_without_prefilter, rules))
    shipped = compile_rules(tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))["rules"],
                            teams=TEAMS, categories=CATEGORIES)
    mails = [generate_mail(rng) for _ in range(MAILS)]
    huge = [generate_mail(rng, body_words=150_000) for _ in range(5)]  # ~1 MB bodies, cut to 64 KB
    # What one keyword condition costs without the word lookup: its regex over the whole mail.
    scan = compile_keywords(_keywords(rng)).pattern
    tried = statistics.mean(len(route(rules, m, default_team="l0-telkom").tried) for m in mails)
    # What the index leaves to evaluate: the rules that need no keyword list the mail lacks.
    evaluated = statistics.mean(
        sum(needs is None or not needs.isdisjoint(met) for needs in rules.needs)
        for met in (MailView(m, rules).lists_met for m in mails))

    def routes(chain):
        return lambda mail: route(chain, mail, default_team="l0-telkom")

    rows = {
        "baseline: 1 keyword regex scan": measure(
            lambda mail: scan.search(f"{mail.subject}\n{mail.text}".lower()), mails),
        "baseline: route, 1 rule": measure(routes(one_rule), mails),
        "route, default_rules.toml": measure(routes(shipped), mails),
        f"route, {RULES} rules": measure(routes(rules), mails),
        f"{RULES} rules, every rule evaluated": measure(every_rule(rules), mails, rounds=2),
        f"{RULES} rules, plain regex scans": measure(routes(unfiltered), mails, rounds=1),
        f"route, {RULES} rules, 1 MB body": measure(routes(rules), huge, rounds=3),
    }
    report(rows, by_kind(raw, rules, mails), rules_tried=tried, rules_evaluated=evaluated,
           mean_body=statistics.mean(len(m.text) for m in mails))


def report(rows: dict[str, dict[str, float]], kinds: dict[str, list], *, rules_tried: float,
           rules_evaluated: float, mean_body: float) -> None:
    base = rows["baseline: 1 keyword regex scan"]["median_us"]
    print(f"{MAILS} mails (mean body {mean_body:,.0f} chars), {RULES} rules; per mail on average "
          f"{rules_tried:.1f} rules tried, {rules_evaluated:.1f} of them evaluated (the others "
          "skipped by the index)\nx scan: the median over the first baseline's median\n")
    print(f"{'case':40} {'median us':>10} {'p99 us':>10} {'x scan':>8}")
    for name, figures in rows.items():
        print(f"{name:40} {figures['median_us']:10.1f} {figures['p99_us']:10.1f} "
              f"{figures['median_us'] / base:8.1f}")
    print(f"\n{'time per mail by condition kind (all rules tried)':52} {'us':>8} {'rules':>6}")
    for kind, (spent, count) in kinds.items():
        print(f"{kind:52} {spent:8.1f} {count:6}")
    summary = {name: {k: round(v, 1) for k, v in figures.items()} for name, figures in rows.items()}
    print(json.dumps({"bench": "routing", "rules": RULES, "mails": MAILS,
                      "rules_tried_mean": round(rules_tried, 1),
                      "rules_evaluated_mean": round(rules_evaluated, 1), "cases": summary,
                      "us_by_kind": {kind: round(spent, 1) for kind, (spent, _) in kinds.items()}}))


if __name__ == "__main__":
    main()
