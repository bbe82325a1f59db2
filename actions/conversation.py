"""Greeting, menu, small talk, yes/no, and the fallback."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted

from actions.base import KompisAction, Reply, entity, latest_intent, reset_fallbacks
from actions.question_log import count_topic, log_latest, log_unhelpful
from bot.language import CONFIDENT

# Intents answered with one fixed response.
SIMPLE_REPLIES = {
    "bot_challenge": "utter_bot_challenge",
    "thanks": "utter_thanks",
    "goodbye": "utter_goodbye",
    "out_of_scope": "utter_out_of_scope",
    "ask_privacy": "utter_privacy",
}


def welcome_once(reply: Reply, tracker: Tracker) -> List[EventType]:
    """The welcome and privacy notice, the first time only."""
    if tracker.get_slot("privacy_shown"):
        return []
    reply.say("utter_welcome")
    return [SlotSet("privacy_shown", True)]


class ActionGreet(KompisAction):
    """Greets; the first time with the privacy notice and, if unsure, the language picker."""

    def name(self) -> Text:
        return "action_greet"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        first = not tracker.get_slot("privacy_shown")
        events = welcome_once(reply, tracker)
        if not first:
            reply.say("utter_greet_again")
        if (tracker.get_slot("language_confidence") or 0.0) < CONFIDENT:
            reply.say("utter_choose_language", all_languages=tracker.get_slot("language") is None)
        else:
            reply.say("utter_menu")
        return events + reset_fallbacks(tracker)


class ActionShowMenu(KompisAction):
    """The topic menu, or one section of it."""

    def name(self) -> Text:
        return "action_show_menu"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        section = entity(tracker, "section")
        events = welcome_once(reply, tracker)
        if section:
            reply.say("utter_menu_section", section=section)
        else:
            reply.say("utter_menu")
        return events + reset_fallbacks(tracker) + [SlotSet("pending", None)]


class ActionReply(KompisAction):
    """Answers intents that need one fixed response (see SIMPLE_REPLIES)."""

    def name(self) -> Text:
        return "action_reply"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = latest_intent(tracker) or ""
        if intent == "thanks" and entity(tracker, "feedback") == "yes":
            reply.say("utter_feedback_thanks")
            return []
        events = welcome_once(reply, tracker) if intent != "goodbye" else []
        reply.say(SIMPLE_REPLIES.get(intent, "utter_menu"))
        if intent == "out_of_scope":
            await log_latest(tracker, "out_of_scope")
        else:
            await count_topic(tracker, intent)
        return events + reset_fallbacks(tracker)


class ActionYesNo(KompisAction):
    """Yes or no: the answer to whatever Kompis asked last (the `pending` slot)."""

    def name(self) -> Text:
        return "action_yes_no"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        yes = latest_intent(tracker) == "affirm"
        if not yes and entity(tracker, "feedback") == "no":
            await log_unhelpful(tracker, entity(tracker, "topic"))
            reply.say("utter_feedback_sorry")
            return []
        pending = tracker.get_slot("pending")
        if pending == "forget":
            from actions.forget import forget_events

            if yes:
                reply.say("utter_forget_done")
                return forget_events()
            reply.say("utter_forget_kept")
            return [SlotSet("pending", None)]
        reply.say("utter_ok_yes" if yes else "utter_ok_no")
        return [SlotSet("pending", None)] + reset_fallbacks(tracker)


class ActionFallback(KompisAction):
    """Asks to rephrase, suggests the two likeliest topics, and offers a person.

    Runs for NLU fallbacks (low confidence) and core fallbacks (no rule fits the state).
    """

    def name(self) -> Text:
        return "action_fallback"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        suggestions = [r["name"] for r in ranking if r.get("name") and r["name"] != "nlu_fallback"]
        count = float(tracker.get_slot("fallback_count") or 0.0) + 1
        events = welcome_once(reply, tracker)
        reply.say("utter_fallback", suggestions=suggestions[:4], repeated=count >= 2)
        await log_latest(tracker, "fallback")
        # Like Rasa's default fallback: forget the message for the dialogue, so the next one
        # starts from a listening state (without this, a core fallback predicts itself again).
        return [UserUtteranceReverted(), *events, SlotSet("fallback_count", count)]
