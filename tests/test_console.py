"""The staff console's access rules, against the real web app and a real database."""

from __future__ import annotations

import re
from typing import Any, AsyncIterator, Dict, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import handoff
from bot.web import auth
from bot.web.app import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture()
async def console(sqlite_url: str) -> AsyncIterator[Dict[str, Any]]:
    handoff.create_organisation(
        "rk-sthlm", "Röda Korset Stockholm", False, "Stockholm", "always", ["sv", "ar"], 10
    )
    handoff.create_organisation("soc-malmo", "Socialtjänsten Malmö", True, "Malmö", "always", ["sv"], 30)
    auth.create_account("sara", PASSWORD, "Sara", "staff", "rk-sthlm")
    auth.create_account("mona", PASSWORD, "Mona", "staff", "soc-malmo")
    auth.create_account("admin", PASSWORD, "Admin", "admin", None)
    own = handoff.create_ticket("conv-own", "webchat", "ar", "rk-sthlm", True, "appeal")
    other = handoff.create_ticket("conv-other", "webchat", "fa", "soc-malmo", False, "rights_money")
    client = TestClient(TestServer(create_app()))
    await client.start_server()
    yield {"client": client, "own": own, "other": other}
    await client.close()


async def login(client: TestClient, username: str, password: str = PASSWORD) -> Tuple[int, str]:
    """Log in like a browser: get the form's CSRF token, post it. Returns (status, csrf)."""
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    r = await client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                          allow_redirects=False)  # fmt: skip
    if r.status != 302:
        return r.status, ""
    queue = await client.get("/staff/audit" if username == "admin" else "/staff")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', await queue.text()).group(1)
    return 302, csrf


def console_routes(app: Any) -> list:
    """Every /staff route of the app except the log-in page, with a concrete path."""
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/staff") or path == "/staff/login" or route.method == "HEAD":
            continue
        out.append((route.method, path.replace("{ticket_id}", "1")))
    return out


async def test_every_console_route_rejects_requests_without_a_session(console) -> None:
    client = console["client"]
    routes = console_routes(client.server.app)
    assert len(routes) >= 10, routes
    for method, path in routes:
        r = await client.request(method, path, allow_redirects=False)
        assert r.status in (302, 401), f"{method} {path} answered {r.status} without a session"
        if r.status == 302:
            assert r.headers["Location"] == "/staff/login"


async def test_every_post_rejects_a_forged_csrf_token(console) -> None:
    client = console["client"]
    status, _ = await login(client, "sara")
    assert status == 302
    for method, path in console_routes(client.server.app):
        if method != "POST":
            continue
        r = await client.post(path, json={}, headers={"X-CSRF-Token": "forged"})
        assert r.status == 403, f"POST {path} accepted a forged CSRF token ({r.status})"
        r = await client.post(path, json={})
        assert r.status == 403, f"POST {path} accepted no CSRF token ({r.status})"


async def test_staff_get_403_on_another_organisations_ticket(console) -> None:
    client = console["client"]
    _, csrf = await login(client, "sara")
    other = console["other"].id
    headers = {"X-CSRF-Token": csrf}
    assert (await client.get(f"/staff/tickets/{other}")).status == 403
    assert (await client.post(f"/staff/api/tickets/{other}/claim", headers=headers)).status == 403
    assert (await client.get(f"/staff/api/tickets/{other}/messages")).status == 403
    r = await client.post(f"/staff/api/tickets/{other}/reply", json={"text": "hi"}, headers=headers)
    assert r.status == 403
    queue = await (await client.get("/staff/api/queue")).json()
    assert [t["id"] for t in queue["tickets"]] == [console["own"].id]


async def test_transcript_only_after_claiming(console) -> None:
    client = console["client"]
    _, csrf = await login(client, "sara")
    own = console["own"].id
    assert (await client.get(f"/staff/api/tickets/{own}/messages")).status == 403
    r = await client.post(f"/staff/api/tickets/{own}/claim", headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    r = await client.get(f"/staff/api/tickets/{own}/messages")
    assert r.status == 200


async def test_failed_logins_lock_the_account(console) -> None:
    client = console["client"]
    for _ in range(auth.MAX_FAILED):
        status, _ = await login(client, "mona", "wrong password!!")
        assert status == 401
    status, _ = await login(client, "mona")  # the right password, but locked now
    assert status == 401


async def test_admin_reads_the_audit_log_and_staff_cannot(console) -> None:
    client = console["client"]
    await login(client, "sara", "wrong password!!")
    status, _ = await login(client, "admin")
    assert status == 302
    page = await (await client.get("/staff/audit")).text()
    assert "login_failed" in page and "sara" in page
    await client.post(
        "/staff/logout", headers={"X-CSRF-Token": re.search(r'content="([^"]+)"', page).group(1)}
    )
    _, csrf = await login(client, "sara")
    assert (await client.get("/staff/audit")).status == 403


async def test_session_cookie_is_http_only_and_strict(console) -> None:
    client = console["client"]
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    r = await client.post("/staff/login", data={"username": "sara", "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False)  # fmt: skip
    cookie = r.headers.getall("Set-Cookie")
    session = next(c for c in cookie if c.startswith("kompis_staff="))
    assert "HttpOnly" in session and "SameSite=Strict" in session


async def test_maintainer_pages_need_the_maintainer_role(console) -> None:
    client = console["client"]
    auth.create_account("mia", PASSWORD, "Mia", "maintainer", None)
    _, csrf = await login(client, "sara")
    for path in ("/staff/questions", "/staff/dashboard", "/staff/dashboard/topics.png"):
        assert (await client.get(path)).status == 403, path
    r = await client.post("/staff/questions/retrain", headers={"X-CSRF-Token": csrf})
    assert r.status == 403
    await client.post("/staff/logout", headers={"X-CSRF-Token": csrf})
    await login(client, "mia")
    assert (await client.get("/staff/questions")).status == 200
    assert (await client.get("/staff/api/queue")).status == 403, "maintainers do not see the queue"
    png = await client.get("/staff/dashboard/questions.png")
    assert png.status == 200 and (await png.read())[:4] == b"\x89PNG"
