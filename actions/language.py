"""The conversation's language: kept up to date after every message, and chosen."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import KompisAction, Reply, entity, latest_intent
from bot.language import codes, update_language


class ActionUpdateLanguage(KompisAction):
    """Fills the `language` slot (custom slot mapping, runs after every user message)."""

    def name(self) -> Text:
        return "action_update_language"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message
        explicit = None
        chosen = entity(tracker, "language")
        if chosen in codes() and latest_intent(tracker) == "choose_language":
            explicit = chosen
        detection = message.get("language_detection") or {}
        detected, confidence = detection.get("code"), float(detection.get("confidence") or 0.0)
        hint = (message.get("metadata") or {}).get("language_hint")
        if detected is None and hint in codes():
            # Telegram's app language or the web page's language: a weak hint only.
            detected, confidence = hint, 0.3
        current = tracker.get_slot("language")
        current_conf = tracker.get_slot("language_confidence")
        code, conf = update_language(current, current_conf, detected, confidence, explicit)
        if code == current and conf == (current_conf or 0.0):
            return []
        return [SlotSet("language", code), SlotSet("language_confidence", conf)]


class ActionChooseLanguage(KompisAction):
    """Confirms a chosen language, or shows the picker when none was named."""

    def name(self) -> Text:
        return "action_choose_language"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if entity(tracker, "language") not in codes():
            reply.say("utter_choose_language")
            return []
        reply.say("utter_language_set")
        events: List[EventType] = []
        if not tracker.get_slot("privacy_shown"):
            reply.say("utter_welcome")
            events.append(SlotSet("privacy_shown", True))
        reply.say("utter_menu")
        return events
