"""Rasa's SQL tracker store on `DATABASE_URL`, for endpoints.yml.

Rasa's own `type: SQL` takes host, port and database separately; we take one URL so
that the tracker store and Kompis' tables always share the database. It also deletes
a conversation when the user asked to be forgotten (see actions/forget.py).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class KompisTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose database comes from the `DATABASE_URL` setting."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        host: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        rasa_patches.apply()
        url = get_settings().database_url
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store new events, or delete the conversation if the user asked us to."""
        if tracker.get_slot("forget_requested"):
            await self.delete(tracker.sender_id)
            return
        await super().save(tracker)

    async def delete(self, sender_id: str) -> None:
        """Delete every event of a conversation, and Kompis' rows about it."""
        from bot.storage.forget import forget_conversation

        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        forget_conversation(sender_id)
