"""The staff console at /staff: log in, the live queue, claim, read, reply, transfer, close.

Every route but the log-in page needs a valid session; every POST needs the session's CSRF
token. Staff see only their organisation's tickets, and a transcript only once they have
claimed the ticket. Every read and action is written to the audit log (admins can read it).
Replies reach the young person through Rasa's API in their own channel (see delivery.py).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any, Awaitable, Callable, Dict, List

import aiohttp_jinja2
import sqlalchemy as sa
from aiohttp import web

from bot import handoff
from bot import language as lang_mod
from bot.content import catalogue
from bot.settings import get_settings
from bot.storage import models
from bot.storage.db import run_sync, session_scope
from bot.web import auth, delivery

COOKIE = "kompis_staff"
DELIVERY = web.AppKey("delivery", delivery.Delivery)
DELIVERY_TASK = web.AppKey("delivery_task", asyncio.Task)
LOGIN_CSRF_COOKIE = "kompis_login_csrf"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
throttle = auth.AddressThrottle()


def _secure() -> bool:
    return get_settings().public_url.startswith("https://")


def _cookie_args() -> Dict[str, Any]:
    return {"httponly": True, "samesite": "Strict", "secure": _secure(), "path": "/staff"}


@web.middleware
async def staff_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Loads the staff member for /staff routes; rejects missing sessions and bad CSRF tokens."""
    if not request.path.startswith("/staff") or request.path in ("/staff/login",):
        return await handler(request)
    staff = await run_sync(auth.staff_for, request.cookies.get(COOKIE))
    if staff is None:
        if request.path.startswith("/staff/api/") or request.method != "GET":
            raise web.HTTPUnauthorized(text="log in first")
        raise web.HTTPFound("/staff/login")
    if request.method not in ("GET", "HEAD"):
        given = request.headers.get("X-CSRF-Token")
        if given is None and request.content_type == "application/x-www-form-urlencoded":
            given = (await request.post()).get("csrf_token")  # type: ignore[assignment]
        if not auth.csrf_ok(staff.csrf_token, given):
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
    request["staff"] = staff
    response = await handler(request)
    response.headers["Cache-Control"] = "no-store"
    return response


def _staff(request: web.Request) -> auth.Staff:
    return request["staff"]


def _require_role(staff: auth.Staff, *roles: str) -> None:
    if staff.role not in roles:
        raise web.HTTPForbidden(text="your role does not allow this")


# --- log-in ----------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template("staff_login.html", request, {"csrf": token, "error": None})
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=1800, **_cookie_args())
    response.headers["Cache-Control"] = "no-store"
    return response


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf_token")):  # type: ignore[arg-type]
        raise web.HTTPForbidden(text="missing or wrong CSRF token")
    address = request.remote or "unknown"
    username = str(form.get("username", ""))[:80]
    if not throttle.allow(address):
        await run_sync(auth.audit, None, "login_throttled", None, "", username)
        raise web.HTTPTooManyRequests(text="too many attempts, wait a minute")
    account_id, reason = await run_sync(auth.authenticate, username, str(form.get("password", "")))
    if account_id is None:
        await run_sync(auth.audit, None, "login_failed", None, reason, username)
        token = secrets.token_urlsafe(24)
        message = "Account locked for 15 minutes." if reason == "locked" else "Wrong username or password."
        response = aiohttp_jinja2.render_template(
            "staff_login.html", request, {"csrf": token, "error": message}, status=401
        )
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=1800, **_cookie_args())
        return response
    token = await run_sync(auth.create_session, account_id)
    staff = await run_sync(auth.staff_for, token)
    await run_sync(auth.audit, staff, "login")
    response = web.HTTPFound("/staff")
    response.set_cookie(COOKIE, token, max_age=int(auth.SESSION_FOR.total_seconds()), **_cookie_args())
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/staff")
    raise response


async def logout(request: web.Request) -> web.Response:
    await run_sync(auth.audit, _staff(request), "logout")
    await run_sync(auth.end_session, request.cookies.get(COOKIE))
    response = web.HTTPFound("/staff/login")
    response.del_cookie(COOKIE, path="/staff")
    raise response


# --- pages -------------------------------------------------------------------------------


def _page(request: web.Request, template: str, **context: Any) -> web.Response:
    staff = _staff(request)
    return aiohttp_jinja2.render_template(
        template, request, {"staff": staff, "csrf": staff.csrf_token, **context}
    )


