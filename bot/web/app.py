"""The aiohttp application: chat page, static files, front-end packages, staff console."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import language as lang_mod
from bot.content import catalogue
from bot.settings import ROOT, get_settings

HERE = Path(__file__).resolve().parent
NODE_MODULES = ROOT / "web" / "node_modules"

# Front-end packages served from node_modules (installed from the npm registry).
VENDOR = {
    "socket.io": NODE_MODULES / "socket.io-client" / "dist",
    "noto-sans": NODE_MODULES / "@fontsource-variable" / "noto-sans",
    "noto-sans-ethiopic": NODE_MODULES / "@fontsource-variable" / "noto-sans-ethiopic",
    "vazirmatn": NODE_MODULES / "@fontsource-variable" / "vazirmatn",
    "noto-naskh-arabic": NODE_MODULES / "@fontsource-variable" / "noto-naskh-arabic",
    # Cheap phones and some desktops lack an emoji font; the texts use a few (🔒 📞 🚨 💙).
    "noto-color-emoji": NODE_MODULES / "@fontsource" / "noto-color-emoji",
}

QUICK_EXIT_URL = web.AppKey("quick_exit_url", str)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def script_json(value: Any) -> str:
    """JSON safe to place inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def ui_texts() -> Dict[str, Dict[str, str]]:
    """The web page's own texts (web.*) and button labels, in every language."""
    cat = catalogue()
    keys = [k for k in cat.texts["en"] if k.startswith("web.")]
    return {code: {k: cat.text(k, code) for k in keys} for code in cat.codes}


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    for k, v in SECURITY_HEADERS.items():
        response.headers.setdefault(k, v)
    return response


async def chat_page(request: web.Request) -> web.Response:
    s = get_settings()
    context = {
        "languages": lang_mod.languages(),
        "ui_texts_json": script_json(ui_texts()),
        "config_json": script_json(
            {
                "socketUrl": s.socket_url,
                "rasaPort": s.rasa_port,
                "quickExitUrl": request.app[QUICK_EXIT_URL],
            }
        ),
    }
    response = aiohttp_jinja2.render_template("chat.html", request, context)
    # Nothing of the conversation may stay in the browser's cache after the tab closes.
    response.headers["Cache-Control"] = "no-store"
    return response


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app() -> web.Application:
    """The web app (chat page and, from bot.web.staff, the console)."""
    import os

    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[QUICK_EXIT_URL] = os.environ.get("QUICK_EXIT_URL", "https://www.google.com/")
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    from bot.web import staff

    staff.setup(app)
    app.router.add_get("/", chat_page)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static/", HERE / "static")
    for name, path in VENDOR.items():
        if path.exists():
            app.router.add_static(f"/vendor/{name}/", path)
    return app
