"""What every Kompis action shares: the user's language, and an answer even on failure."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

CRISIS_INTENTS = ("crisis_emergency", "crisis_self_harm", "crisis_violence", "crisis_exploitation")


class Reply:
    """Utters responses by name, always in the conversation's language."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker):
        self.dispatcher = dispatcher
        self.language: Optional[str] = tracker.get_slot("language")

    def say(self, response: str, **variables: Any) -> None:
        """Utter `response` (a name from content/responses.yml or a special one)."""
        self.dispatcher.utter_message(response=response, language=self.language, **variables)


class KompisAction(Action, ABC):
    """Base for Kompis actions: subclasses implement `act`; a failure still gets an answer.

    Rasa swallows a failing custom action and the user would hear nothing; here the
    user is told, in their language, that something went wrong and to try again.
    """

    @abstractmethod
    def name(self) -> Text:
        """The action's name (abstract: keeps this base class unregistered)."""

    @abstractmethod
    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        """Do the action's work."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        """Run `act`, turning any error into an apology in the user's language."""
        reply = Reply(dispatcher, tracker)
        try:
            return await self.act(reply, tracker, domain)
        except Exception:
            logger.exception("action %s failed", self.name())
            dispatcher.messages.clear()
            reply.say("utter_error")
            return []


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity(tracker: Tracker, name: str) -> Optional[str]:
    """The first value of an entity in the latest message."""
    for e in tracker.latest_message.get("entities") or []:
        if e.get("entity") == name and e.get("value") not in (None, ""):
            return str(e["value"])
    return None


def reset_fallbacks(tracker: Tracker) -> List[EventType]:
    return [SlotSet("fallback_count", 0.0)] if tracker.get_slot("fallback_count") else []
