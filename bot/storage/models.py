"""Kompis' own tables (Rasa's tracker store keeps its `events` table to itself).

Nothing here identifies a person: conversations are known only by their pseudonym
(see bot/pseudonym.py), and free text is kept only as long as it is needed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class HelpService(Base):
    """An organisation's service in the help directory (loaded from content/directory)."""

    __tablename__ = "help_service"

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(120), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    organisation = sa.Column(sa.String(200), nullable=False)
    # None means national: reachable from anywhere (a phone line, a chat).
    municipality = sa.Column(sa.String(120), index=True)
    kinds = sa.Column(sa.JSON, nullable=False, default=list)
    audience = sa.Column(sa.JSON, nullable=False, default=list)  # minor, adult, eu, all
    languages = sa.Column(sa.JSON, nullable=False, default=list)
    hours = sa.Column(sa.JSON)  # "always", or a list of {days, from, to}; None = unknown
    phone = sa.Column(sa.String(60))
    url = sa.Column(sa.String(300))
    email = sa.Column(sa.String(200))
    address = sa.Column(sa.String(300))
    is_authority = sa.Column(sa.Boolean, nullable=False, default=False)
    asks_for_id = sa.Column(sa.Boolean)  # None = unknown
    verified = sa.Column(sa.Boolean, nullable=False, default=False)
    source_url = sa.Column(sa.String(400), nullable=False)
    source_date = sa.Column(sa.String(40))
    checked_on = sa.Column(sa.Date, nullable=False)
    priority = sa.Column(sa.Integer, nullable=False, default=0)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class InboundMessage(Base):
    """A user's message, written before it is acknowledged, so none is ever lost.

    Keyed by the channel's own id (Telegram `update_id`, the web chat's client message
    id) so that a duplicate is dropped. The text is cleared once Rasa has stored the
    message in the conversation; the row stays until it expires, to keep dropping
    late duplicates.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id", name="uq_inbound_channel_external"),)

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(sa.String(20), nullable=False)
    external_id = sa.Column(sa.String(100), nullable=False)
    conversation_id = sa.Column(sa.String(200), nullable=False, index=True)
    payload = sa.Column(sa.JSON)  # text and metadata; None once processed
    received_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    processed_at = sa.Column(sa.DateTime(timezone=True), index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)


class OutboundMessage(Base):
    """A message on its way to a Telegram chat: sent exactly once, in order, with retries."""

    __tablename__ = "outbound_message"

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(sa.String(20), nullable=False)
    conversation_id = sa.Column(sa.String(200), nullable=False, index=True)
    payload = sa.Column(sa.JSON, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    not_before = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = sa.Column(sa.DateTime(timezone=True), index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.String(200))


class Organisation(Base):
    """An organisation whose staff take over chats (NGOs, social services)."""

    __tablename__ = "organisation"

    id = sa.Column(sa.Integer, primary_key=True)
    slug = sa.Column(sa.String(24), nullable=False, unique=True)  # short: used in Telegram button data
    name = sa.Column(sa.String(200), nullable=False)
    is_authority = sa.Column(sa.Boolean, nullable=False, default=False)
    municipality = sa.Column(sa.String(120))  # None: takes chats from anywhere
    languages = sa.Column(sa.JSON, nullable=False, default=list)
    hours = sa.Column(sa.JSON)  # "always", or a list of {days, from, to} (Swedish time)
    expected_wait_minutes = sa.Column(sa.Integer)
    accepts_chats = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class StaffAccount(Base):
    """A person who logs in to the console. Passwords are argon2 hashes; no defaults exist."""

    __tablename__ = "staff_account"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(80), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(200), nullable=False)
    display_name = sa.Column(sa.String(80), nullable=False)  # shown to young people
    role = sa.Column(sa.String(20), nullable=False)  # staff | maintainer | admin
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"))
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    failed_logins = sa.Column(sa.Integer, nullable=False, default=0)
    locked_until = sa.Column(sa.DateTime(timezone=True))
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class StaffSession(Base):
    """A console log-in. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "staff_session"

    id = sa.Column(sa.Integer, primary_key=True)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    account_id = sa.Column(sa.Integer, sa.ForeignKey("staff_account.id", ondelete="CASCADE"), nullable=False)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


