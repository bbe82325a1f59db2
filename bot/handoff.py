"""Handing a conversation to a person: organisations, tickets and the queue.

Shared by the action server (a young person asks for a person), the Rasa channels (leaving
the queue, a crisis while waiting) and the web app (staff claim, answer, transfer, close).
The conversation itself is paused in Rasa while a person has it (ConversationPaused), so
every message the young person writes is still stored in the conversation.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.storage import models
from bot.storage.db import session_scope

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTIVE = ("queued", "claimed")
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
OUTCOMES = ("helped", "referred", "no_contact", "crisis_handled", "other")
# A queued ticket nobody has claimed for this long gets a notice with national lines.
NOTICE_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class OrgInfo:
    """What a young person is told about an organisation before choosing it."""

    slug: str
    name: str
    is_authority: bool
    open_now: bool
    hours: Any
    expected_wait_minutes: Optional[int]
    municipality: Optional[str]

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def is_open(hours: Any, at: Optional[dt.datetime] = None) -> bool:
    """Whether opening hours ("always", or a list of {days, from, to}) include a moment."""
    if hours == "always":
        return True
    if not hours:
        return False
    local = (at or dt.datetime.now(dt.timezone.utc)).astimezone(STOCKHOLM)
    day = WEEK[local.weekday()]
    now = local.strftime("%H:%M")
    return any(day in p.get("days", []) and p.get("from", "") <= now < p.get("to", "") for p in hours)


def _info(org: models.Organisation, at: Optional[dt.datetime] = None) -> OrgInfo:
    return OrgInfo(
        slug=org.slug,
        name=org.name,
        is_authority=bool(org.is_authority),
        open_now=is_open(org.hours, at),
        hours=org.hours,
        expected_wait_minutes=org.expected_wait_minutes,
        municipality=org.municipality,
    )


def available_organisations(city: Optional[str], at: Optional[dt.datetime] = None) -> List[OrgInfo]:
    """Organisations taking chats for a town (local first), then national ones; open ones first."""
    with session_scope() as s:
        orgs = list(
            s.execute(sa.select(models.Organisation).where(models.Organisation.accepts_chats)).scalars()
        )
    local = [o for o in orgs if city and o.municipality == city]
    national = [o for o in orgs if o.municipality is None]
    infos = [_info(o, at) for o in local + national]
    return sorted(infos, key=lambda i: (not i.open_now, i.municipality is None, i.name))


def organisation(slug: str) -> Optional[OrgInfo]:
    with session_scope() as s:
        org = s.execute(
            sa.select(models.Organisation).where(models.Organisation.slug == slug)
        ).scalar_one_or_none()
        return _info(org) if org else None


@dataclass(frozen=True)
class Ticket:
    id: int
    conversation_id: str
    channel: str
    language: str
    topic: Optional[str]
    urgency: str
    organisation: str
    organisation_name: str
    status: str
    share_history: bool
    created_at: dt.datetime
    claimed_by: Optional[int]
    claimed_by_name: Optional[str]

    @property
    def waiting_seconds(self) -> int:
        return int((models.utcnow() - _aware(self.created_at)).total_seconds())


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _active_row(s: Any, conversation_id: str) -> Optional[models.HandoffTicket]:
    """The conversation's queued or claimed ticket, if any (there is at most one)."""
    return s.execute(
        sa.select(models.HandoffTicket).where(
            models.HandoffTicket.conversation_id == conversation_id, models.HandoffTicket.status.in_(ACTIVE)
        )
    ).scalar_one_or_none()


def _ticket(s: Any, row: models.HandoffTicket) -> Ticket:
    org = s.get(models.Organisation, row.organisation_id)
    staff = s.get(models.StaffAccount, row.claimed_by) if row.claimed_by else None
    return Ticket(
        id=row.id, conversation_id=row.conversation_id, channel=row.channel, language=row.language,
        topic=row.topic, urgency=row.urgency, organisation=org.slug, organisation_name=org.name,
        status=row.status, share_history=row.share_history, created_at=_aware(row.created_at),
        claimed_by=row.claimed_by, claimed_by_name=staff.display_name if staff else None,
    )  # fmt: skip


def create_ticket(
    conversation_id: str,
    channel: str,
    language: str,
    org_slug: str,
    share_history: bool,
    topic: Optional[str] = None,
    urgency: str = "normal",
) -> Ticket:
    """Queue a conversation for an organisation (an active ticket is reused, not doubled)."""
    with session_scope() as s:
        org = s.execute(
            sa.select(models.Organisation).where(models.Organisation.slug == org_slug)
        ).scalar_one()
        existing = _active_row(s, conversation_id)
        if existing:
            if urgency == "crisis":
                existing.urgency = "crisis"
            return _ticket(s, existing)
        row = models.HandoffTicket(
            conversation_id=conversation_id, channel=channel, language=language, topic=topic,
            urgency=urgency, organisation_id=org.id, status="queued", share_history=share_history,
            created_at=models.utcnow(),
        )  # fmt: skip
        s.add(row)
        s.flush()
        return _ticket(s, row)


