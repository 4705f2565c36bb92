"""Labelled sets of short texts (tests/data/*/): loaded, checked, and measured by precision and
recall, for the urgency rule's phrases and the thanks classifier's replies alike."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

LICENCE = "Licence: written for this project"


def load(path: Path, labels: tuple[str, str], minimum: int, longest: int) -> dict[str, list[str]]:
    """The set, checked: exactly the two lists, each of at least `minimum` distinct lines of at
    most `longest` characters, no line labelled both ways, and the licence line once."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert sorted(data) == sorted(labels)
    for label, lines in data.items():
        assert len(lines) >= minimum, label
        assert len({line.casefold() for line in lines}) == len(lines), label
        assert all(line.strip() == line and 0 < len(line) <= longest for line in lines), label
    first, second = ({line.casefold() for line in data[label]} for label in labels)
    assert not first & second
    assert path.read_text(encoding="utf-8").count(LICENCE) == 1
    return data


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    true_pos: int
    false_pos: list[str]  # taken for the label without it
    missed: list[str]  # with the label, not taken for it

    def counts(self) -> str:
        return (f"precision {self.precision:.3f} ({self.true_pos}/"
                f"{self.true_pos + len(self.false_pos)}), recall {self.recall:.3f} "
                f"({self.true_pos}/{self.true_pos + len(self.missed)})")


def measure(verdicts: dict[str, tuple[bool, bool]]) -> Figures:
    """`verdicts`: line -> (labelled positive, judged positive)."""
    true_pos = sum(1 for expected, got in verdicts.values() if expected and got)
    false_pos = [line for line, (expected, got) in verdicts.items() if got and not expected]
    missed = [line for line, (expected, got) in verdicts.items() if expected and not got]
    return Figures(true_pos / (true_pos + len(false_pos)), true_pos / (true_pos + len(missed)),
                   true_pos, false_pos, missed)
