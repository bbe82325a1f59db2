"""Kompis' Telegram channel for Rasa, built on python-telegram-bot 22.

Registered in credentials.yml; starts only when TELEGRAM_BOT_TOKEN is set.

- Webhook mode (TELEGRAM_WEBHOOK_URL set): POST /webhooks/telegram/webhook, which checks
  the X-Telegram-Bot-Api-Secret-Token header in constant time (403 otherwise).
  Long-polling mode (no webhook URL): getUpdates, for running without a public address.
- Anonymous by construction: the Rasa conversation id is a keyed pseudonym of the chat id
  (bot/pseudonym.py). Names, usernames, phone numbers and raw ids are never stored or
  logged; the token is redacted from every log line (bot/logs.py).
- Nothing lost, nothing twice: every update is journalled by `update_id` before it is
  acknowledged (the webhook answers 200, or polling moves its offset, only after the
  write); duplicates are dropped; unprocessed updates are processed after a restart.
  Outgoing messages go through an outbox table and are sent in order, at most one per
  second per chat and 30 per second overall, retried after a 429 (`retry_after`) or a
  server error, and marked sent once delivered.
- Telegram the way people use it: inline keyboards (callback queries answered), long
  texts split at sentence boundaries, plain text (nothing to escape wrongly), /start with
  a deep-link language (t.me/<bot>?start=fa), /language, /help, /person, /forget, the
  command menu in each language, a kind answer to voice notes, photos, stickers and
  files, and a shared location turned into the nearest town (coordinates not kept).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import re
import time
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import pseudonym
from bot.channels import journal
from bot.channels.common import LEAVE_QUEUE, after_message, handle_special, run_action
from bot.content import catalogue
from bot.scrub import scrub
from bot.settings import get_settings
from bot.storage import models
from bot.storage.db import run_sync, session_scope

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = 4096
PER_CHAT_INTERVAL = 1.0  # seconds between messages to one chat
GLOBAL_PER_SECOND = 30
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = {
    "cancel": LEAVE_QUEUE,
    "language": "/choose_language",
    "help": "/help_menu",
    "person": "/request_human",
    "forget": '/forget_me{"confirmed":"yes"}',
}
MEDIA_KINDS = (
    "voice",
    "audio",
    "photo",
    "sticker",
    "document",
    "video",
    "video_note",
    "animation",
    "contact",
)


# --- text helpers ---------------------------------------------------------------------


def split_text(text: str, limit: int = MAX_TEXT) -> List[str]:
    """Parts of at most `limit` characters, cut at paragraph, then sentence, then word ends."""
    text = text.strip()
    parts: List[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            sentence_ends = [m.end() for m in re.finditer(r"[.!?؟።।]\s", window)]
            cut = sentence_ends[-1] if sentence_ends and sentence_ends[-1] > limit // 2 else -1
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts


def keyboard(buttons: List[Dict[str, str]]) -> Dict[str, Any]:
    """An inline keyboard: short buttons two to a row, long ones alone."""
    rows: List[List[Dict[str, str]]] = []
    row: List[Dict[str, str]] = []
    for b in buttons:
        payload = b["payload"]
        if len(payload.encode()) > 64:  # Telegram's callback_data limit
            raise ValueError(f"button payload longer than 64 bytes: {payload}")
        item = {"text": b["title"], "callback_data": payload}
        if len(b["title"]) > 18:
            if row:
                rows.append(row)
                row = []
            rows.append([item])
        else:
            row.append(item)
            if len(row) == 2:
                rows.append(row)
                row = []
    if row:
        rows.append(row)
    return {"inline_keyboard": rows}


# --- turning updates into what Rasa reads ------------------------------------------------


def update_to_payload(update: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """What Kompis keeps of an update: no names, usernames, phone numbers or coordinates.

    Returns None for updates Kompis ignores (edits, channel posts, ...).
    """
    from bot.language import codes

    if "callback_query" in update:
        cq = update["callback_query"]
        message = cq.get("message") or {}
        chat = message.get("chat") or {}
        if "id" not in chat:
            return None
        return {
            "chat": chat["id"],
            "kind": "callback",
            "text": str(cq.get("data") or ""),
            "callback_id": cq.get("id"),
            "language_hint": (cq.get("from") or {}).get("language_code"),
        }
    message = update.get("message")
    if not message or "chat" not in message:
        return None
    if (message["chat"].get("type") or "private") != "private":
        return None  # Kompis talks one to one only
    payload: Dict[str, Any] = {
        "chat": message["chat"]["id"],
        "language_hint": (message.get("from") or {}).get("language_code"),
    }
    text = message.get("text")
    if isinstance(text, str):
        command = re.match(r"^/(\w+)(?:@\w+)?(?:\s+(.*))?$", text.strip(), re.S)
        if command:
            name, arg = command.group(1).lower(), (command.group(2) or "").strip()
            if name == "start":
                if arg in codes():
                    payload.update(kind="command", text=f'/choose_language{{"language":"{arg}"}}')
                else:
                    payload.update(kind="command", text="/greet")
                return payload
            if name in COMMANDS:
                payload.update(kind="command", text=COMMANDS[name])
                return payload
            payload.update(kind="command", text="/help_menu")
            return payload
        # Nothing that identifies a person is stored: not in the journal, not in Rasa.
        payload.update(kind="text", text=scrub(text[:MAX_TEXT]))
        return payload
    if "location" in message:
        from bot.nlu.gazetteer import nearest_municipality

        loc = message["location"]
        town = nearest_municipality(float(loc["latitude"]), float(loc["longitude"]))
        # Only the town is kept; the coordinates end here.
        payload.update(kind="location", town=town.name if town else None)
        return payload
    if any(k in message for k in MEDIA_KINDS):
        payload.update(kind="media")
        return payload
    return None


def stored_payload(payload: Dict[str, Any]) -> Dict[str, Any]:
    """The payload as journalled: the chat id replaced by nothing (the row has the pseudonym)."""
    return {k: v for k, v in payload.items() if k != "chat"}


# --- outbox -------------------------------------------------------------------------------


def _enqueue(conversation_id: str, messages: List[Dict[str, Any]]) -> None:
    now = models.utcnow()
    with session_scope() as session:
        for m in messages:
            session.add(
                models.OutboundMessage(
                    channel=CHANNEL, conversation_id=conversation_id, payload=m, created_at=now,
                    not_before=now, attempts=0,
                )
            )  # fmt: skip


def _due(limit: int = 50) -> List[models.OutboundMessage]:
    """The oldest unsent message of each conversation, if it is due."""
    now = models.utcnow()
    with session_scope() as session:
        oldest = (
            sa.select(sa.func.min(models.OutboundMessage.id))
            .where(models.OutboundMessage.channel == CHANNEL, models.OutboundMessage.sent_at.is_(None))
            .group_by(models.OutboundMessage.conversation_id)
        )
        rows = session.execute(
            sa.select(models.OutboundMessage)
            .where(models.OutboundMessage.id.in_(oldest), models.OutboundMessage.not_before <= now)
            .order_by(models.OutboundMessage.id)
            .limit(limit)
        ).scalars()
        return list(rows)


def _mark_sent(row_id: int) -> None:
    with session_scope() as session:
        session.execute(
            sa.update(models.OutboundMessage)
            .where(models.OutboundMessage.id == row_id)
            .values(sent_at=models.utcnow(), payload={})  # the text is not kept once delivered
        )


def _postpone(row_id: int, seconds: float, error: str) -> None:
    with session_scope() as session:
        session.execute(
            sa.update(models.OutboundMessage)
            .where(models.OutboundMessage.id == row_id)
            .values(
                not_before=models.utcnow() + dt.timedelta(seconds=seconds),
                attempts=models.OutboundMessage.attempts + 1,
                last_error=error[:200],
            )
        )


class TelegramOutput(OutputChannel):
    """Queues messages for one Telegram conversation in the outbox."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, service: "TelegramService") -> None:
        self.service = service
        self.sent = 0

    async def _queue(
        self, recipient_id: Text, text: str, buttons: Optional[List[Dict[str, Any]]] = None
    ) -> None:
        parts = split_text(text) or [""]
        messages: List[Dict[str, Any]] = [{"text": p} for p in parts]
        if buttons:
            messages[-1]["reply_markup"] = keyboard(buttons)
        self.sent += len(messages)
        await run_sync(_enqueue, recipient_id, messages)
        self.service.wake_sender()

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._queue(recipient_id, self._with_sender(text, kwargs))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._queue(recipient_id, self._with_sender(text, kwargs), buttons)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._queue(recipient_id, image)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        text = json_message.get("text")
        if text:
            await self._queue(recipient_id, str(text))

    @staticmethod
    def _with_sender(text: str, kwargs: Dict[str, Any]) -> str:
        # Messages written by staff show who wrote them, on the first line.
        label = kwargs.get("staff_label")
        return f"👤 {label}:\n{text}" if kwargs.get("sender") == "staff" and label else text


