"""The action server: Kompis' custom actions, on loopback only.

    python -m bot.action_server      (make run starts it)

rasa-sdk's own runner listens on 0.0.0.0 and answers errors with the whole request
body, i.e. the conversation. This one binds to ACTION_HOST (127.0.0.1 by default) and
answers errors with a short code only.
"""

from __future__ import annotations

import logging

from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.logs import configure_logging
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def build_app():  # type: ignore[no-untyped-def]
    """The Sanic app of the action server (actions from the `actions` package)."""
    app = create_app("actions", cors_origins=None)

    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("action server error: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    app.error_handler.add(Exception, on_error)
    return app


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = build_app()
    logger.info("action server on http://%s:%s", settings.action_host, settings.action_port)
    app.run(host=settings.action_host, port=settings.action_port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