def active_ticket(conversation_id: str) -> Optional[Ticket]:
    with session_scope() as s:
        row = _active_row(s, conversation_id)
        return _ticket(s, row) if row else None


def withdraw(conversation_id: str) -> Optional[Ticket]:
    """The young person left the queue (or the chat with the person)."""
    with session_scope() as s:
        row = _active_row(s, conversation_id)
        if row is None:
            return None
        row.status = "withdrawn"
        row.closed_at = models.utcnow()
        return _ticket(s, row)


def escalate(conversation_id: str) -> Optional[Ticket]:
    """A crisis while waiting: the ticket goes to the front of the queue."""
    with session_scope() as s:
        row = _active_row(s, conversation_id)
        if row is None:
            return None
        row.urgency = "crisis"
        return _ticket(s, row)


def queue(organisation_id: Optional[int], include_claimed: bool = True) -> List[Ticket]:
    """Active tickets of an organisation (all organisations if None): crisis first, then oldest."""
    with session_scope() as s:
        q = sa.select(models.HandoffTicket).where(models.HandoffTicket.status.in_(ACTIVE))
        if organisation_id is not None:
            q = q.where(models.HandoffTicket.organisation_id == organisation_id)
        if not include_claimed:
            q = q.where(models.HandoffTicket.status == "queued")
        rows = list(s.execute(q).scalars())
        tickets = [_ticket(s, r) for r in rows]
    return sorted(tickets, key=lambda t: (t.urgency != "crisis", t.created_at))


def get(ticket_id: int) -> Optional[Ticket]:
    with session_scope() as s:
        row = s.get(models.HandoffTicket, ticket_id)
        return _ticket(s, row) if row else None


def claim(ticket_id: int, account_id: int) -> Ticket:
    with session_scope() as s:
        row = s.get(models.HandoffTicket, ticket_id)
        if row is None or row.status not in ACTIVE:
            raise ValueError("ticket is not active")
        if row.status == "claimed" and row.claimed_by != account_id:
            raise ValueError("ticket is claimed by someone else")
        row.status = "claimed"
        row.claimed_by = account_id
        row.claimed_at = row.claimed_at or models.utcnow()
        return _ticket(s, row)


def transfer(ticket_id: int, org_slug: str) -> Ticket:
    with session_scope() as s:
        row = s.get(models.HandoffTicket, ticket_id)
        org = s.execute(
            sa.select(models.Organisation).where(models.Organisation.slug == org_slug)
        ).scalar_one()
        if row is None or row.status not in ACTIVE:
            raise ValueError("ticket is not active")
        row.organisation_id = org.id
        row.status = "queued"
        row.claimed_by = None
        row.claimed_at = None
        row.notified_at = None
        return _ticket(s, row)


def close(ticket_id: int, outcome: str) -> Ticket:
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    with session_scope() as s:
        row = s.get(models.HandoffTicket, ticket_id)
        if row is None or row.status not in ACTIVE:
            raise ValueError("ticket is not active")
        row.status = "closed"
        row.outcome = outcome
        row.closed_at = models.utcnow()
        return _ticket(s, row)


def due_for_notice(now: Optional[dt.datetime] = None) -> List[Ticket]:
    """Queued tickets nobody claimed in time, not yet told so."""
    cutoff = (now or models.utcnow()) - NOTICE_AFTER
    with session_scope() as s:
        rows = s.execute(
            sa.select(models.HandoffTicket).where(
                models.HandoffTicket.status == "queued",
                models.HandoffTicket.notified_at.is_(None),
                models.HandoffTicket.created_at <= cutoff,
            )
        ).scalars()
        return [_ticket(s, r) for r in rows]


def mark_notified(ticket_id: int) -> None:
    with session_scope() as s:
        row = s.get(models.HandoffTicket, ticket_id)
        if row:
            row.notified_at = models.utcnow()


def forget(session: Any, conversation_id: str) -> None:
    """Delete a conversation's tickets and staff messages (registered with storage.forget)."""
    ids = [
        r for (r,) in session.execute(
            sa.select(models.HandoffTicket.id).where(models.HandoffTicket.conversation_id == conversation_id)
        )
    ]  # fmt: skip
    if ids:
        session.execute(sa.delete(models.StaffMessage).where(models.StaffMessage.ticket_id.in_(ids)))
        session.execute(sa.delete(models.HandoffTicket).where(models.HandoffTicket.id.in_(ids)))


def create_organisation(
    slug: str,
    name: str,
    is_authority: bool,
    municipality: Optional[str],
    hours: Any,
    languages: List[str],
    expected_wait_minutes: Optional[int] = None,
) -> None:
    if len(slug) > 16 or not slug.replace("-", "").isalnum():
        raise ValueError("slug: at most 16 letters, digits or dashes (it goes into Telegram buttons)")
    with session_scope() as s:
        s.add(
            models.Organisation(
                slug=slug, name=name, is_authority=is_authority, municipality=municipality, hours=hours,
                languages=languages, expected_wait_minutes=expected_wait_minutes, accepts_chats=True,
            )
        )  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    print("Use `python -m bot.staff` to manage organisations and accounts.", file=sys.stderr)
