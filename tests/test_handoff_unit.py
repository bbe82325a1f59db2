"""Handoff rules: opening hours, the queue order, and the notice when nobody answers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import directory, handoff
from bot.staff import parse_hours
from bot.storage import models
from bot.storage.db import session_scope

MONDAY_NOON = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.timezone.utc)  # 12:00 in Stockholm
SUNDAY_NIGHT = dt.datetime(2026, 11, 22, 22, 0, tzinfo=dt.timezone.utc)


def test_opening_hours() -> None:
    hours = parse_hours("mon-fri 09:00-17:00")
    assert hours == [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}]
    assert handoff.is_open(hours, MONDAY_NOON)
    assert not handoff.is_open(hours, SUNDAY_NIGHT)
    assert handoff.is_open("always", SUNDAY_NIGHT)
    assert not handoff.is_open(None, MONDAY_NOON)
    with pytest.raises(ValueError):
        parse_hours("weekdays 9-5")


def test_organisations_local_first_and_open_first() -> None:
    handoff.create_organisation("nat-open", "National Open", False, None, "always", [], 5)
    handoff.create_organisation(
        "local-day", "Local Daytime", True, "Malmö", parse_hours("mon-fri 09:00-17:00"), []
    )
    orgs = handoff.available_organisations("Malmö", MONDAY_NOON)
    assert [o.slug for o in orgs] == ["local-day", "nat-open"]
    orgs = handoff.available_organisations("Malmö", SUNDAY_NIGHT)
    assert [o.slug for o in orgs] == ["nat-open", "local-day"], "open ones first"
    assert handoff.available_organisations("Uppsala", MONDAY_NOON)[0].slug == "nat-open"
    with pytest.raises(ValueError):
        handoff.create_organisation("a-slug-that-is-far-too-long", "X", False, None, "always", [])


def test_queue_puts_crisis_first_and_tickets_are_not_doubled() -> None:
    handoff.create_organisation("q-org", "Q", False, None, "always", [])
    first = handoff.create_ticket("c1", "webchat", "sv", "q-org", False)
    handoff.create_ticket("c2", "telegram", "ar", "q-org", True)
    assert handoff.create_ticket("c1", "webchat", "sv", "q-org", False).id == first.id
    handoff.escalate("c2")
    assert [t.conversation_id for t in handoff.queue(None)] == ["c2", "c1"]
    assert handoff.withdraw("c1").status == "withdrawn"
    assert handoff.active_ticket("c1") is None


def test_unclaimed_ticket_gets_a_notice_with_lines_that_answer_now() -> None:
    from bot.web import delivery

    directory.load()
    handoff.create_organisation("slow-org", "Slow", False, None, "always", [])
    ticket = handoff.create_ticket("c3", "webchat", "so", "slow-org", False)
    assert handoff.due_for_notice() == []
    later = models.utcnow() + handoff.NOTICE_AFTER + dt.timedelta(minutes=1)
    due = handoff.due_for_notice(later)
    assert [t.id for t in due] == [ticket.id]
    delivery.stage_no_answer_notice(due[0])
    with session_scope() as s:
        message = s.query(models.StaffMessage).filter_by(ticket_id=ticket.id).one()
        text = message.events[0]["text"]
    from bot.content import catalogue

    assert text.startswith(catalogue().text("handoff.no_answer_yet", "so"))
    assert "116 111" in text or "90101" in text, "national lines are listed"
    assert handoff.due_for_notice(later) == [], "told once"
