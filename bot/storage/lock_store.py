"""The conversation lock store for endpoints.yml: Redis when `LOCK_STORE_URL` is set
(needed as soon as more than one Rasa replica runs), else in memory."""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import get_settings


def create_lock_store() -> LockStore:
    """The lock store the settings ask for."""
    url = get_settings().lock_store_url
    if not url:
        return InMemoryLockStore()
    parts = urlsplit(url)
    return RedisLockStore(
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        db=int(parts.path.lstrip("/") or 1),
        username=parts.username,
        password=parts.password,
        use_ssl=parts.scheme == "rediss",
        key_prefix="kompis",
    )


class KompisLockStore:
    """What endpoints.yml names: Rasa instantiates a class, and this one hands back the
    lock store `create_lock_store()` builds (Python skips __init__ for another type)."""

    def __new__(cls, endpoint_config: Optional[Any] = None) -> LockStore:  # type: ignore[misc]
        return create_lock_store()
