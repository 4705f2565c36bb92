"""The reporters' satisfaction in the report (issue 18, item 3): per level and team that
resolved the tickets, the answers given in the period, their IKM score (the mean of the 1-4
answers times 25) and the comments, each with its ticket. A comment is the reporter's text:
the formats print it as text (one line, escaped in HTML), never as a template or a format."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gateway.parsers import safetext
from gateway.parsers.survey import ikm
from gateway.store import surveys


@dataclass
class Satisfaction:
    level: str
    team: str
    scores: list[int] = field(default_factory=list)
    comments: list[tuple[str, int, str]] = field(default_factory=list)  # (ref, score, words)

    def figures(self) -> dict[str, object]:
        return {"level": self.level, "team": self.team, "answers": len(self.scores),
                "ikm": ikm(self.scores),
                "comments": [{"ref": ref, "score": score, "comment": safetext.one_line(words)}
                             for ref, score, words in self.comments]}


def build(begin: datetime, finish: datetime, level: str | None = None,
          team: str | None = None) -> list[Satisfaction]:
    """The answers given in [begin, finish), per level and team; the caller holds a
    transaction."""
    groups: dict[tuple[str, str], Satisfaction] = {}
    for answer in surveys.answered_between(begin, finish):
        if (level and answer.level != level.upper()) or (team and answer.team != team):
            continue
        group = groups.setdefault((answer.level, answer.team),
                                  Satisfaction(answer.level, answer.team))
        group.scores.append(answer.score)
        if answer.comment:
            group.comments.append((answer.ref, answer.score, answer.comment))
    return [groups[key] for key in sorted(groups)]
