"""Which application (SPSE, SIKaP, other) and which LPSE a mail concerns: the operator's list
(`routing/lpse.toml`, or `[lpse] file`), read and checked once, and the pure matching.

`detect` reads a new mail at intake (through `routing.chain.MailView`, so routing rules can
match on what it finds): the LPSE from the sender's domain first, then from a phrase in the
subject, then in the text; the application from a phrase in the subject, then the text. The
earliest mention wins; of two phrases at one place, the longer. `Directory.find_lpse` and
`find_application` read what an agent writes after #lpse and #aplikasi, and `close_to` says
which entries an unknown name resembles.

Phrases are compared in a folded form (`fold`): accents, punctuation and spacing gone, the
file's abbreviations spelt out ("Kab." is "kabupaten"), lower case; a phrase matches whole
words only, and a text is read a word at a time (one look-up per word, whatever the list's
length). `exact` application names are compared in the same folded form but keep their
case: "SIKaP" is the system, "sikap" (attitude) is a word.
"""
from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from gateway import resources
from gateway.errors import ConfigError

OTHER = "other"  # the application of a mail about another system (agents: "lainnya")
OTHER_WORDS = (OTHER, "lainnya", "lain")
NONE_WORDS = ("none", "tidak-ada", "-")  # what clears a ticket's LPSE or application
TEXT_CHARS = 8_000  # how much of a mail's text is read: a report names its LPSE early (~1 ms)
CLOSE_CHARS = 100  # no LPSE's name is longer; an agent's longer line resembles none
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")
_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True)
class Lpse:
    code: str
    name: str
    domains: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # folded: the name, the file's phrases, the domains


@dataclass(frozen=True)
class Application:
    name: str
    phrases: tuple[str, ...] = ()  # folded, lower case
    exact: tuple[str, ...] = ()  # folded, case kept


@dataclass(frozen=True)
class Detected:
    application: str | None = None
    lpse: str | None = None  # the code


@dataclass(frozen=True)
class Directory:
    applications: tuple[Application, ...]
    lpse: tuple[Lpse, ...]
    abbreviations: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        # Compiled once per list: frozen, so set past the dataclass's own __setattr__.
        object.__setattr__(self, "_lpse_finder", _finder(
            {p: e.code for e in self.lpse for p in e.phrases}))
        object.__setattr__(self, "_app_finder", _finder(
            {p: a.name for a in self.applications for p in a.phrases}))
        object.__setattr__(self, "_exact_finder", _finder(
            {p: a.name for a in self.applications for p in a.exact}))

    def get(self, code: str) -> Lpse | None:
        return next((e for e in self.lpse if e.code == code), None)

    def application_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.applications)

    def fold(self, text: str, *, lower: bool = True) -> str:
        return fold(text, self.abbreviations, lower=lower)

    def find_lpse(self, name: str) -> Lpse | None:
        """The LPSE an agent's words name: its code, its name or a phrase (folded), or one
        of its domains; None when nothing matches."""
        wanted = name.strip().lower()
        by_code = self.get(wanted)
        if by_code is not None:
            return by_code
        if _DOMAIN.fullmatch(wanted):  # a domain, or a host under one: lpse.slemankab.go.id
            return self.get(self.lpse_of_domain("@" + wanted) or "")
        folded = self.fold(name)
        return next((e for e in self.lpse if folded in e.phrases), None) if folded else None

    def find_application(self, word: str) -> str | None:
        """The listed spelling of the application `word` names ("sikap" -> "SIKaP"); "other"
        for lainnya/other; None when unknown."""
        wanted = word.strip().lower()
        if wanted in OTHER_WORDS:
            return OTHER
        return next((a.name for a in self.applications if a.name.lower() == wanted), None)

    def close_to(self, name: str, limit: int = 5) -> tuple[str, ...]:
        """The codes of the LPSE whose code or name resembles `name`, closest first: the
        whole words alike, or a place name in them alike to one in the LPSE's names. Only the
        first CLOSE_CHARS count: a comparison costs the product of the two lengths."""
        name = name[:CLOSE_CHARS]
        wanted = name.strip().lower()
        generic = {"lpse", *" ".join(self.abbreviations.values()).split()}
        places = [w for w in self.fold(name).split() if w not in generic]

        def distinct(phrase: str) -> str:  # a name without its generic words
            return " ".join(w for w in phrase.split() if w not in generic)

        scored = []
        for entry in self.lpse:
            score = max([difflib.SequenceMatcher(None, wanted, entry.code).ratio(),
                         *(difflib.SequenceMatcher(None, " ".join(places), distinct(p)).ratio()
                           for p in entry.phrases)])
            own = {w for p in entry.phrases for w in p.split()} - generic
            if any(difflib.get_close_matches(w, own, n=1, cutoff=0.8)
                   for w in places if len(w) > 2):
                score = max(score, 0.8)
            if score >= 0.75:
                scored.append((-score, entry.code))
        return tuple(code for _, code in sorted(scored)[:limit])

    def detect(self, sender: str, subject: str, text: str) -> Detected:
        """The application and the LPSE a new mail concerns (see the module docstring)."""
        cased = [words(t, self.abbreviations) for t in (subject, _unquoted(text[:TEXT_CHARS]))]
        lowered = [" ".join(each).lower().split() for each in cased]
        present = [set(each) for each in lowered]
        lpse = self.lpse_of_domain(sender)
        if lpse is None:
            lpse = next(filter(None, (_first(self._lpse_finder, each, held)
                                      for each, held in zip(lowered, present))), None)
        application = None
        for upper, lower, held in zip(cased, lowered, present):
            found = [hit for hit in (_first_at(self._app_finder, lower, held),
                                     _first_at(self._exact_finder, upper)) if hit]
            if found:
                application = min(found)[2]
                break
        return Detected(application, lpse)

    def lpse_of_domain(self, address: str) -> str | None:
        """The LPSE whose domain is the address's domain or a parent of it (the longest
        listed domain wins: lpse.x.go.id over x.go.id)."""
        local, at, domain = address.rpartition("@")
        domain = domain.strip().lower().rstrip(".")
        if not at or not domain:
            return None
        best = max(((len(d), e.code) for e in self.lpse for d in e.domains
                    if domain == d or domain.endswith("." + d)), default=None)
        return best[1] if best else None


