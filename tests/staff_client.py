"""A console client for tests: logs in like a browser and calls the staff API."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional, Tuple


class StaffClient:
    def __init__(self, base_url: str):
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def _open(self, method: str, path: str, data: Optional[bytes] = None,
              headers: Optional[Dict[str, str]] = None) -> Tuple[int, str]:  # fmt: skip
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {}, method=method)
        try:
            with self.opener.open(request, timeout=15) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def login(self, username: str, password: str) -> "StaffClient":
        _, page = self._open("GET", "/staff/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}
        ).encode()
        status, page = self._open(
            "POST", "/staff/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 200, f"log-in failed: {status}"
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        return self

    def get(self, path: str) -> Tuple[int, Any]:
        status, body = self._open("GET", path)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def post(self, path: str, payload: Optional[Dict[str, Any]] = None) -> Tuple[int, Any]:
        status, body = self._open("POST", path, json.dumps(payload or {}).encode(),
                                  {"Content-Type": "application/json", "X-CSRF-Token": self.csrf})  # fmt: skip
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def queue(self) -> list:
        status, data = self.get("/staff/api/queue")
        assert status == 200, data
        return data["tickets"]

    def messages(self, ticket_id: int, after: int = 0) -> list:
        status, data = self.get(f"/staff/api/tickets/{ticket_id}/messages?after={after}")
        assert status == 200, data
        return data["messages"]
