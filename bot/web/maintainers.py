"""Maintainers' pages in the console: the question log in clusters, labelling, retraining,
and a dashboard with charts. Maintainer or admin role only."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import statistics
import sys
from collections import defaultdict
from typing import Any, Dict, List, Optional

import aiohttp_jinja2
import sqlalchemy as sa
from aiohttp import web

from bot import language as lang_mod
from bot import questions
from bot.settings import ROOT
from bot.storage import models
from bot.storage.db import run_sync, session_scope
from bot.web import auth

JOB = web.AppKey("retrain_job", dict)


def _maintainer(request: web.Request) -> auth.Staff:
    staff: auth.Staff = request["staff"]
    if staff.role not in ("maintainer", "admin"):
        raise web.HTTPForbidden(text="maintainers only")
    return staff


async def questions_page(request: web.Request) -> web.Response:
    staff = _maintainer(request)
    language = request.query.get("lang") or None
    if language and language not in lang_mod.codes():
        raise web.HTTPBadRequest(text="unknown language")
    groups = await run_sync(questions.clusters, language)
    intents = await run_sync(questions.known_intents)
    releases = await run_sync(_releases)
    await run_sync(auth.audit, staff, "view_questions", None, language or "all")
    return aiohttp_jinja2.render_template(
        "staff_questions.html", request,
        {"staff": staff, "csrf": staff.csrf_token, "clusters": groups, "intents": intents, "language": language,
         "languages": lang_mod.codes(), "releases": releases, "job": request.app[JOB],
         "directions": {c: lang_mod.direction(c) for c in lang_mod.codes()}},
    )  # fmt: skip


def _ids(form: Any) -> List[int]:
    return [int(v) for v in form.getall("ids", []) if str(v).isdigit()]


async def label(request: web.Request) -> web.Response:
    staff = _maintainer(request)
    form = await request.post()
    ids = _ids(form)
    intent = str(form.get("intent", ""))
    try:
        if intent == "__new__":
            intent = str(form.get("new_name", "")).strip()
            await run_sync(questions.create_intent, intent, str(form.get("new_description", "")).strip(),
                           staff.username)  # fmt: skip
        n = await run_sync(questions.label, ids, intent, staff.username)
    except ValueError as e:
        raise web.HTTPBadRequest(text=str(e)) from e
    await run_sync(auth.audit, staff, "label_questions", None, f"{n} -> {intent}")
    raise web.HTTPFound(request.headers.get("Referer") or "/staff/questions")


async def dismiss(request: web.Request) -> web.Response:
    staff = _maintainer(request)
    n = await run_sync(questions.dismiss, _ids(await request.post()), staff.username)
    await run_sync(auth.audit, staff, "dismiss_questions", None, str(n))
    raise web.HTTPFound(request.headers.get("Referer") or "/staff/questions")


async def retrain(request: web.Request) -> web.Response:
    """Start the maintainers' loop in the background (one at a time)."""
    staff = _maintainer(request)
    job = request.app[JOB]
    if job.get("running"):
        raise web.HTTPConflict(text="a training run is already going")
    await run_sync(auth.audit, staff, "retrain")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.maintain", "loop", cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    job.update(running=True, started=dt.datetime.now().strftime("%H:%M"), by=staff.username, output="")

    async def wait() -> None:
        out, _ = await process.communicate()
        job.update(
            running=False, code=process.returncode, output=(out or b"").decode(errors="replace")[-4000:]
        )

    asyncio.create_task(wait())
    raise web.HTTPFound("/staff/questions")


def _releases(limit: int = 5) -> List[Dict[str, Any]]:
    with session_scope() as s:
        rows = s.execute(
            sa.select(models.ModelRelease).order_by(models.ModelRelease.id.desc()).limit(limit)
        ).scalars()
        return [{"id": r.id, "status": r.status, "at": r.created_at.strftime("%Y-%m-%d %H:%M"), "by": r.created_by,
                 "metrics": r.metrics or {}} for r in rows]  # fmt: skip


# --- dashboard -----------------------------------------------------------------------------


async def dashboard(request: web.Request) -> web.Response:
    staff = _maintainer(request)
    await run_sync(auth.audit, staff, "view_dashboard")
    return aiohttp_jinja2.render_template(
        "staff_dashboard.html", request, {"staff": staff, "csrf": staff.csrf_token}
    )


def _since(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days - 1)


