"""python -m bot.web: run the web app."""

from aiohttp import web

from bot.logs import configure_logging
from bot.settings import get_settings
from bot.web.app import create_app


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    web.run_app(create_app(), host=settings.web_host, port=settings.web_port, access_log=None, print=None)


if __name__ == "__main__":
    main()
