"""The poison-message limit: a message the database keeps failing on is quarantined after
POISON_ATTEMPTS tries (a row of `failures`' table), with its own reason and a
`poison_message` event, and intake goes on.

Two ways a message can be to blame:
- the database refuses what it carries while it is up (DatabaseRefused: "too many SQL
  variables", an index row over PostgreSQL's limit): tried again at once, in a fresh
  savepoint, POISON_ATTEMPTS times;
- the connection breaks while it is being stored (a statement that brings the server down
  looks like any outage): the batch is tried again after the reconnection, and each break
  during the same message (by the hash of its bytes) is counted in this process.
"""
from __future__ import annotations

import collections
import hashlib
import logging

from gateway import failures
from gateway.domain import Disposition, Outcome
from gateway.failures import POISON_ATTEMPTS  # noqa: F401 - the limit, named here too
from gateway.store import database, mailbox, tickets

log = logging.getLogger("ldp")
EVENT = "poison_message"
_REMEMBERED = 10_000  # digests of messages in flight at a connection break, at most


class Strikes:
    """How often the connection broke while each message (by the hash of its bytes) was being
    stored. Hashed only once there is something to count."""

    def __init__(self) -> None:
        self._counts: collections.OrderedDict[str, int] = collections.OrderedDict()

    def add(self, raw: bytes) -> int:
        digest = hashlib.sha256(raw).hexdigest()
        count = self._counts.pop(digest, 0) + 1
        self._counts[digest] = count
        while len(self._counts) > _REMEMBERED:
            self._counts.popitem(last=False)
        return count

    def exhausted(self, raw: bytes) -> bool:
        if not self._counts:
            return False
        count = self._counts.get(hashlib.sha256(raw).hexdigest(), 0)
        return failures.for_broken_connections(count) is failures.Action.QUARANTINE

    def forget(self, raw: bytes) -> None:
        if self._counts:
            self._counts.pop(hashlib.sha256(raw).hexdigest(), None)


STRIKES = Strikes()  # one per process: every intake round of `ldp run` shares it


def quarantine(db, raw: bytes, error: str, source: str, uid: int | None,
               attempts: int) -> Outcome:
    """Quarantine a poison message, with an event naming it, in a transaction of its own (a
    savepoint within the caller's batch)."""
    reason = f"poison message: failed {attempts} times, last: {error}"
    log.error("ALERT: %s (%s UID %s)", reason, source, uid)
    with database.transaction(db):
        item = mailbox.quarantine(raw, reason, source, uid)
        tickets.add_event(None, EVENT, "intake",
                          f"quarantine #{item}: {source} UID {uid}: {reason}"[:4000],
                          new=item)
    return Outcome(Disposition.QUARANTINED, detail=f"quarantine #{item}: {reason}")