def chart_data(days: int = 30) -> Dict[str, Any]:
    """Everything the dashboard draws, from counts only (no message text)."""
    start = _since(days)
    with session_scope() as s:
        stats = s.execute(
            sa.select(
                models.TopicStat.day,
                models.TopicStat.language,
                models.TopicStat.topic,
                models.TopicStat.count,
            ).where(models.TopicStat.day >= start)
        ).all()
        logged = s.execute(
            sa.select(
                models.QuestionLog.created_on, models.QuestionLog.reason, models.QuestionLog.predicted_intent
            ).where(models.QuestionLog.created_on >= start)
        ).all()
        tickets = s.execute(
            sa.select(models.HandoffTicket.created_at, models.HandoffTicket.claimed_at).where(
                models.HandoffTicket.created_at >= dt.datetime.combine(start, dt.time(), dt.timezone.utc)
            )
        ).all()
    per_day_language: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_topic: Dict[str, int] = defaultdict(int)
    answered_per_day: Dict[str, int] = defaultdict(int)
    for day, language, topic, count in stats:
        per_day_language[language][day.isoformat()] += count
        per_topic[topic] += count
        answered_per_day[day.isoformat()] += count
    fallbacks: Dict[str, int] = defaultdict(int)
    unhelpful: Dict[str, int] = defaultdict(int)
    for day, reason, intent in logged:
        if reason == "fallback":
            fallbacks[day.isoformat()] += 1
        if reason == "unhelpful":
            unhelpful[intent or "unknown"] += 1
    handoffs: Dict[str, int] = defaultdict(int)
    waits: Dict[str, List[float]] = defaultdict(list)
    for created, claimed in tickets:
        key = created.date().isoformat()
        handoffs[key] += 1
        if claimed:
            waits[key].append((claimed - created).total_seconds() / 60)
    day_keys = [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
    return {
        "days": day_keys,
        "per_day_language": {k: dict(v) for k, v in per_day_language.items()},
        "per_topic": dict(per_topic),
        "fallback_rate": {d: fallbacks[d] / (fallbacks[d] + answered_per_day[d]) if fallbacks[d] + answered_per_day[d]
                          else 0.0 for d in day_keys},
        "handoffs": dict(handoffs),
        "median_wait_minutes": {d: statistics.median(w) for d, w in waits.items()},
        "unhelpful": dict(unhelpful),
    }  # fmt: skip


def render_chart(name: str, data: Dict[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
    days = data["days"]
    labels = [d[5:] for d in days]
    if name == "questions":
        bottom = [0] * len(days)
        for language, counts in sorted(data["per_day_language"].items()):
            values = [counts.get(d, 0) for d in days]
            ax.bar(labels, values, bottom=bottom, label=language)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_title("Answered questions per day and language")
        if data["per_day_language"]:
            ax.legend(fontsize=7, ncol=9)
    elif name == "topics":
        top = sorted(data["per_topic"].items(), key=lambda kv: -kv[1])[:15]
        ax.barh([t for t, _ in top][::-1], [n for _, n in top][::-1])
        ax.set_title("Most asked topics (30 days)")
    elif name == "fallback":
        ax.plot(labels, [data["fallback_rate"][d] for d in days], marker="o")
        ax.set_ylim(0, 1)
        ax.set_title("Fallback rate per day")
    elif name == "handoffs":
        ax.bar(labels, [data["handoffs"].get(d, 0) for d in days], label="handoffs")
        ax2 = ax.twinx()
        ax2.plot(labels, [data["median_wait_minutes"].get(d, float("nan")) for d in days], color="tab:red",
                 marker="o", label="median wait (min)")  # fmt: skip
        ax2.set_ylabel("median wait (min)")
        ax.set_title("Handoffs per day and median waiting time")
    elif name == "unhelpful":
        items = sorted(data["unhelpful"].items(), key=lambda kv: -kv[1])[:15]
        ax.barh([t for t, _ in items][::-1], [n for _, n in items][::-1], color="tab:orange")
        ax.set_title("Answers marked unhelpful, per topic (30 days)")
    else:
        raise KeyError(name)
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


CHARTS = ("questions", "topics", "fallback", "handoffs", "unhelpful")


async def chart(request: web.Request) -> web.Response:
    _maintainer(request)
    name = request.match_info["name"]
    if name not in CHARTS:
        raise web.HTTPNotFound()
    data = await run_sync(chart_data)
    png = await run_sync(render_chart, name, data)
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


def setup(app: web.Application, job: Optional[Dict[str, Any]] = None) -> None:
    app[JOB] = job or {}
    app.router.add_get("/staff/questions", questions_page)
    app.router.add_post("/staff/questions/label", label)
    app.router.add_post("/staff/questions/dismiss", dismiss)
    app.router.add_post("/staff/questions/retrain", retrain)
    app.router.add_get("/staff/dashboard", dashboard)
    app.router.add_get("/staff/dashboard/{name}.png", chart)
