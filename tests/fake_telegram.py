"""A local fake of Telegram's Bot API for tests: it hands out updates and records replies.

The real python-telegram-bot client (inside Kompis' Rasa server) talks to it through
TELEGRAM_API_BASE_URL. It runs in a thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake12"  # shaped like a real token


class FakeTelegram:
    def __init__(self, port: int = 18443):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.updates: List[Dict[str, Any]] = []
        self.sent: List[Dict[str, Any]] = []
        self.calls: List[str] = []
        self.callback_answers: List[str] = []
        self.commands: Dict[str, Any] = {}
        self.fail_next: List[Dict[str, Any]] = []  # e.g. {"status": 429, "retry_after": 1}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    # --- test side -----------------------------------------------------------------------

    def push(self, update: Dict[str, Any]) -> Dict[str, Any]:
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self.updates.append(update)
        return update

    def text(self, chat_id: int, text: str, language_code: str = "en", first_name: str = "Test",
             username: Optional[str] = None) -> Dict[str, Any]:  # fmt: skip
        user = {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if username:
            user["username"] = username
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": {"id": chat_id, "type": "private",
                   "first_name": first_name}, "from": user, "text": text}  # fmt: skip
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push({"message": message})

    def press(self, chat_id: int, data: str, first_name: str = "Test") -> Dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        message = {"message_id": next(self._ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"}, "text": "…"}  # fmt: skip
        return self.push({"callback_query": {"id": f"cq{next(self._ids)}", "from": user, "chat_instance": "1",
                                             "message": message, "data": data}})  # fmt: skip

    def sent_to(self, chat_id: int) -> List[Dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if int(m["chat_id"]) == chat_id]

    def wait_for(self, chat_id: int, count: int, timeout: float = 30.0) -> List[Dict[str, Any]]:
        """Wait until `count` messages have been sent to a chat (then a short quiet period)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.sent_to(chat_id)) >= count:
                time.sleep(1.3)  # more than the one-per-second pacing: nothing else is coming
                return self.sent_to(chat_id)
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages to {chat_id}, got {self.sent_to(chat_id)}")

    def pending_updates(self) -> int:
        with self._lock:
            return len(self.updates)

    # --- Bot API side ----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        data = dict(await request.post())
        for k, v in list(data.items()):
            if isinstance(v, str) and v[:1] in "[{":
                try:
                    data[k] = json.loads(v)
                except ValueError:
                    pass
        return data

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        with self._lock:
            self.calls.append(method)
        if method == "getMe":
            return self._ok(
                {"id": 987654321, "is_bot": True, "first_name": "Kompis", "username": "kompis_test_bot"}
            )
        if method in ("setWebhook", "deleteWebhook", "setMyCommands", "sendChatAction"):
            if method == "setMyCommands":
                with self._lock:
                    self.commands[params.get("language_code") or ""] = params.get("commands")
            return self._ok(True)
        if method == "answerCallbackQuery":
            with self._lock:
                self.callback_answers.append(str(params.get("callback_query_id")))
            return self._ok(True)
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            timeout = min(float(params.get("timeout") or 0), 1.0)
            deadline = time.monotonic() + timeout
            while True:
                with self._lock:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    ready = list(self.updates)
                if ready or time.monotonic() >= deadline:
                    return self._ok(ready)
                await asyncio.sleep(0.05)
        if method == "sendMessage":
            with self._lock:
                failure = self.fail_next.pop(0) if self.fail_next else None
            if failure and failure["status"] == 429:
                return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                          "parameters": {"retry_after": failure["retry_after"]}}, status=429)  # fmt: skip
            if failure:
                return web.json_response({"ok": False, "error_code": failure["status"],
                                          "description": "Bad Gateway"}, status=failure["status"])  # fmt: skip
            message = {"message_id": next(self._ids), "date": int(time.time()),
                       "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text", "")}  # fmt: skip
            with self._lock:
                self.sent.append({"chat_id": int(params["chat_id"]), "text": params.get("text", ""),
                                  "reply_markup": params.get("reply_markup"), "at": time.monotonic()})  # fmt: skip
            return self._ok(message)
        return web.json_response({"ok": False, "error_code": 404, "description": f"no {method}"}, status=404)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FakeTelegram":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self.handle)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
