"""Documented adjustments to Rasa 3.6.21 behaviour, applied in the Rasa process.

Each one closes a failure mode listed in the design notes, and each has a test:
- Rasa waits up to 300 s for the action server (a hard-coded constant), longer than the
  60 s conversation lock: we wait `ACTION_TIMEOUT` seconds (10 by default).
- Rasa wraps every tracker store in `FailSafeTrackerStore`, which silently falls back
  to memory when the database fails, so a failed read starts a new, empty conversation
  and later writes corrupt the stored one. We raise instead: the channel keeps the
  message in its journal, tells the user to try again, and replays it later.
- Rasa checks every action server response against a JSON schema with
  `jsonschema.validate`, which first re-checks the (constant) schema itself: 28% of the
  Rasa server's busy time in a profile of `make bench`. We build the validator once and
  validate each response with it; what passes and what fails is unchanged.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Dict, Iterable, Optional, Text

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


@functools.cache
def _validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


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
    action_module.RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _applied = True
