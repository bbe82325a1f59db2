"""The inbound journal: every user message is stored before it is acknowledged.

Rasa stores a user message only at the end of its turn, so a crash mid-turn would lose
it. Channels call `record()` first (a duplicate returns False and is dropped), hand the
message to Rasa, and call `done()` when Rasa has stored it. `unprocessed()` lists what a
restart must replay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.storage import models
from bot.storage.db import run_sync, session_scope


@dataclass(frozen=True)
class Entry:
    channel: str
    external_id: str
    conversation_id: str
    payload: Dict[str, Any]
    attempts: int


def _record(channel: str, external_id: str, conversation_id: str, payload: Dict[str, Any]) -> bool:
    try:
        with session_scope() as session:
            session.add(
                models.InboundMessage(
                    channel=channel,
                    external_id=external_id,
                    conversation_id=conversation_id,
                    payload=payload,
                    attempts=0,
                    received_at=models.utcnow(),
                )
            )
        return True
    except IntegrityError:
        return False


async def record(channel: str, external_id: str, conversation_id: str, payload: Dict[str, Any]) -> bool:
    """Store a message; False if this channel already had a message with this id."""
    return await run_sync(_record, channel, external_id, conversation_id, payload)


def _update(channel: str, external_id: str, **values: Any) -> None:
    with session_scope() as session:
        session.execute(
            sa.update(models.InboundMessage)
            .where(models.InboundMessage.channel == channel, models.InboundMessage.external_id == external_id)
            .values(**values)
        )


async def done(channel: str, external_id: str) -> None:
    """Rasa has stored the message: clear its text, keep the id to drop late duplicates."""
    await run_sync(lambda: _update(channel, external_id, processed_at=models.utcnow(), payload=None))


async def attempt(channel: str, external_id: str) -> None:
    """Count a failed attempt to process a message."""
    await run_sync(lambda: _update(channel, external_id, attempts=models.InboundMessage.attempts + 1))


def _unprocessed(channel: str, older_than: dt.timedelta, limit: int) -> List[Entry]:
    cutoff = models.utcnow() - older_than
    with session_scope() as session:
        rows = session.execute(
            sa.select(models.InboundMessage)
            .where(
                models.InboundMessage.channel == channel,
                models.InboundMessage.processed_at.is_(None),
                models.InboundMessage.received_at <= cutoff,
            )
            .order_by(models.InboundMessage.id)
            .limit(limit)
        ).scalars()
        return [
            Entry(r.channel, r.external_id, r.conversation_id, dict(r.payload or {}), r.attempts)
            for r in rows
        ]


async def unprocessed(
    channel: str, older_than: dt.timedelta = dt.timedelta(seconds=0), limit: int = 100
) -> List[Entry]:
    """Messages stored but not yet processed, oldest first."""
    return await run_sync(_unprocessed, channel, older_than, limit)
