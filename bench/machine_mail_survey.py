"""Run `classify` over every mail in the shared corpus and count the verdicts per folder.

    python -m bench.machine_mail_survey [--list KIND ...] [--all]

The corpus is `../shared/corpus` beside the checkout, or the folder named by LDP_CORPUS. The
counts show how much machine mail each corpus holds; in the corpora of mail people wrote
(mailgun-talon, django-helpdesk, the reply-parser sets) anything but "person" is a false positive
worth a look, which `--list` prints file by file.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from gateway.errors import MalformedMail
from gateway.parsers.autoreply import classify
from gateway.parsers.mime import parse

NOT_MAIL = {".md", ".json", ".tsv", ".tnef"}  # expected outputs and raw TNEF, not messages
OWN_DOMAINS = ("ldp.example",)
LOOP_MARKER = "ldp-survey"
MAX_BYTES = 30 * 1024 * 1024


def corpus_root() -> Path:
    """LDP_CORPUS, else ../shared/corpus relative to the repository root."""
    env = os.environ.get("LDP_CORPUS")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def verdict_of(path: Path) -> tuple[str, str]:
    """(kind, reason) for one file; "person" for human mail, "unparsed" when it is no mail."""
    try:
        mail = parse(path.read_bytes()[:MAX_BYTES])
    except MalformedMail as exc:
        return "unparsed", str(exc)[:100]
    except Exception as exc:  # a parser crash is a finding of the survey, not a reason to stop
        return "crashed", f"{type(exc).__name__}: {exc}"[:100]
    verdict = classify(mail, own_domains=OWN_DOMAINS, loop_marker=LOOP_MARKER)
    return (verdict.kind, verdict.reason) if verdict else ("person", "")


def survey(root: Path) -> dict[str, list[tuple[Path, str, str]]]:
    """Every mail-like file under root, grouped by its top-level folder."""
    results: dict[str, list[tuple[Path, str, str]]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() in NOT_MAIL or path.name == "SOURCES.md":
            continue
        folder = path.relative_to(root).parts[0] if len(path.relative_to(root).parts) > 1 else "."
        results.setdefault(folder, []).append((path, *verdict_of(path)))
    return results


def print_table(results: dict[str, list[tuple[Path, str, str]]]) -> None:
    kinds = ["person", "loop", "bounce", "receipt", "auto-reply", "bulk", "system",
             "unparsed", "crashed"]
    print(f"{'folder':32}" + "".join(f"{k:>11}" for k in kinds))
    total: Counter[str] = Counter()
    for folder, rows in results.items():
        counts = Counter(kind for _path, kind, _reason in rows)
        total.update(counts)
        print(f"{folder:32}" + "".join(f"{counts[k]:>11}" for k in kinds))
    print(f"{'TOTAL':32}" + "".join(f"{total[k]:>11}" for k in kinds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", nargs="*", default=[], metavar="KIND",
                        help="also print each file of these kinds with its reason")
    parser.add_argument("--all", action="store_true", help="print every file and its verdict")
    args = parser.parse_args(argv)
    root = corpus_root()
    if not root.is_dir():
        print(f"corpus not found: {root} (set LDP_CORPUS)", file=sys.stderr)
        return 66
    results = survey(root)
    print_table(results)
    for rows in results.values():
        for path, kind, reason in rows:
            if args.all or kind in args.list:
                print(f"{kind:11} {path.relative_to(root)}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
