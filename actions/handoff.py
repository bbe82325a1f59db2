"""Handing a conversation over to a person at an organisation, with the user's consent."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, ConversationResumed, EventType, SlotSet

from actions.base import KompisAction, Reply, entity, reset_fallbacks
from actions.directory import show_services
from bot import handoff


def _channel(tracker: Tracker) -> str:
    """The channel the user writes from (the last user message's input channel)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("input_channel") or "webchat"
    return "webchat"


class ActionRequestHuman(KompisAction):
    """Offers organisations (authority or not, hours, wait), asks what to share, then queues.

    Step 1: which organisation (skipped when only one takes chats); step 2: share the chat
    so far or only new messages; step 3: a ticket, and the conversation is paused until a
    person hands it back. With no organisation available, the national lines.
    """

    def name(self) -> Text:
        return "action_request_human"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = reset_fallbacks(tracker)
        urgent = entity(tracker, "urgency") == "crisis" or (tracker.get_slot("topic") or "").startswith(
            "crisis_"
        )
        if urgent:
            events.append(SlotSet("handoff_urgency", "crisis"))
        urgency = "crisis" if urgent or tracker.get_slot("handoff_urgency") == "crisis" else "normal"
        org_slug = entity(tracker, "org")
        share = entity(tracker, "share")
        orgs = await asyncio.to_thread(handoff.available_organisations, tracker.get_slot("city"))
        if not orgs:
            reply.say("utter_handoff_none")
            return events + await show_services(reply, tracker, "request_human", ["helpline"], None)
        chosen = next((o for o in orgs if o.slug == org_slug), None)
        if chosen is None and len(orgs) == 1:
            chosen = orgs[0]
        if chosen is None:
            reply.say("utter_handoff_choose", orgs=[o.as_dict() for o in orgs])
            return events
        if share not in ("all", "new"):
            reply.say("utter_handoff_share", org=chosen.as_dict())
            return events
        ticket = await asyncio.to_thread(
            handoff.create_ticket,
            tracker.sender_id,
            _channel(tracker),
            tracker.get_slot("language") or "sv",
            chosen.slug,
            share == "all",
            tracker.get_slot("topic"),
            urgency,
        )
        reply.say("utter_handoff_queued", org_name=chosen.name, urgent=ticket.urgency == "crisis")
        if not chosen.open_now:
            reply.say("utter_handoff_closed", org_name=chosen.name)
            await show_services(reply, tracker, "request_human", ["helpline"], None)
        return events + [SlotSet("pending", None), SlotSet("handoff_urgency", None), ConversationPaused()]


class ActionLeaveQueue(KompisAction):
    """The young person leaves the queue or the chat with a person; Kompis is back."""

    def name(self) -> Text:
        return "action_leave_queue"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        ticket = await asyncio.to_thread(handoff.withdraw, tracker.sender_id)
        if ticket is None and not tracker.is_paused():
            reply.say("utter_handoff_not_queued")
            return []
        reply.say("utter_handoff_left")
        # Back to listening: rules match only messages that follow action_listen.
        return [ConversationResumed(), ActionExecuted("action_listen")]


class ActionCrisisPaused(KompisAction):
    """A crisis message while waiting for a person: numbers at once, ticket to the front."""

    def name(self) -> Text:
        return "action_crisis_paused"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "crisis_emergency"
        await asyncio.to_thread(handoff.escalate, tracker.sender_id)
        reply.say(
            "utter_crisis", kind=intent if intent.startswith("crisis_") else "crisis_emergency", waiting=True
        )
        return []
