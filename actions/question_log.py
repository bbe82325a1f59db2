"""Putting questions Kompis did not understand in front of the maintainers (scrubbed)."""

from __future__ import annotations

import asyncio
import logging
from typing import Optional, Tuple

from rasa_sdk import Tracker

from bot import questions

logger = logging.getLogger(__name__)


def top_intent(tracker: Tracker) -> Tuple[Optional[str], Optional[float]]:
    """The classifier's best guess for the latest message, looking past a fallback."""
    for r in tracker.latest_message.get("intent_ranking") or []:
        if r.get("name") and r["name"] != "nlu_fallback":
            return r["name"], r.get("confidence")
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), intent.get("confidence")


async def log_latest(tracker: Tracker, reason: str) -> None:
    """Log the latest user message; a failure here never stops the answer."""
    intent, confidence = top_intent(tracker)
    await _log(tracker, tracker.latest_message.get("text") or "", reason, intent, confidence)


async def log_unhelpful(tracker: Tracker, topic: Optional[str]) -> None:
    """After a 👎: log the question that got the unhelpful answer."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = event.get("text") or ""
        if text and not text.startswith("/"):
            intent = (event.get("parse_data") or {}).get("intent") or {}
            await _log(tracker, text, "unhelpful", topic or intent.get("name"), intent.get("confidence"))
            return


async def _log(
    tracker: Tracker, text: str, reason: str, intent: Optional[str], confidence: Optional[float]
) -> None:
    try:
        await asyncio.to_thread(
            questions.log,
            tracker.sender_id,
            tracker.get_slot("language") or "sv",
            text,
            reason,
            intent,
            confidence,
        )
    except Exception:
        logger.exception("could not log a question for the maintainers")


async def count_topic(tracker: Tracker, topic: str) -> None:
    """Count an answered topic for the dashboard."""
    try:
        await asyncio.to_thread(questions.record_topic, tracker.get_slot("language") or "sv", topic)
    except Exception:
        logger.exception("could not count a topic")
