"""'Where can I find help': services from the help directory, by town and kind."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import KompisAction, Reply, entity, latest_intent, reset_fallbacks
from actions.conversation import welcome_once
from actions.question_log import count_topic
from bot import directory
from bot.content import catalogue


def kinds_for(intent: Optional[str], topic: Optional[str]) -> List[str]:
    """The kinds of help to look for: from a topic's help_kinds, or from the intent."""
    meta = catalogue().topic_meta.get(topic or "")
    if intent == "find_help" and meta and meta.help_kinds:
        return list(meta.help_kinds)
    return list(directory.INTENT_KINDS.get(intent or "", directory.INTENT_KINDS["find_help"]))


async def show_services(
    reply: Reply, tracker: Tracker, intent: str, kinds: Sequence[str], city: Optional[str]
) -> List[EventType]:
    """Utter up to three local services and the national ones."""
    audience = [g for g in [tracker.get_slot("age_group")] if g in ("minor", "adult")]
    if tracker.get_slot("language") == "ro" or tracker.get_slot("topic") == "eu_citizen_youth":
        audience.append("eu")  # most Romanian speakers here are EU citizens
    found = await asyncio.to_thread(directory.find, kinds, city, audience)
    await count_topic(tracker, intent)
    reply.say(
        "utter_directory",
        intent=intent,
        city=city,
        local=[s.as_dict() for s in found["local"]],
        national=[s.as_dict() for s in found["national"]],
    )
    return [SlotSet("pending", None)] + reset_fallbacks(tracker)


class ActionFindHelp(KompisAction):
    """Finds services for a find_* intent; asks for the town first if it is unknown."""

    def name(self) -> Text:
        return "action_find_help"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = latest_intent(tracker) or "find_help"
        topic = entity(tracker, "topic") or (tracker.get_slot("topic") if intent == "find_help" else None)
        kinds = kinds_for(intent, topic)
        events = welcome_once(reply, tracker)
        city = tracker.get_slot("city")
        if not city and not tracker.get_slot("city_skipped"):
            reply.say("utter_ask_city")
            return events + [SlotSet("pending", f"city:{intent}:{','.join(kinds)}")]
        return events + await show_services(reply, tracker, intent, kinds, city)


class ActionInformCity(KompisAction):
    """The user said where they are: continue a search that waited for the town."""

    def name(self) -> Text:
        return "action_inform_city"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        city = tracker.get_slot("city")
        skipped = entity(tracker, "confirmed") == "no"
        pending = tracker.get_slot("pending") or ""
        if not city and not skipped:
            reply.say("utter_city_unknown")
            return []
        events: List[EventType] = [SlotSet("city_skipped", True)] if skipped else []
        if pending.startswith("city:"):
            _, intent, kinds = pending.split(":", 2)
            return events + await show_services(reply, tracker, intent, kinds.split(","), city)
        if skipped:
            reply.say("utter_ok_yes")
            return events + [SlotSet("pending", None)]
        reply.say("utter_city_noted")
        reply.say("utter_menu_section", section="find_help")
        return [SlotSet("pending", None)]
