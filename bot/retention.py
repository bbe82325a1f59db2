"""Deleting what Kompis no longer needs: old conversations, journals, questions, sessions.

Run hourly by the web app; also `python -m bot.retention`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Dict

import sqlalchemy as sa

from bot import questions
from bot.settings import get_settings
from bot.storage import models
from bot.storage.db import engine, session_scope
from bot.storage.forget import forget_conversation

logger = logging.getLogger(__name__)
JOURNAL_DAYS = 7


def purge(now: float | None = None) -> Dict[str, int]:
    """Delete expired data; returns how much of each kind went."""
    now = now or time.time()
    settings = get_settings()
    counts = {"conversations": 0}
    if sa.inspect(engine()).has_table("events"):
        cutoff = now - settings.retention_days * 86400
        with session_scope() as s:
            old = [
                sender for (sender,) in s.execute(
                    sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                    {"cutoff": cutoff},
                )
            ]  # fmt: skip
            for sender in old:
                s.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
        for sender in old:
            forget_conversation(sender)
        counts["conversations"] = len(old)
    journal_cutoff = models.utcnow() - dt.timedelta(days=JOURNAL_DAYS)
    with session_scope() as s:
        counts["inbound"] = s.execute(
            sa.delete(models.InboundMessage).where(models.InboundMessage.processed_at < journal_cutoff)
        ).rowcount
        counts["outbound"] = s.execute(
            sa.delete(models.OutboundMessage).where(models.OutboundMessage.sent_at < journal_cutoff)
        ).rowcount
        counts["sessions"] = s.execute(
            sa.delete(models.StaffSession).where(models.StaffSession.expires_at < models.utcnow())
        ).rowcount
    counts["questions"] = questions.purge_expired()
    logger.info("retention: %s", counts)
    return counts


if __name__ == "__main__":
    from bot.storage.db import upgrade

    upgrade()
    print(purge())
