"""Telegram helpers: splitting, keyboards, and what is kept of an update."""

from __future__ import annotations

import pytest

from bot.channels.telegram import keyboard, split_text, stored_payload, update_to_payload
from bot.content import catalogue


def test_long_texts_are_split_at_sentence_ends() -> None:
    sentence = "Detta är en mening om överklagande. "
    parts = split_text(sentence * 300)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert "".join(parts).replace(" ", "") == (sentence * 300).replace(" ", "")


def test_every_button_payload_fits_telegram() -> None:
    cat = catalogue()
    for code in cat.codes:
        for name in list(cat.responses) + ["utter_choose_language", "utter_fallback", "utter_menu_section"]:
            message = cat.render(
                name, code, section="asylum_and_rejection", suggestions=["appeal"], city="Malmö"
            )
            keyboard(message.get("buttons", []))  # raises if a payload is over 64 bytes
        for topic in cat.topic_meta:
            if topic.startswith("crisis_"):
                continue
            for b in cat.render("utter_topic", code, topic=topic).get("buttons") or []:
                assert len(b["payload"].encode()) <= 64, b["payload"]


def test_over_long_payload_is_refused() -> None:
    with pytest.raises(ValueError):
        keyboard([{"title": "x", "payload": "/" + "a" * 80}])


def test_an_update_keeps_no_name_username_phone_or_coordinates() -> None:
    update = {"update_id": 5, "message": {"message_id": 1, "date": 0,
              "chat": {"id": 123456789, "type": "private", "first_name": "Zarifa"},
              "from": {"id": 123456789, "first_name": "Zarifa", "username": "zk", "language_code": "fa"},
              "text": "سلام، شماره من ۰۷۰۱۲۳۴۵۶۷"}}  # fmt: skip
    payload = update_to_payload(update)
    kept = stored_payload(payload)
    assert kept == {"language_hint": "fa", "kind": "text", "text": "سلام، شماره من [phone]"}
    location = {"update_id": 6, "message": {"message_id": 2, "date": 0, "chat": {"id": 1, "type": "private"},
                "location": {"latitude": 59.33, "longitude": 18.06}}}  # fmt: skip
    kept = stored_payload(update_to_payload(location))
    assert kept == {"language_hint": None, "kind": "location", "town": "Stockholm"}


@pytest.mark.parametrize(("text", "payload"), [
    ("/start ti", '/choose_language{"language":"ti"}'), ("/start", "/greet"), ("/language", "/choose_language"),
    ("/help", "/help_menu"), ("/person", "/request_human"), ("/forget", '/forget_me{"confirmed":"yes"}'),
    ("/cancel", "/leave_queue"), ("/start@kompis_bot fa", '/choose_language{"language":"fa"}'),
])  # fmt: skip
def test_commands(text: str, payload: str) -> None:
    update = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
              "text": text}}  # fmt: skip
    assert update_to_payload(update)["text"] == payload


def test_group_chats_are_ignored() -> None:
    update = {"update_id": 8, "message": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "group"},
              "text": "hej"}}  # fmt: skip
    assert update_to_payload(update) is None
