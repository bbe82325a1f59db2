"""Deleting everything stored about one conversation (the user's right to be forgotten)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from bot import handoff, questions
from bot.storage import models
from bot.storage.db import session_scope

logger = logging.getLogger(__name__)


def forget_conversation(conversation_id: str) -> None:
    """Delete a conversation's rows from every Kompis table.

    Messages still waiting to be sent (such as the confirmation of this deletion) are
    kept until they are delivered, then their text is cleared by the sender.
    """
    with session_scope() as session:
        session.execute(
            sa.delete(models.InboundMessage).where(models.InboundMessage.conversation_id == conversation_id)
        )
        session.execute(
            sa.delete(models.OutboundMessage).where(
                models.OutboundMessage.conversation_id == conversation_id,
                models.OutboundMessage.sent_at.is_not(None),
            )
        )
        handoff.forget(session, conversation_id)
        questions.forget(session, conversation_id)
    logger.info("forgot a conversation")
