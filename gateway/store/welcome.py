"""Which agents were welcomed (`agent_welcome`); the caller holds the transaction."""
from __future__ import annotations

from gateway.store.database import utcnow
from gateway.store.models import AgentWelcomeRow as Row

FIRST_RUN = "*"  # the row that says the roster was first looked at


def welcomed() -> set[str]:
    """The lower-case addresses recorded, with FIRST_RUN once the first run happened."""
    return {row.agent for row in Row.select(Row.agent)}


def record(agent: str, mailed: bool) -> None:
    Row.create(agent=agent.lower(), mailed=int(mailed), welcomed_at=utcnow())
