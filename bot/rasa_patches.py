"""Documented adjustments to Rasa 3.6.21 behaviour, applied in the Rasa process.

Each one closes a failure mode listed in the design notes, and each has a test:
- Rasa waits up to 300 s for the action server (a hard-coded constant), longer than the
  60 s conversation lock: we wait `ACTION_TIMEOUT` seconds (10 by default).
- Rasa wraps every tracker store in `FailSafeTrackerStore`, which silently falls back
  to memory when the database fails, so a failed read starts a new, empty conversation
  and later writes corrupt the stored one. We raise instead: the channel keeps the
  message in its journal, tells the user to try again, and replays it later.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Optional, Text

logger = logging.getLogger(__name__)
_applied = False


class TrackerStoreUnavailable(RuntimeError):
    """The conversation database could not be read or written."""


def _loud_tracker_store_class() -> Any:
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    class LoudTrackerStore(FailSafeTrackerStore):
        """Like FailSafeTrackerStore, but a database failure is an error, not a reset."""

        def _fail(self, what: str, error: Exception) -> TrackerStoreUnavailable:
            logger.critical("Tracker store %s failed: %s", what, type(error).__name__)
            return TrackerStoreUnavailable(f"tracker store {what} failed")

        async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
            try:
                return await self._tracker_store.retrieve(sender_id)
            except Exception as e:
                raise self._fail("read", e) from e

        async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
            try:
                return await self._tracker_store.retrieve_full_tracker(sender_id)
            except Exception as e:
                raise self._fail("read", e) from e

        async def keys(self) -> Iterable[Text]:
            try:
                return await self._tracker_store.keys()
            except Exception as e:
                raise self._fail("keys", e) from e

        async def save(self, tracker: DialogueStateTracker) -> None:
            try:
                await self._tracker_store.save(tracker)
            except Exception as e:
                raise self._fail("write", e) from e

    return LoudTrackerStore


def apply() -> None:
    """Apply the adjustments once per process (idempotent)."""
    global _applied
    if _applied:
        return
    import rasa.core.actions.action as action_module
    import rasa.core.agent as agent_module

    from bot.settings import get_settings

    action_module.DEFAULT_REQUEST_TIMEOUT = get_settings().action_timeout  # type: ignore[attr-defined]
    agent_module.FailSafeTrackerStore = _loud_tracker_store_class()  # type: ignore[misc]
    _applied = True
