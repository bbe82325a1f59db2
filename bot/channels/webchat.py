"""The web chat's socket.io channel (registered in credentials.yml).

Built on Rasa's SocketIOInput, with what the web chat needs on top:
- every user message is journalled before it is acknowledged (`user_ack`), duplicates
  (the page resends unacknowledged messages after a reconnect) are dropped, and stored
  messages that were not processed are replayed;
- a room per conversation that pushed messages (staff replies) reach: Rasa 3.6.21 calls
  python-socketio's `enter_room` without awaiting it, which python-socketio 5.18 made a
  coroutine, so the join never happened;
- bot messages are sent whole (Rasa splits texts at blank lines), with their language
  so the page can set the text direction;
- if something fails, the user is told in their language and the message is replayed.

Protocol (socket.io events):
    page -> server  session_request {session_id}          server -> page  session_confirm
    page -> server  user_uttered {message, session_id, metadata: {client_id, ui_language}}
    server -> page  user_ack {client_id}                   server -> page  bot_uttered {...}
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import journal
from bot.channels.common import after_message, handle_special, run_action
from bot.content import catalogue
from bot.scrub import scrub

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
MAX_CHARS = 4000
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REPLAY_EVERY = 5.0
REPLAY_AFTER = dt.timedelta(seconds=15)


class WebChatOutput(OutputChannel):
    """Sends bot messages to one conversation's room, whole, with their language."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, sio: AsyncServer, event: Text) -> None:
        self.sio = sio
        self.event = event
        self.sent = 0

    async def _emit(self, room: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        message.setdefault("id", uuid.uuid4().hex)
        await self.sio.emit(self.event, message, room=room)

    @staticmethod
    def _extras(kwargs: Dict[Text, Any]) -> Dict[Text, Any]:
        return {k: kwargs[k] for k in ("language", "utter_action", "sender", "staff_label") if kwargs.get(k)}

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"text": text, **self._extras(kwargs)})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        clean = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._emit(recipient_id, {"text": text, "buttons": clean, **self._extras(kwargs)})

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {"custom": json_message, **self._extras(kwargs)})

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"image": image, **self._extras(kwargs)})


class WebChatInput(SocketIOInput):
    """socket.io input channel with a journal, rooms that work, and replay."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_persistence = True
        self.app: Optional[Sanic] = None
        self._in_flight: Set[str] = set()

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return None
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot.settings import get_settings

        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=list(get_settings().web_origins))
        bp = SocketBlueprint(sio, self.socketio_path, "webchat_socketio", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.listener("after_server_start")
        async def start_replay(app: Sanic, _loop: Any) -> None:
            self.app = app
            self._replay_task = asyncio.create_task(self._replay_forever(on_new_message))

        @bp.listener("before_server_stop")
        async def stop_replay(app: Sanic, _loop: Any) -> None:
            task = getattr(self, "_replay_task", None)
            if task:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

        @sio.on("session_request")
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
                session_id = uuid.uuid4().hex
            await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any) -> None:
            await self._receive(sid, data, on_new_message)

        return bp

    async def _receive(
        self, sid: Text, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        assert self.sio is not None
        if not isinstance(data, dict):
            return
        session_id = data.get("session_id")
        metadata = data.get(self.metadata_key) or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = {}
        if (
            not isinstance(session_id, str)
            or not SESSION_ID.match(session_id)
            or not isinstance(metadata, dict)
        ):
            return
        client_id = metadata.get("client_id")
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            client_id = uuid.uuid4().hex
        text = data.get("message")
        ui_language = metadata.get("ui_language") if isinstance(metadata.get("ui_language"), str) else None
        if not isinstance(text, str) or not text.strip():
            await self._say(session_id, "utter_unreadable", ui_language)
            return
        if len(text) > MAX_CHARS:
            await self.sio.emit("user_ack", {"client_id": client_id, "rejected": "too_long"}, room=sid)
            await self._say_text(session_id, "input.too_long", ui_language)
            return
        if not text.startswith("/"):
            # Nothing that identifies a person is stored: not in the journal, not in Rasa.
            text = scrub(text)
        payload = {"text": text, "metadata": {"ui_language": ui_language}}
        external_id = f"{session_id}:{client_id}"
        is_new = await journal.record(CHANNEL, external_id, session_id, payload)
        await self.sio.emit("user_ack", {"client_id": client_id}, room=sid)
        if not is_new:
            return  # a resend after a reconnect: already stored
        await self._process(external_id, session_id, payload, on_new_message)

    async def _process(
        self,
        external_id: str,
        session_id: str,
        payload: Dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> bool:
        assert self.sio is not None
        if external_id in self._in_flight:
            return False
        self._in_flight.add(external_id)
        output = WebChatOutput(self.sio, self.bot_message_evt)
        metadata = dict(payload.get("metadata") or {})
        message = UserMessage(
            payload["text"],
            output,
            session_id,
            input_channel=self.name(),
            metadata={k: v for k, v in metadata.items() if v},
        )
        try:
            if not await handle_special(self.app, session_id, payload["text"], output):
                await on_new_message(message)
        except Exception:
            logger.exception("web chat message could not be processed; it will be replayed")
            await journal.attempt(CHANNEL, external_id)
            await self._say(session_id, "utter_error", metadata.get("ui_language"))
            return False
        finally:
            self._in_flight.discard(external_id)
        await journal.done(CHANNEL, external_id)
        follow_up = await after_message(self.app, session_id, output.sent)
        if follow_up == "crisis":
            await run_action(self.app, session_id, "action_crisis_paused", output)
        elif follow_up == "error":
            # Rasa said nothing (e.g. the action server is down): never leave a user unanswered.
            await self._say(session_id, "utter_error", metadata.get("ui_language"))
        return True

    async def _language(self, session_id: str, fallback: Optional[str]) -> Optional[str]:
        try:
            agent = getattr(getattr(self.app, "ctx", None), "agent", None)
            tracker = await agent.tracker_store.retrieve(session_id) if agent else None
            if tracker and tracker.get_slot("language"):
                return tracker.get_slot("language")
        except Exception:  # the database may be what failed
            logger.warning("could not read the conversation's language")
        return fallback

    async def _say(self, session_id: str, response_name: str, ui_language: Optional[str]) -> None:
        assert self.sio is not None
        code = await self._language(session_id, ui_language)
        message = catalogue().render(response_name, code)
        if message:
            await WebChatOutput(self.sio, self.bot_message_evt).send_response(
                session_id, {**message, "language": catalogue().language(code)}
            )

    async def _say_text(self, session_id: str, key: str, ui_language: Optional[str]) -> None:
        assert self.sio is not None
        code = await self._language(session_id, ui_language)
        await WebChatOutput(self.sio, self.bot_message_evt).send_text_message(
            session_id, catalogue().text(key, code), language=catalogue().language(code)
        )

    async def _replay_forever(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Process journalled messages that were never processed (crash, restart, failure)."""
        while True:
            try:
                for entry in await journal.unprocessed(CHANNEL, older_than=REPLAY_AFTER):
                    if entry.payload.get("text"):
                        logger.info("replaying a stored web chat message")
                        await self._process(
                            entry.external_id, entry.conversation_id, entry.payload, on_new_message
                        )
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("replay of stored web chat messages failed; will retry")
            await asyncio.sleep(REPLAY_EVERY)
