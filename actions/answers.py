"""Answers to the asylum, rights and return topics, from content/topics/."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import KompisAction, Reply, entity, latest_intent, reset_fallbacks
from actions.conversation import welcome_once
from actions.question_log import count_topic, log_latest
from bot.content import catalogue
from bot.questions import LOW_CONFIDENCE


def answer_topic(reply: Reply, tracker: Tracker, topic: str, part: str = "summary") -> List[EventType]:
    """Utter one topic's summary or details, in the user's age variant if known."""
    reply.say("utter_topic", topic=topic, part=part, age_group=tracker.get_slot("age_group"))
    return [SlotSet("topic", topic), SlotSet("pending", None)] + reset_fallbacks(tracker)


class ActionAnswerLearned(KompisAction):
    """Intents maintainers created from real questions: an answer nobody has written yet."""

    def name(self) -> Text:
        return "action_answer_learned"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reply.say("utter_unreviewed")
        await count_topic(tracker, latest_intent(tracker) or "learned")
        return welcome_once(reply, tracker) + reset_fallbacks(tracker)


class ActionAnswerTopic(KompisAction):
    """Answers a topic intent; for age-aware topics asks once, optionally, for an age group."""

    def name(self) -> Text:
        return "action_answer_topic"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        topic = latest_intent(tracker) or ""
        meta = catalogue().topic_meta.get(topic)
        if meta is None:
            reply.say("utter_menu")
            return []
        events = welcome_once(reply, tracker)
        await count_topic(tracker, topic)
        if ((tracker.latest_message.get("intent") or {}).get("confidence") or 1.0) < LOW_CONFIDENCE:
            await log_latest(tracker, "low_confidence")
        if meta.age_aware and not tracker.get_slot("age_group") and not tracker.get_slot("age_asked"):
            reply.say("utter_ask_age")
            return events + [
                SlotSet("age_asked", True),
                SlotSet("pending", f"age:{topic}"),
                SlotSet("topic", topic),
            ]
        return events + answer_topic(reply, tracker, topic)


class ActionMoreInfo(KompisAction):
    """'Tell me more': the details of the current topic."""

    def name(self) -> Text:
        return "action_more_info"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        topic = entity(tracker, "topic") or tracker.get_slot("topic")
        if topic not in catalogue().topic_meta:
            reply.say("utter_more_which")
            return []
        return answer_topic(reply, tracker, topic, part="more")


AGE_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def age_group_from_text(text: str) -> Optional[str]:
    """'minor' or 'adult' from a typed age ("im 16", "۱۷"); the number is not kept."""
    from bot.nlu.normalize import normalise

    m = AGE_NUMBER.search(normalise(text))
    if not m:
        return None
    age = int(m.group(1))
    if 8 <= age < 18:
        return "minor"
    if 18 <= age <= 40:
        return "adult"
    return None


class ActionInformAge(KompisAction):
    """Stores only 'minor' or 'adult' (never an age or birth date), then answers."""

    def name(self) -> Text:
        return "action_inform_age"

    async def act(self, reply: Reply, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        group = entity(tracker, "age_group") or age_group_from_text(tracker.latest_message.get("text") or "")
        events: List[EventType] = [SlotSet("age_asked", True)]
        if group in ("minor", "adult"):
            events.append(SlotSet("age_group", group))
        pending = tracker.get_slot("pending") or ""
        topic = pending.split(":", 1)[1] if pending.startswith("age:") else tracker.get_slot("topic")
        if topic in catalogue().topic_meta:
            reply.say(
                "utter_topic",
                topic=topic,
                part="summary",
                age_group=group if group in ("minor", "adult") else None,
            )
            return events + [SlotSet("topic", topic), SlotSet("pending", None)]
        reply.say("utter_age_noted")
        return events + [SlotSet("pending", None)]
