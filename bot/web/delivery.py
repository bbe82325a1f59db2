"""Staff messages to young people, through Rasa, without losing any.

A reply (or a "joined", "left" or "transferred" notice) is first written to
`staff_message`, then appended to the conversation as events through Rasa's API:
`POST /conversations/{id}/tracker/events?execute_side_effects=true&output_channel=latest`.
Rasa sends bot events through the user's own channel (web chat or Telegram). If Rasa is
down or restarting, delivery is retried until it succeeds, in order per ticket.

The same loop tells young people whose ticket nobody claimed in time, in their
language, with national lines they can call now; the ticket stays in the queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List

import aiohttp
import sqlalchemy as sa

from bot import directory, handoff
from bot.content import catalogue
from bot.settings import get_settings
from bot.storage import models
from bot.storage.db import run_sync, session_scope
from bot.web.auth import Staff

logger = logging.getLogger(__name__)


def _bot_event(text: str, **metadata: Any) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": metadata}


def _stage(ticket_id: int, account_id: Any, kind: str, events: List[Dict[str, Any]]) -> None:
    with session_scope() as s:
        s.add(
            models.StaffMessage(
                ticket_id=ticket_id, account_id=account_id, kind=kind, events=events,
                created_at=models.utcnow(), attempts=0,
            )
        )  # fmt: skip


def stage_reply(ticket: handoff.Ticket, staff: Staff, text: str) -> None:
    label = catalogue().text("handoff.staff_label", ticket.language, agent=staff.display_name,
                             org=staff.organisation_name or "")  # fmt: skip
    _stage(
        ticket.id,
        staff.id,
        "reply",
        [_bot_event(text, sender="staff", staff_label=label, language=ticket.language)],
    )


def stage_notice(ticket: handoff.Ticket, staff: Staff, kind: str) -> None:
    """'A person has joined', 'the chat was passed to ...', or 'the person left' (and resume)."""
    cat = catalogue()
    lang = ticket.language
    if kind == "joined":
        text = cat.text("handoff.joined", lang, agent=staff.display_name, org=staff.organisation_name or "")
        events = [_bot_event(text, handoff="joined", language=lang)]
    elif kind == "transferred":
        events = [_bot_event(cat.text("handoff.transferred", lang, org=ticket.organisation_name),
                             handoff="transferred", language=lang)]  # fmt: skip
    elif kind == "ended":
        text = cat.text("handoff.ended", lang, org=staff.organisation_name or ticket.organisation_name)
        # Resume, say so, and listen: rules match only messages that follow action_listen.
        events = [{"event": "resume"}, _bot_event(text, handoff="ended", language=lang),
                  {"event": "action", "name": "action_listen"}]  # fmt: skip
    else:
        raise ValueError(kind)
    _stage(ticket.id, staff.id, kind, events)


def stage_no_answer_notice(ticket: handoff.Ticket) -> None:
    """Nobody claimed the ticket in time: say so, with lines that answer now."""
    cat = catalogue()
    lines = directory.find(["helpline"], None)
    listing = cat.render("utter_directory", ticket.language, intent="request_human",
                         national=[s.as_dict() for s in lines["national"]])  # fmt: skip
    text = cat.text("handoff.no_answer_yet", ticket.language)
    if listing and listing.get("text"):
        text += "\n\n" + listing["text"]
    _stage(ticket.id, None, "notice", [_bot_event(text, handoff="notice", language=ticket.language)])
    handoff.mark_notified(ticket.id)


def _pending(limit: int = 50) -> List[Dict[str, Any]]:
    with session_scope() as s:
        rows = s.execute(
            sa.select(models.StaffMessage, models.HandoffTicket.conversation_id)
            .join(models.HandoffTicket, models.HandoffTicket.id == models.StaffMessage.ticket_id)
            .where(models.StaffMessage.delivered_at.is_(None))
            .order_by(models.StaffMessage.id)
            .limit(limit)
        ).all()
        return [
            {"id": m.id, "ticket_id": m.ticket_id, "events": m.events, "conversation_id": c} for m, c in rows
        ]


def _delivered(message_id: int) -> None:
    with session_scope() as s:
        s.execute(
            sa.update(models.StaffMessage)
            .where(models.StaffMessage.id == message_id)
            .values(delivered_at=models.utcnow())
        )


def _failed(message_id: int) -> None:
    with session_scope() as s:
        s.execute(
            sa.update(models.StaffMessage)
            .where(models.StaffMessage.id == message_id)
            .values(attempts=models.StaffMessage.attempts + 1)
        )


class Delivery:
    """Background loop: deliver staged staff messages; notice unclaimed tickets."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            rounds = 0
            while True:
                try:
                    if rounds % 30 == 0:
                        for ticket in await run_sync(handoff.due_for_notice):
                            await run_sync(stage_no_answer_notice, ticket)
                    if rounds % 3600 == 0:
                        from bot.retention import purge

                        await run_sync(purge)
                    await self.deliver(http)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("delivering staff messages failed; will retry")
                rounds += 1
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()

    async def deliver(self, http: aiohttp.ClientSession) -> None:
        s = get_settings()
        blocked: set = set()  # keep order per ticket: stop at its first failure
        for m in await run_sync(_pending):
            if m["ticket_id"] in blocked:
                continue
            url = f"{s.rasa_url}/conversations/{m['conversation_id']}/tracker/events"
            params = {"execute_side_effects": "true", "output_channel": "latest", "token": s.rasa_token}
            try:
                async with http.post(url, params=params, data=json.dumps(m["events"]),
                                     headers={"Content-Type": "application/json"}) as r:  # fmt: skip
                    ok = r.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            if ok:
                await run_sync(_delivered, m["id"])
            else:
                blocked.add(m["ticket_id"])
                await run_sync(_failed, m["id"])


def transcript(ticket: handoff.Ticket, after: int = 0) -> List[Dict[str, Any]]:
    """User and bot messages of a conversation (only those since the request if not shared)."""
    since = ticket.created_at.timestamp() if not ticket.share_history else 0.0
    from bot.storage.db import engine

    if not sa.inspect(engine()).has_table("events"):
        return []  # Rasa has not stored any conversation yet
    with session_scope() as s:
        rows = s.execute(
            sa.text(
                "SELECT id, type_name, timestamp, data FROM events WHERE sender_id = :sid AND id > :after "
                "AND type_name IN ('user', 'bot') ORDER BY id"
            ),
            {"sid": ticket.conversation_id, "after": after},
        ).all()
    out = []
    for row_id, type_name, timestamp, data in rows:
        if (timestamp or 0.0) < since - 1.0:
            continue
        event = json.loads(data)
        text = event.get("text") or ""
        if not text:
            continue
        metadata = event.get("metadata") or {}
        who = "user" if type_name == "user" else ("staff" if metadata.get("sender") == "staff" else "bot")
        if who == "user" and text.startswith("/"):
            # A pressed button: show what it meant, not its payload.
            text = "▸ " + text[1:].split("{", 1)[0].replace("_", " ")
        out.append({"id": row_id, "who": who, "text": text, "at": timestamp})
    return out
