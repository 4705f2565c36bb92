"""Fail CI when a test was skipped for a missing file; print every skip with its reason.

Reads the JUnit XML of the test run (`.ci/run` sets PYTEST_ADDOPTS=--junitxml=...). Tests read
their data from the repository and fail when it is missing; this catches the ways a missing
file turns into a quiet skip instead: a `pytest.skip` whose reason names a file, a folder or
the corpus, or a parameter set found empty (which pyproject.toml also makes fail at collection).
Skips for other reasons (a program CI does not have) are listed, not failed.
"""
from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ElementTree

MISSING_FILE = re.compile(r"\bfiles?\b|folder|director|corpus|missing|no such|does not exist|"
                          r"not found|empty parameter set", re.IGNORECASE)


def main(report: str) -> int:
    try:
        root = ElementTree.parse(report).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        print(f"check_skips: cannot read the test report {report}: {exc}", file=sys.stderr)
        return 1
    failed = 0
    for case in root.iter("testcase"):
        for skipped in case.iter("skipped"):
            reason = skipped.get("message") or skipped.text or ""
            name = f"{case.get('classname')}::{case.get('name')}"
            if MISSING_FILE.search(reason):
                failed += 1
                print(f"check_skips: skipped for a missing file: {name}: {reason}",
                      file=sys.stderr)
            else:
                print(f"check_skips: skipped: {name}: {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
