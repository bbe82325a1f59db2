"""Telegram end to end: Kompis' own channel (python-telegram-bot) against a local fake Bot API.

The real servers run with TELEGRAM_BOT_TOKEN set and TELEGRAM_API_BASE_URL pointing at
tests/fake_telegram.py; updates go in through getUpdates (long polling) or the webhook
route, and the fake records every message the bot sends.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from bot.content import catalogue
from tests.fake_telegram import TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.model]


def texts(messages: list) -> list:
    return [m["text"] for m in messages]


def buttons(message: dict) -> list:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def post_webhook(stack, update: dict, secret: str | None) -> int:  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/telegram/webhook",
        data=json.dumps(update).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_conversations_in_three_languages_with_a_deep_link_and_buttons(stack, fake_telegram) -> None:
    cat = catalogue()
    # Dari through a QR code deep link: t.me/<bot>?start=fa
    fake_telegram.text(8291730001, "/start fa", language_code="en")
    sent = fake_telegram.wait_for(8291730001, 3)
    assert sent[0]["text"] == cat.render("utter_language_set", "fa")["text"]
    assert cat.text("welcome", "fa") in sent[1]["text"]
    menu = sent[-1]
    asylum = next(b for b in buttons(menu) if b["text"] == cat.text("menu.section.asylum", "fa"))
    # A button press: the callback query is answered and the section opens, in Dari.
    fake_telegram.press(8291730001, asylum["callback_data"])
    sent = fake_telegram.wait_for(8291730001, 4)
    assert cat.topic_part("appeal", "title", "fa") in [b["text"] for b in buttons(sent[-1])]
    assert fake_telegram.callback_answers, "callback queries are answered"
    # Arabic, typed.
    fake_telegram.text(8291730002, "مرحبا، رفضوا طلب اللجوء تبعي شو لازم اعمل هلق", language_code="ar")
    sent = fake_telegram.wait_for(8291730002, 2)
    assert any(
        "العربية" in [b["text"] for b in buttons(m)] or "ء" in m["text"] or "ا" in m["text"] for m in sent
    )
    # Swedish /start without a payload uses Telegram's app language only as a hint.
    fake_telegram.text(8291730003, "/start", language_code="sv")
    sent = fake_telegram.wait_for(8291730003, 2)
    assert cat.text("welcome", "sv") in sent[0]["text"]
    # The command menu exists in every language.
    for code in cat.codes:
        assert code in fake_telegram.commands, f"no command menu for {code}"


def test_duplicate_update_is_processed_once_and_wrong_secret_rejected(stack, fake_telegram) -> None:
    update = {"update_id": 555001, "message": {"message_id": 1, "date": int(time.time()),
              "chat": {"id": 8291730004, "type": "private"}, "from": {"id": 8291730004, "is_bot": False, "first_name": "A"},
              "text": "tack"}}  # fmt: skip
    secret = stack.env["TELEGRAM_WEBHOOK_SECRET"]
    assert post_webhook(stack, update, None) == 403
    assert post_webhook(stack, update, "wrong") == 403
    assert post_webhook(stack, update, secret) == 200
    assert post_webhook(stack, update, secret) == 200  # Telegram retried: dropped as a duplicate
    sent = fake_telegram.wait_for(8291730004, 2)
    time.sleep(2)
    texts_sent = [m["text"] for m in fake_telegram.sent_to(8291730004)]
    assert len(texts_sent) == len(sent) == len(set(texts_sent)), (
        "a duplicate update must not be answered twice"
    )
    from bot.pseudonym import pseudonym

    engine = sa.create_engine(stack.database_url, future=True)
    with engine.connect() as c:
        users = c.execute(
            sa.text("select count(*) from events where sender_id = :s and type_name = 'user'"),
            {"s": pseudonym(8291730004)},
        ).scalar()
    engine.dispose()
    assert users == 1


def test_429_then_exactly_one_delivery(stack, fake_telegram) -> None:
    fake_telegram.text(8291730005, "/start en")
    fake_telegram.wait_for(8291730005, 3)
    fake_telegram.fail_next.append({"status": 429, "retry_after": 2})
    started = time.monotonic()
    fake_telegram.text(8291730005, "thanks a lot")
    sent = fake_telegram.wait_for(8291730005, 4, timeout=30)
    assert len(sent) == 4
    assert sent[-1]["text"] == catalogue().text("thanks", "en")
    assert sent[-1]["at"] - started >= 2.0, "the retry waited for retry_after"
    time.sleep(2)
    assert len(fake_telegram.sent_to(8291730005)) == 4, "delivered exactly once"


def test_long_messages_are_split_and_rate_limited(stack, fake_telegram) -> None:
    fake_telegram.text(8291730006, "/start en")
    fake_telegram.wait_for(8291730006, 3)
    fake_telegram.press(8291730006, '/more_info{"topic":"rejection_what_now"}')
    sent = fake_telegram.wait_for(8291730006, 4)
    assert all(len(m["text"]) <= 4096 for m in sent)
    gaps = [b["at"] - a["at"] for a, b in zip(sent, sent[1:])]
    assert min(gaps) >= 0.9, f"at most one message per second per chat, gaps were {gaps}"


def test_media_and_location(stack, fake_telegram) -> None:
    cat = catalogue()
    fake_telegram.text(8291730007, "/start so")
    fake_telegram.wait_for(8291730007, 3)
    fake_telegram.push({"message": {"message_id": 9, "date": int(time.time()), "chat": {"id": 8291730007, "type": "private"},
                        "from": {"id": 8291730007, "is_bot": False, "first_name": "B"},
                        "voice": {"file_id": "x", "file_unique_id": "y", "duration": 3}}})  # fmt: skip
    sent = fake_telegram.wait_for(8291730007, 4)
    assert sent[-1]["text"] == cat.text("media.unsupported", "so")
    fake_telegram.push({"message": {"message_id": 10, "date": int(time.time()), "chat": {"id": 8291730007, "type": "private"},
                        "from": {"id": 8291730007, "is_bot": False, "first_name": "B"},
                        "location": {"latitude": 55.6050, "longitude": 13.0038}}})  # fmt: skip
    sent = fake_telegram.wait_for(8291730007, 6)
    assert cat.text("location.received", "so", city="Malmö") in texts(sent)
    engine = sa.create_engine(stack.database_url, future=True)
    with engine.connect() as c:
        rows = c.execute(sa.text("select data from events")).scalars().all()
        journal = c.execute(sa.text("select payload from inbound_message")).scalars().all()
    engine.dispose()
    dump = "\n".join(rows) + "\n".join(json.dumps(j) for j in journal if j)
    assert "55.605" not in dump and "13.0038" not in dump, "coordinates must not be stored"


def test_rasa_killed_mid_conversation_loses_no_message(stack, fake_telegram) -> None:
    fake_telegram.text(8291730008, "/start sv")
    fake_telegram.wait_for(8291730008, 3)
    stack.stack.kill("Rasa server")
    # The young person keeps writing while Kompis is down.
    fake_telegram.text(8291730008, "vad betyder laga kraft")
    fake_telegram.text(8291730008, "tack")
    time.sleep(1)
    assert fake_telegram.pending_updates() >= 2, "unacknowledged updates stay at Telegram"
    stack.stack.restart("Rasa server", timeout=300)
    sent = fake_telegram.wait_for(8291730008, 5, timeout=90)
    engine = sa.create_engine(stack.database_url, future=True)
    with engine.connect() as c:
        users = c.execute(
            sa.text("select data from events where type_name = 'user' and data like :t"),
            {"t": "%laga kraft%"},
        ).all()
    engine.dispose()
    assert users, "the message sent while Rasa was down is in the conversation"
    assert cat_text("thanks", "sv") in texts(sent)


def cat_text(key: str, code: str) -> str:
    return catalogue().text(key, code)


def test_forget_leaves_nothing_behind(stack, fake_telegram) -> None:
    from bot.pseudonym import pseudonym

    fake_telegram.text(8291730009, "/start en")
    fake_telegram.wait_for(8291730009, 3)
    fake_telegram.text(8291730009, "where can i sleep tonight in uppsala, my secret word is zebrafish")
    fake_telegram.wait_for(8291730009, 4)
    fake_telegram.text(8291730009, "/forget")
    sent = fake_telegram.wait_for(8291730009, 5)
    assert sent[-1]["text"] == catalogue().text("forget.done", "en")
    time.sleep(2)
    conversation = pseudonym(8291730009)
    engine = sa.create_engine(stack.database_url, future=True)
    with engine.connect() as c:
        for table, column in (("events", "sender_id"), ("inbound_message", "conversation_id"),
                              ("handoff_ticket", "conversation_id")):  # fmt: skip
            n = c.execute(
                sa.text(f"select count(*) from {table} where {column} = :c"), {"c": conversation}
            ).scalar()
            assert n == 0, f"{table} still has rows of a forgotten conversation"
        events = c.execute(sa.text("select data from events")).scalars().all()
        outbox = c.execute(sa.text("select payload from outbound_message")).scalars().all()
    engine.dispose()
    assert not any("zebrafish" in e for e in events)
    assert not any("zebrafish" in json.dumps(o) for o in outbox)


def test_no_raw_ids_names_usernames_or_token_anywhere(stack, fake_telegram) -> None:
    fake_telegram.text(8291730010, "/start en", first_name="Zarifa", username="zarifa_secret_handle")
    fake_telegram.text(
        8291730010, "hello, is this anonymous?", first_name="Zarifa", username="zarifa_secret_handle"
    )
    fake_telegram.wait_for(8291730010, 4)
    everything = stack.everything_stored()
    for needle in ("8291730001", "8291730002", "8291730005", "8291730008", "8291730010", "Zarifa", "zarifa_secret_handle", TOKEN,
                   TOKEN.split(":")[1]):  # fmt: skip
        assert needle not in everything, f"{needle!r} found in the database or the logs"