async def queue_page(request: web.Request) -> web.Response:
    staff = _staff(request)
    if staff.role == "maintainer":
        raise web.HTTPFound("/staff/questions")
    await run_sync(auth.audit, staff, "view_queue")
    return _page(request, "staff_queue.html")


async def ticket_page(request: web.Request) -> web.Response:
    staff = _staff(request)
    ticket = await _ticket_for(staff, int(request.match_info["ticket_id"]))
    orgs = await run_sync(_all_orgs)
    quick = _quick_replies(ticket, staff)
    await run_sync(auth.audit, staff, "view_ticket", ticket.id)
    return _page(
        request, "staff_ticket.html", ticket=ticket, orgs=orgs, quick=quick,
        direction=lang_mod.direction(ticket.language), outcomes=handoff.OUTCOMES,
        language_name=catalogue().language_name(ticket.language),
    )  # fmt: skip


async def audit_page(request: web.Request) -> web.Response:
    staff = _staff(request)
    _require_role(staff, "admin")
    rows = await run_sync(_audit_rows)
    await run_sync(auth.audit, staff, "view_audit")
    return _page(request, "staff_audit.html", rows=rows)


def _audit_rows(limit: int = 500) -> List[Dict[str, Any]]:
    with session_scope() as s:
        rows = s.execute(
            sa.select(models.AuditLog).order_by(models.AuditLog.id.desc()).limit(limit)
        ).scalars()
        return [
            {"at": r.at.strftime("%Y-%m-%d %H:%M:%S"), "username": r.username, "action": r.action,
             "ticket_id": r.ticket_id, "detail": r.detail}
            for r in rows
        ]  # fmt: skip


def _all_orgs() -> List[Dict[str, Any]]:
    with session_scope() as s:
        return [
            {"slug": o.slug, "name": o.name, "is_authority": o.is_authority}
            for o in s.execute(sa.select(models.Organisation).order_by(models.Organisation.name)).scalars()
        ]


def _quick_replies(ticket: handoff.Ticket, staff: auth.Staff) -> List[Dict[str, str]]:
    cat = catalogue()
    keys = [k for k in cat.texts["en"] if k.startswith("staff.quick.")]
    return [
        {
            "key": k,
            "text": cat.text(k, ticket.language, agent=staff.display_name, org=staff.organisation_name or ""),
        }
        for k in keys
    ]


# --- API (JSON) ---------------------------------------------------------------------------


async def _ticket_for(staff: auth.Staff, ticket_id: int) -> handoff.Ticket:
    """The ticket, if this staff member may see it: 404 if none, 403 if another organisation's."""
    ticket = await run_sync(handoff.get, ticket_id)
    if ticket is None:
        raise web.HTTPNotFound(text="no such ticket")
    if not staff.is_admin and ticket.organisation != staff.organisation_slug:
        await run_sync(auth.audit, staff, "forbidden_ticket", ticket_id)
        raise web.HTTPForbidden(text="this ticket belongs to another organisation")
    return ticket


def _ticket_json(t: handoff.Ticket) -> Dict[str, Any]:
    return {
        "id": t.id, "language": t.language, "language_name": catalogue().language_name(t.language),
        "direction": lang_mod.direction(t.language), "topic": t.topic, "urgency": t.urgency,
        "organisation": t.organisation_name, "status": t.status, "waiting_seconds": t.waiting_seconds,
        "claimed_by": t.claimed_by_name, "channel": t.channel,
    }  # fmt: skip


async def api_queue(request: web.Request) -> web.Response:
    staff = _staff(request)
    _require_role(staff, "staff", "admin")
    org_id = None if staff.is_admin else staff.organisation_id
    tickets = await run_sync(handoff.queue, org_id)
    return web.json_response({"tickets": [_ticket_json(t) for t in tickets]})


async def api_claim(request: web.Request) -> web.Response:
    staff = _staff(request)
    _require_role(staff, "staff", "admin")
    ticket = await _ticket_for(staff, int(request.match_info["ticket_id"]))
    if staff.organisation_slug != ticket.organisation:
        raise web.HTTPForbidden(text="only staff of the ticket's organisation can claim it")
    try:
        ticket = await run_sync(handoff.claim, ticket.id, staff.id)
    except ValueError as e:
        raise web.HTTPConflict(text=str(e)) from e
    await run_sync(auth.audit, staff, "claim", ticket.id)
    await run_sync(delivery.stage_notice, ticket, staff, "joined")
    request.app[DELIVERY].wake()
    return web.json_response(_ticket_json(ticket))


