"""A web-chat client for tests: the real socket.io protocol the page speaks."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List, Optional

import aiohttp
import socketio

if not hasattr(aiohttp, "ClientWSTimeout"):
    # python-engineio 4.15's client expects aiohttp >= 3.10, but Rasa 3.6 pins aiohttp < 3.10.
    # aiohttp 3.9's ws_connect takes the close timeout as a number: pass it through.
    aiohttp.ClientWSTimeout = lambda ws_close=None, **_: ws_close  # type: ignore[attr-defined]


class WebChatClient:
    """Connects like the page does, sends messages, and collects the bot's answers."""

    def __init__(self, url: str, session_id: Optional[str] = None, origin: Optional[str] = None):
        self.url = url
        self.origin = origin
        self.session_id = session_id
        self.sio = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.acks: List[str] = []
        self._confirmed = asyncio.Event()

        @self.sio.on("session_confirm")
        async def _confirm(session_id: str) -> None:
            self.session_id = session_id
            self._confirmed.set()

        @self.sio.on("bot_uttered")
        async def _bot(message: Dict[str, Any]) -> None:
            await self.inbox.put(message)

        @self.sio.on("user_ack")
        async def _ack(ack: Dict[str, Any]) -> None:
            self.acks.append(ack["client_id"])

    async def connect(self) -> "WebChatClient":
        headers = {"Origin": self.origin} if self.origin else {}
        await self.sio.connect(self.url, transports=["websocket"], headers=headers)
        await self.sio.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(self._confirmed.wait(), timeout=10)
        return self

    async def send(
        self, text: str, client_id: Optional[str] = None, ui_language: Optional[str] = None
    ) -> str:
        client_id = client_id or uuid.uuid4().hex
        await self.sio.emit(
            "user_uttered",
            {"message": text, "session_id": self.session_id,
             "metadata": {"client_id": client_id, "ui_language": ui_language}},
        )  # fmt: skip
        return client_id

    async def receive(
        self, at_least: int = 1, quiet: float = 1.5, timeout: float = 30.0
    ) -> List[Dict[str, Any]]:
        """Bot messages until `at_least` arrived and then nothing more for `quiet` seconds."""
        messages: List[Dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            wait = min(remaining, quiet) if len(messages) >= at_least else remaining
            try:
                messages.append(await asyncio.wait_for(self.inbox.get(), timeout=wait))
            except asyncio.TimeoutError:
                if len(messages) >= at_least:
                    break
        return messages

    async def say(self, text: str, at_least: int = 1, **kwargs: Any) -> List[Dict[str, Any]]:
        await self.send(text, **kwargs)
        return await self.receive(at_least=at_least)

    async def close(self) -> None:
        await self.sio.disconnect()
