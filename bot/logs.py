"""Logging that never writes a secret or a raw Telegram identifier.

`install_redaction()` wraps the log record factory, so every record from every library
(httpx logs request URLs, which contain the bot token) is cleaned before any handler
sees it, whatever logging set-up Rasa or Sanic installs afterwards.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable, List, Optional

_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
_secrets: List[str] = []
_installed = False


def redact(text: str) -> str:
    """Text with bot tokens and registered secrets replaced."""
    for secret in _secrets:
        if secret and secret in text:
            text = text.replace(secret, "[secret]")
    return _TOKEN.sub("[bot-token]", text)


def install_redaction(secrets: Iterable[Optional[str]] = ()) -> None:
    """Redact these secrets (and anything shaped like a bot token) from all log records."""
    global _installed
    for s in secrets:
        if s and len(s) >= 8 and s not in _secrets:
            _secrets.append(s)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return record
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    # httpx logs every request URL at INFO, and Telegram's URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    _installed = True


def configure_logging(level: str = "INFO") -> None:
    """Plain logging for Kompis' own processes, with redaction installed."""
    from bot.settings import get_settings

    s = get_settings()
    install_redaction([s.telegram_token, s.rasa_token, s.session_secret, s.telegram_webhook_secret])
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