def fold(text: str, abbreviations: dict[str, str] | None = None, *, lower: bool = True) -> str:
    """`words` joined by one space, in lower case unless `lower` is False."""
    joined = " ".join(words(text, abbreviations))
    return joined.lower() if lower else joined


def words(text: str, abbreviations: dict[str, str] | None = None) -> list[str]:
    """The words of `text` as phrases are compared: accents off, anything but letters and
    digits a separator, the abbreviations spelt out (in lower case), case kept otherwise."""
    if text.isascii():  # the common case: a table, many times faster than a regex's sub
        text = text.translate(_SEPARATORS)
    else:
        text = _NOT_WORD.sub(" ", _COMBINING.sub("", unicodedata.normalize("NFKD", text)))
    found = text.split()
    if abbreviations and not abbreviations.keys().isdisjoint(lowered := text.lower().split()):
        # Spelt out word by word only in a text that holds one (most hold none).
        found = [abbreviations.get(low, word) for word, low in zip(found, lowered)]
    return found


def _unquoted(text: str) -> str:
    """The text without quoted lines (">"): an older mail quoted is not what this one says."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


# Phrases by their first word: (the phrase's words, its value), the longest first. A text is
# read word by word, once, with one look-up per word: a regex alternation of every phrase costs
# a try of each at each place (milliseconds on a long mail, for a list of hundreds of LPSE).
_Finder = dict[str, tuple[tuple[tuple[str, ...], str], ...]]


def _finder(phrases: dict[str, str]) -> _Finder:
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, value in phrases.items():
        split = tuple(phrase.split())
        by_first.setdefault(split[0], []).append((split, value))
    return {first: tuple(sorted(found, key=lambda f: -len(f[0])))
            for first, found in by_first.items()}


def _first_at(finder: _Finder, text: list[str],
              present: set[str] | frozenset[str] | None = None) -> tuple[int, int, str] | None:
    """(word position, -length, value) of the earliest (then longest) phrase among the words
    of `text` (`present`: the set of them, when the caller has it), or None: whole words by
    construction. Only the first words the text holds are looked for, each from one
    occurrence to the next (list.index: no Python loop per word)."""
    best = None
    present = set(text) if present is None else present
    for first in finder.keys() & present:
        # A common first word ("di sikap") is scanned only when the text holds every word of
        # one of its phrases.
        if not any(present.issuperset(phrase) for phrase, _value in finder[first]):
            continue
        position = text.index(first)
        while best is None or position < best[0]:
            hit = next(((position, -len(phrase), value) for phrase, value in finder[first]
                        if tuple(text[position:position + len(phrase)]) == phrase), None)
            if hit is not None:
                best = hit if best is None or hit < best else best
                break
            try:
                position = text.index(first, position + 1)
            except ValueError:
                break
    return best


def _first(finder: _Finder, text: list[str], present: set[str] | None = None) -> str | None:
    hit = _first_at(finder, text, present)
    return hit[2] if hit else None


# ---- the file -----------------------------------------------------------------------------------


def path_of(setting: str) -> Path:
    return resources.default_lpse() if setting in ("", "default") else Path(setting)


def directory(setting: str = "default") -> Directory:
    """The list `[lpse] file` names ("default": the shipped one), read once per path."""
    return _load(str(path_of(setting)))


@lru_cache(maxsize=8)
def _load(path: str) -> Directory:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the LPSE list: {exc}") from None
    return parse(data, path)


def parse(data: dict, source: str) -> Directory:
    """A directory from the TOML's data; a one-line ConfigError naming `source` and the entry."""
    unknown = set(data) - {"abbreviations", "applications", "lpse"}
    if unknown:
        raise ConfigError(f"{source}: unknown key {sorted(unknown)[0]!r}")
    abbreviations = data.get("abbreviations", {})
    if not isinstance(abbreviations, dict) or not all(
            isinstance(v, str) and fold(k) == k.lower() and " " not in k and fold(v) == v
            and v for k, v in abbreviations.items()):
        raise ConfigError(f"{source}: abbreviations must map one word to lower-case words")
    abbreviations = {k.lower(): v for k, v in abbreviations.items()}
    applications = tuple(_application(row, i, source, abbreviations)
                         for i, row in enumerate(_tables(data, "applications", source)))
    names = [a.name.lower() for a in applications]
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: an application is listed twice")
    if OTHER not in names:
        applications += (Application(OTHER),)
    entries = tuple(_lpse(row, i, source, abbreviations)
                    for i, row in enumerate(_tables(data, "lpse", source)))
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        twice = next(c for c in codes if codes.count(c) > 1)
        raise ConfigError(f"{source}: lpse code {twice!r} is listed twice")
    _unique(source, "domain", [(d, e.code) for e in entries for d in e.domains])
    _unique(source, "phrase", [(p, e.code) for e in entries for p in set(e.phrases)])
    _unique(source, "application phrase",
            [(p, a.name) for a in applications for p in set(a.phrases)] +
            [(p.lower(), a.name) for a in applications for p in set(a.exact)])
    return Directory(applications, entries, abbreviations, source)