class HandoffTicket(Base):
    """A young person waiting for, or talking with, a person from an organisation."""

    __tablename__ = "handoff_ticket"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(200), nullable=False, index=True)
    channel = sa.Column(sa.String(20), nullable=False)
    language = sa.Column(sa.String(8), nullable=False)
    topic = sa.Column(sa.String(60))
    urgency = sa.Column(sa.String(10), nullable=False, default="normal")  # normal | crisis
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"), nullable=False, index=True)
    status = sa.Column(sa.String(12), nullable=False, default="queued", index=True)
    # queued | claimed | closed | withdrawn
    share_history = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at = sa.Column(sa.DateTime(timezone=True))
    claimed_by = sa.Column(sa.Integer, sa.ForeignKey("staff_account.id"))
    closed_at = sa.Column(sa.DateTime(timezone=True))
    outcome = sa.Column(sa.String(40))
    notified_at = sa.Column(sa.DateTime(timezone=True))  # told "nobody has answered yet"


class StaffMessage(Base):
    """A staff reply (or notice) on its way to the user, kept until Rasa has it."""

    __tablename__ = "staff_message"

    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("handoff_ticket.id", ondelete="CASCADE"), nullable=False)
    account_id = sa.Column(sa.Integer, sa.ForeignKey("staff_account.id"))
    kind = sa.Column(sa.String(12), nullable=False)  # reply | joined | ended | transferred | notice
    events = sa.Column(sa.JSON, nullable=False)  # the Rasa events to append
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_at = sa.Column(sa.DateTime(timezone=True), index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)


class AuditLog(Base):
    """Who did what, when, in the console. No message text is kept here."""

    __tablename__ = "audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    account_id = sa.Column(sa.Integer, sa.ForeignKey("staff_account.id"))
    username = sa.Column(sa.String(80))
    action = sa.Column(sa.String(40), nullable=False)
    ticket_id = sa.Column(sa.Integer)
    detail = sa.Column(sa.String(300))


class QuestionLog(Base):
    """A question Kompis did not understand well, kept (scrubbed) for maintainers."""

    __tablename__ = "question_log"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(200), nullable=False, index=True)  # the pseudonym
    language = sa.Column(sa.String(8), nullable=False, index=True)
    text = sa.Column(sa.Text, nullable=False)  # scrubbed of identifiers
    reason = sa.Column(sa.String(20), nullable=False)  # fallback | low_confidence | out_of_scope | unhelpful
    predicted_intent = sa.Column(sa.String(80))
    confidence = sa.Column(sa.Float)
    created_on = sa.Column(sa.Date, nullable=False, index=True)  # a day, not a moment
    status = sa.Column(sa.String(12), nullable=False, default="new", index=True)
    # new | labelled | dismissed | exported
    label = sa.Column(sa.String(80))
    labelled_by = sa.Column(sa.String(80))
    release_id = sa.Column(sa.Integer)


class LearnedIntent(Base):
    """An intent maintainers created from real questions; its answer is unreviewed."""

    __tablename__ = "learned_intent"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(80), nullable=False, unique=True)
    description = sa.Column(sa.String(300), nullable=False)
    created_by = sa.Column(sa.String(80))
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class TopicStat(Base):
    """How often each topic was answered, per day and language (counts only)."""

    __tablename__ = "topic_stat"
    __table_args__ = (sa.UniqueConstraint("day", "language", "topic", name="uq_topic_stat"),)

    id = sa.Column(sa.Integer, primary_key=True)
    day = sa.Column(sa.Date, nullable=False, index=True)
    language = sa.Column(sa.String(8), nullable=False)
    topic = sa.Column(sa.String(80), nullable=False)
    count = sa.Column(sa.Integer, nullable=False, default=0)


class ModelRelease(Base):
    """A model the maintainers' loop trained: evaluated, then promoted or rejected."""

    __tablename__ = "model_release"

    id = sa.Column(sa.Integer, primary_key=True)
    model_path = sa.Column(sa.String(400), nullable=False)
    previous_model_path = sa.Column(sa.String(400))
    snapshot_dir = sa.Column(sa.String(400))  # training data before this release
    status = sa.Column(sa.String(12), nullable=False)  # promoted | rejected | rolled_back
    metrics = sa.Column(sa.JSON)  # before/after macro-F1 per language
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    created_by = sa.Column(sa.String(80))
