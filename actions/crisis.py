"""Crisis first: emergency numbers and a person, for every crisis intent."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import CRISIS_INTENTS, KompisAction, Reply, latest_intent
from actions.question_log import count_topic


class ActionCrisis(KompisAction):
    """Answers a crisis with the right numbers for the situation and offers a person now."""

    def name(self) -> Text:
        return "action_crisis"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = latest_intent(tracker)
        kind = intent if intent in CRISIS_INTENTS else "crisis_emergency"
        # No welcome or privacy notice first: the numbers come before anything else.
        reply.say("utter_crisis", kind=kind)
        await count_topic(tracker, kind)
        return [SlotSet("topic", kind), SlotSet("pending", None), SlotSet("fallback_count", 0.0)]
