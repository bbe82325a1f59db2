"""What both channels do around Rasa's message handling.

- `/leave_queue` (a button while waiting for a person) reaches no policy, because a
  paused conversation predicts nothing: the channel runs `action_leave_queue` directly.
- After a message: if Rasa said nothing, either a person has the chat (silence is right,
  unless the message was a crisis, which gets numbers at once and moves the ticket to the
  front), or something failed and the user is told so in their language.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.core.channels.channel import OutputChannel

logger = logging.getLogger(__name__)

LEAVE_QUEUE = "/leave_queue"


def agent_of(app: Any) -> Any:
    return getattr(getattr(app, "ctx", None), "agent", None)


async def run_action(app: Any, conversation_id: str, action_name: str, output: OutputChannel) -> None:
    """Run one action for a conversation outside the normal prediction loop."""
    from rasa.core.policies.policy import PolicyPrediction

    agent = agent_of(app)
    if agent is None or agent.processor is None:
        raise RuntimeError("the model is not loaded yet")
    async with agent.lock_store.lock(conversation_id):
        await agent.processor.execute_action(
            conversation_id, action_name, output, agent.nlg,
            PolicyPrediction.for_action_name(agent.domain, action_name),
        )  # fmt: skip


async def handle_special(app: Any, conversation_id: str, text: str, output: OutputChannel) -> bool:
    """Messages the channel answers itself. True if handled."""
    if text.strip() == LEAVE_QUEUE:
        await run_action(app, conversation_id, "action_leave_queue", output)
        return True
    return False


async def after_message(app: Any, conversation_id: str, sent: int) -> Optional[str]:
    """What to do after Rasa handled a message and sent `sent` messages.

    Returns "crisis" (run the crisis action), "error" (tell the user it failed) or None.
    """
    if sent:
        return None
    agent = agent_of(app)
    if agent is None:
        return "error"
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None or not tracker.is_paused():
        return "error"
    intent = (tracker.latest_message.intent or {}).get("name") or ""
    return "crisis" if intent.startswith("crisis_") else None
