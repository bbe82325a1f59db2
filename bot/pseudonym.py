"""Keyed, reversible pseudonyms for Telegram chats.

The Rasa conversation id of a Telegram chat is `tg-` + AES-SIV(chat id) under
PSEUDONYM_KEY: deterministic (the same chat always gets the same conversation), and
reversible only with the key (replies, including staff replies, can still be delivered).
Nothing stored contains the raw chat id; destroying the key unlinks every conversation.
"""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from bot.settings import get_settings

PREFIX = "tg-"
_CONTEXT = [b"kompis-telegram-chat-v1"]


@functools.lru_cache(maxsize=4)
def _cipher(key: bytes) -> AESSIV:
    return AESSIV(key)


def pseudonym(chat_id: int, key: bytes | None = None) -> str:
    """The conversation id for a Telegram chat id."""
    key = key or get_settings().pseudonym_key
    token = _cipher(key).encrypt(str(int(chat_id)).encode(), _CONTEXT)
    return PREFIX + base64.urlsafe_b64encode(token).decode().rstrip("=")


def chat_id(conversation_id: str, key: bytes | None = None) -> int:
    """The Telegram chat id behind a conversation id (raises ValueError if not ours)."""
    if not conversation_id.startswith(PREFIX):
        raise ValueError("not a Telegram conversation")
    key = key or get_settings().pseudonym_key
    raw = conversation_id[len(PREFIX) :]
    token = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    try:
        return int(_cipher(key).decrypt(token, _CONTEXT).decode())
    except Exception as e:
        raise ValueError("conversation id does not decrypt with this key") from e


def is_telegram(conversation_id: str) -> bool:
    return conversation_id.startswith(PREFIX)