def _tables(data: dict, key: str, source: str) -> list[dict]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ConfigError(f"{source}: {key} must be [[{key}]] tables")
    return rows


def _unique(source: str, what: str, pairs: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for value, owner in pairs:
        if value in seen and seen[value] != owner:
            raise ConfigError(f"{source}: {what} {value!r} is listed for both "
                              f"{seen[value]!r} and {owner!r}")
        seen.setdefault(value, owner)


def _phrases(row: dict, key: str, where: str, abbreviations: dict[str, str], *,
             lower: bool = True) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    folded = tuple(fold(v, abbreviations, lower=lower) for v in value)
    if not all(folded):
        raise ConfigError(f"{where}: {key} has an entry without letters or digits")
    return tuple(dict.fromkeys(folded))


def _application(row: dict, index: int, source: str,
                 abbreviations: dict[str, str]) -> Application:
    where = f"{source}: applications[{index}]"
    if set(row) - {"name", "phrases", "exact"}:
        raise ConfigError(f"{where}: unknown key {sorted(set(row) - {'name', 'phrases', 'exact'})[0]!r}")
    name = row.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(f"{where}: name must be one word (letters, digits, -)")
    where = f"{where} ({name})"
    return Application(name, _phrases(row, "phrases", where, abbreviations),
                       _phrases(row, "exact", where, {}, lower=False))


def _lpse(row: dict, index: int, source: str, abbreviations: dict[str, str]) -> Lpse:
    where = f"{source}: lpse[{index}]"
    keys = {"code", "name", "domains", "phrases"}
    if set(row) - keys:
        raise ConfigError(f"{where}: unknown key {sorted(set(row) - keys)[0]!r}")
    code = row.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ConfigError(f"{where}: code must be lower-case letters, digits and '-'")
    where = f"{where} ({code})"
    name = row.get("name")
    if not isinstance(name, str) or not fold(name) or "\n" in name:
        raise ConfigError(f"{where}: name must be one line")
    domains = row.get("domains", [])
    if not isinstance(domains, list) or not all(
            isinstance(d, str) and _DOMAIN.fullmatch(d.lower()) for d in domains):
        raise ConfigError(f"{where}: domains must be a list of domains like slemankab.go.id")
    domains = tuple(dict.fromkeys(d.lower() for d in domains))
    phrases = (fold(name, abbreviations),
               *_phrases(row, "phrases", where, abbreviations),
               *(fold(d) for d in domains))
    return Lpse(code, name.strip(), domains, tuple(dict.fromkeys(phrases)))