class RateLimiter:
    """At most one message per second per chat and GLOBAL_PER_SECOND overall."""

    def __init__(self) -> None:
        self.last_per_chat: Dict[str, float] = defaultdict(float)
        self.recent: Deque[float] = deque()

    def wait_time(self, conversation_id: str) -> float:
        now = time.monotonic()
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        chat_wait = self.last_per_chat[conversation_id] + PER_CHAT_INTERVAL - now
        global_wait = (self.recent[0] + 1.0 - now) if len(self.recent) >= GLOBAL_PER_SECOND else 0.0
        return max(0.0, chat_wait, global_wait)

    def record(self, conversation_id: str) -> None:
        now = time.monotonic()
        self.last_per_chat[conversation_id] = now
        self.recent.append(now)


class TelegramService:
    """The bot client, the receiving loop (polling or webhook), the worker and the sender."""

    def __init__(self, token: str, base_url: str, webhook_url: Optional[str], secret: str):
        from telegram import Bot
        from telegram.request import HTTPXRequest

        self.bot = Bot(
            token=token,
            base_url=base_url,
            request=HTTPXRequest(connection_pool_size=16, read_timeout=15, connect_timeout=5),
            get_updates_request=HTTPXRequest(read_timeout=40, connect_timeout=5),
        )
        self.webhook_url = webhook_url
        self.secret = secret
        self.limiter = RateLimiter()
        self._wake_worker = asyncio.Event()
        self._wake_sender = asyncio.Event()
        self._tasks: List[asyncio.Task] = []
        self.on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None

    # lifecycle
    async def start(self, app: Sanic, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.on_new_message = on_new_message
        await self.bot.initialize()
        await self._set_commands()
        if self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
            logger.info("Telegram: webhook mode")
        else:
            await self.bot.delete_webhook()
            self._tasks.append(asyncio.create_task(self._poll_forever()))
            logger.info("Telegram: long polling")
        self._tasks.append(asyncio.create_task(self._work_forever()))
        self._tasks.append(asyncio.create_task(self._send_forever()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.bot.shutdown()

    def wake_sender(self) -> None:
        self._wake_sender.set()

    async def _set_commands(self) -> None:
        from telegram import BotCommand

        cat = catalogue()
        for code in [None, *cat.codes]:
            lang = code or "en"
            commands = [
                BotCommand(name, cat.text(f"telegram.cmd.{name}", lang))
                for name in ("start", "language", "help", "person", "forget")
            ]
            try:
                await self.bot.set_my_commands(commands, language_code=code)
            except Exception as e:  # the menu is a convenience; never stop the channel for it
                logger.warning("Telegram: could not set the command menu for %s: %s", lang, type(e).__name__)

    # receiving
    async def ingest(self, update: Dict[str, Any]) -> bool:
        """Journal an update before it is acknowledged. False if it was a duplicate."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            return False
        payload = update_to_payload(update)
        if payload is None:
            return True  # nothing Kompis reads; acknowledge it
        conversation_id = pseudonym.pseudonym(payload["chat"])
        is_new = await journal.record(CHANNEL, str(update_id), conversation_id, stored_payload(payload))
        self._wake_worker.set()
        return is_new

    async def _poll_forever(self) -> None:
        offset: Optional[int] = None
        backoff = 1.0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=25, allowed_updates=ALLOWED_UPDATES
                )
                for u in updates:
                    await self.ingest(u.to_dict())
                    offset = u.update_id + 1  # acknowledged only once journalled
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as e:
                logger.warning(
                    "Telegram: getUpdates failed (%s); retrying in %.0f s", type(e).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)

    # processing
    async def _work_forever(self) -> None:
        while True:
            try:
                await self.process_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Telegram: processing stored updates failed; will retry")
            try:
                await asyncio.wait_for(self._wake_worker.wait(), timeout=2.0)
            except asyncio.TimeoutError:
                pass
            self._wake_worker.clear()

    async def process_pending(self) -> None:
        """Process journalled updates, in order per conversation."""
        entries = await journal.unprocessed(CHANNEL, limit=200)
        by_conversation: Dict[str, List[journal.Entry]] = defaultdict(list)
        for e in entries:
            by_conversation[e.conversation_id].append(e)

        async def run(items: List[journal.Entry]) -> None:
            for e in items:
                if not await self._process(e):
                    break  # keep the order: later messages wait for this one

        await asyncio.gather(*(run(items) for items in by_conversation.values()))

    async def _process(self, entry: journal.Entry) -> bool:
        assert self.on_new_message is not None
        p = entry.payload
        output = TelegramOutput(self)
        conversation_id = entry.conversation_id
        if p.get("kind") == "callback" and p.get("callback_id"):
            try:
                await self.bot.answer_callback_query(p["callback_id"])
            except Exception as e:  # expired after a restart: the message still counts
                logger.info("Telegram: callback query not answered (%s)", type(e).__name__)
        if p.get("kind") == "media":
            await self._say(conversation_id, "media.unsupported", p.get("language_hint"), output)
            await journal.done(CHANNEL, entry.external_id)
            return True
        text = p.get("text")
        if p.get("kind") == "location":
            town = p.get("town")
            key = "location.received" if town else "location.unknown"
            await self._say(conversation_id, key, p.get("language_hint"), output, city=town or "")
            if not town:
                await journal.done(CHANNEL, entry.external_id)
                return True
            text = f'/inform_city{{"city":"{town}"}}'
        metadata = {"language_hint": p["language_hint"]} if p.get("language_hint") else {}
        message = UserMessage(text or "", output, conversation_id, input_channel=CHANNEL, metadata=metadata)
        app = getattr(self, "app", None)
        try:
            if not await handle_special(app, conversation_id, message.text or "", output):
                await self.on_new_message(message)
        except Exception:
            logger.exception("Telegram: an update could not be processed; it stays stored and is retried")
            await journal.attempt(CHANNEL, entry.external_id)
            if entry.attempts == 0:
                await self._say(conversation_id, "error", p.get("language_hint"), output)
            return False
        await journal.done(CHANNEL, entry.external_id)
        follow_up = await after_message(app, conversation_id, output.sent)
        if follow_up == "crisis":
            await run_action(app, conversation_id, "action_crisis_paused", output)
        elif follow_up == "error":
            await self._say(conversation_id, "error", p.get("language_hint"), output)
        return True

    async def _say(
        self, conversation_id: str, key: str, hint: Optional[str], output: TelegramOutput, **v: Any
    ) -> None:
        code = await self._language(conversation_id) or hint
        await output.send_text_message(conversation_id, catalogue().text(key, code, **v))

    async def _language(self, conversation_id: str) -> Optional[str]:
        agent = getattr(getattr(self, "app", None), "ctx", None)
        agent = getattr(agent, "agent", None)
        if agent is None:
            return None
        try:
            tracker = await agent.tracker_store.retrieve(conversation_id)
        except Exception:
            return None
        return tracker.get_slot("language") if tracker else None

    # sending
    async def _send_forever(self) -> None:
        while True:
            try:
                await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Telegram: sending failed; will retry")
            try:
                await asyncio.wait_for(self._wake_sender.wait(), timeout=0.5)
            except asyncio.TimeoutError:
                pass
            self._wake_sender.clear()

    async def send_due(self) -> None:
        from telegram.error import BadRequest, Forbidden, RetryAfter

        for row in await run_sync(_due):
            wait = self.limiter.wait_time(row.conversation_id)
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                chat = pseudonym.chat_id(row.conversation_id)
            except ValueError:
                logger.error("Telegram: a queued message has a conversation id that does not decrypt")
                await run_sync(_postpone, row.id, 3600, "pseudonym")
                continue
            payload = dict(row.payload or {})
            try:
                self.limiter.record(row.conversation_id)
                await self.bot.send_message(chat_id=chat, text=payload.get("text") or " ",
                                            reply_markup=_markup(payload.get("reply_markup")))  # fmt: skip
            except RetryAfter as e:
                seconds = (
                    e.retry_after.total_seconds()
                    if isinstance(e.retry_after, dt.timedelta)
                    else e.retry_after
                )
                logger.warning("Telegram: 429, retrying after %s s", seconds)
                await run_sync(_postpone, row.id, float(seconds), "429")
                continue
            except Forbidden:
                # The user blocked the bot or deleted the chat: nothing can be delivered.
                await run_sync(_mark_sent, row.id)
                logger.info("Telegram: a chat is no longer reachable; message dropped")
                continue
            except BadRequest as e:
                logger.error("Telegram: message rejected (%s)", e.message)
                await run_sync(_mark_sent, row.id)
                continue
            except Exception as e:  # 5xx and network errors: back off, keep the message
                backoff = min(60.0, 2.0 ** min(row.attempts, 6))
                logger.warning("Telegram: send failed (%s); retrying in %.0f s", type(e).__name__, backoff)
                await run_sync(_postpone, row.id, backoff, type(e).__name__)
                continue
            await run_sync(_mark_sent, row.id)


def _markup(raw: Optional[Dict[str, Any]]) -> Any:
    if not raw:
        return None
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in raw["inline_keyboard"]
        ]
    )


class TelegramInput(InputChannel):
    """Rasa input channel for Telegram (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        from bot.logs import install_redaction

        s = get_settings()
        install_redaction([s.telegram_token, s.telegram_webhook_secret])
        logging.getLogger("telegram").setLevel(logging.WARNING)
        self.service: Optional[TelegramService] = None
        if s.telegram_token:
            self.service = TelegramService(
                s.telegram_token, s.telegram_api_base_url, s.telegram_webhook_url, s.telegram_webhook_secret
            )

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TelegramOutput(self.service) if self.service else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("kompis_telegram", __name__)
        service = self.service

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if service else "disabled"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if service is None:
                return response.json({"error": "telegram is not configured"}, status=404)
            given = request.headers.get(SECRET_HEADER) or ""
            if not hmac.compare_digest(given.encode(), service.secret.encode()):
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = json.loads(request.body or b"{}")
            except ValueError:
                return response.json({"error": "bad request"}, status=400)
            if not isinstance(update, dict):
                return response.json({"error": "bad request"}, status=400)
            await service.ingest(update)  # stored before Telegram hears "200"
            return response.json({"ok": True})

        if service is not None:

            @bp.listener("after_server_start")
            async def start(app: Sanic, _loop: Any) -> None:
                service.app = app  # type: ignore[attr-defined]
                await service.start(app, on_new_message)

            @bp.listener("before_server_stop")
            async def stop(app: Sanic, _loop: Any) -> None:
                await service.stop()

        return bp
