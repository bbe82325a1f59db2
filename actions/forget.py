"""Deleting a conversation when the user asks (the `forget_me` intent, /forget)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import KompisAction, Reply, entity


def forget_events() -> List[EventType]:
    """Events that make the tracker store delete the conversation instead of saving it.

    The deletion must happen after Rasa's last save of this turn, or the save would
    write the conversation back; KompisTrackerStore.save() does it.
    """
    return [SlotSet("forget_requested", True)]


class ActionForget(KompisAction):
    """Asks for confirmation, then deletes everything stored about this conversation."""

    def name(self) -> Text:
        return "action_forget"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if entity(tracker, "confirmed") == "yes":
            reply.say("utter_forget_done")
            return forget_events()
        reply.say("utter_forget_confirm")
        return [SlotSet("pending", "forget")]