def _require_claimer(staff: auth.Staff, ticket: handoff.Ticket) -> None:
    if ticket.status != "claimed" or ticket.claimed_by != staff.id:
        raise web.HTTPForbidden(text="claim the ticket first")


async def api_messages(request: web.Request) -> web.Response:
    staff = _staff(request)
    ticket = await _ticket_for(staff, int(request.match_info["ticket_id"]))
    _require_claimer(staff, ticket)
    after = int(request.query.get("after", "0") or 0)
    messages = await run_sync(delivery.transcript, ticket, after)
    if after == 0:
        await run_sync(auth.audit, staff, "read_transcript", ticket.id)
    return web.json_response({"ticket": _ticket_json(ticket), "messages": messages})


async def _json(request: web.Request) -> Dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, json.JSONDecodeError) as e:
        raise web.HTTPBadRequest(text="send JSON") from e
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    return data


async def api_reply(request: web.Request) -> web.Response:
    staff = _staff(request)
    ticket = await _ticket_for(staff, int(request.match_info["ticket_id"]))
    _require_claimer(staff, ticket)
    text = str((await _json(request)).get("text", "")).strip()
    if not text or len(text) > 4000:
        raise web.HTTPBadRequest(text="a reply needs 1 to 4000 characters")
    await run_sync(delivery.stage_reply, ticket, staff, text)
    await run_sync(auth.audit, staff, "reply", ticket.id)
    request.app[DELIVERY].wake()
    return web.json_response({"ok": True})


async def api_transfer(request: web.Request) -> web.Response:
    staff = _staff(request)
    ticket = await _ticket_for(staff, int(request.match_info["ticket_id"]))
    _require_claimer(staff, ticket)
    slug = str((await _json(request)).get("organisation", ""))
    if not await run_sync(handoff.organisation, slug) or slug == ticket.organisation:
        raise web.HTTPBadRequest(text="choose another organisation")
    ticket = await run_sync(handoff.transfer, ticket.id, slug)
    await run_sync(delivery.stage_notice, ticket, staff, "transferred")
    await run_sync(auth.audit, staff, "transfer", ticket.id, f"to {slug}")
    request.app[DELIVERY].wake()
    return web.json_response(_ticket_json(ticket))


async def api_close(request: web.Request) -> web.Response:
    staff = _staff(request)
    ticket = await _ticket_for(staff, int(request.match_info["ticket_id"]))
    _require_claimer(staff, ticket)
    outcome = str((await _json(request)).get("outcome", ""))
    try:
        ticket = await run_sync(handoff.close, ticket.id, outcome)
    except ValueError as e:
        raise web.HTTPBadRequest(text=str(e)) from e
    await run_sync(delivery.stage_notice, ticket, staff, "ended")
    await run_sync(auth.audit, staff, "close", ticket.id, outcome)
    request.app[DELIVERY].wake()
    return web.json_response(_ticket_json(ticket))


def setup(app: web.Application) -> None:
    """Add the console's routes, middleware and background delivery to the web app."""
    app.middlewares.append(staff_session)
    app.router.add_get("/staff/login", login_page)
    app.router.add_post("/staff/login", login)
    app.router.add_post("/staff/logout", logout)
    app.router.add_get("/staff", queue_page)
    app.router.add_get("/staff/tickets/{ticket_id:\\d+}", ticket_page)
    app.router.add_get("/staff/audit", audit_page)
    app.router.add_get("/staff/api/queue", api_queue)
    app.router.add_post("/staff/api/tickets/{ticket_id:\\d+}/claim", api_claim)
    app.router.add_get("/staff/api/tickets/{ticket_id:\\d+}/messages", api_messages)
    app.router.add_post("/staff/api/tickets/{ticket_id:\\d+}/reply", api_reply)
    app.router.add_post("/staff/api/tickets/{ticket_id:\\d+}/transfer", api_transfer)
    app.router.add_post("/staff/api/tickets/{ticket_id:\\d+}/close", api_close)
    from bot.web import maintainers

    maintainers.setup(app)
    worker = delivery.Delivery()
    app[DELIVERY] = worker

    async def start(app: web.Application) -> None:
        app[DELIVERY_TASK] = asyncio.create_task(worker.run_forever())

    async def stop(app: web.Application) -> None:
        app[DELIVERY_TASK].cancel()
        await asyncio.gather(app[DELIVERY_TASK], return_exceptions=True)

    app.on_startup.append(start)  # type: ignore[arg-type]
    app.on_cleanup.append(stop)  # type: ignore[arg-type]
