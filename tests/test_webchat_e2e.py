"""End to end: the real servers with a trained model, chatting over the web chat's socket.io."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from bot.content import catalogue
from tests.chat import WebChatClient

pytestmark = [pytest.mark.slow, pytest.mark.model]


def texts(messages: list) -> list:
    return [m.get("text", "") for m in messages]


async def client(stack) -> WebChatClient:  # type: ignore[no-untyped-def]
    return await WebChatClient(stack.rasa_url, origin=stack.web_url).connect()


async def test_greets_shows_picker_and_answers_in_the_chosen_language(stack) -> None:
    chat = await client(stack)
    cat = catalogue()
    try:
        # The page sends the language picked in its picker.
        messages = await chat.say('/choose_language{"language":"fa"}', at_least=3)
        assert messages[0]["text"] == cat.render("utter_language_set", "fa")["text"]
        assert cat.text("welcome", "fa") in messages[1]["text"]
        assert all(m.get("language") == "fa" for m in messages)
        assert any(m.get("buttons") for m in messages), "the topic menu has buttons"
        # A real question, in Dari, answered in Dari with its source and check date.
        messages = await chat.say("اعتراض به جواب منفی چطور است", at_least=1)  # a training example
        answer = messages[0]
        assert answer["language"] == "fa"
        meta = cat.topic_meta["appeal"]
        assert meta.checked_on.isoformat() in answer["text"]
        assert cat.topic_part("appeal", "summary", "fa") in answer["text"]
        assert [b["payload"] for b in answer["buttons"]][0].startswith("/more_info")
        # Pressing a button ("tell me more").
        messages = await chat.say(answer["buttons"][0]["payload"])
        assert cat.topic_part("appeal", "more", "fa") in messages[0]["text"]
    finally:
        await chat.close()


async def test_first_message_without_a_choice_is_answered_with_welcome_and_picker(stack) -> None:
    chat = await client(stack)
    try:
        messages = await chat.say("hej hej", at_least=2)
        assert catalogue().text("welcome", "sv") in messages[0]["text"]
        picker = messages[-1]
        assert {b["title"] for b in picker["buttons"]} >= {"Svenska", "پښتو", "ትግርኛ", "العربية"}
    finally:
        await chat.close()


async def test_every_message_is_acknowledged_stored_and_duplicates_dropped(stack) -> None:
    chat = await client(stack)
    try:
        client_id = uuid.uuid4().hex
        await chat.send("hello", client_id=client_id)
        first = await chat.receive(at_least=1)
        await chat.send("hello", client_id=client_id)  # a resend after a reconnect
        again = await chat.receive(at_least=0, quiet=3)
        assert first and not again, "a duplicate must not be answered twice"
        assert chat.acks.count(client_id) == 2, "both sends are acknowledged"
        engine = sa.create_engine(stack.database_url, future=True)
        with engine.connect() as c:
            users = c.execute(
                sa.text("select count(*) from events where sender_id = :s and type_name = 'user'"),
                {"s": chat.session_id},
            ).scalar()
            journal = c.execute(
                sa.text(
                    "select count(*), count(processed_at) from inbound_message where conversation_id = :s"
                ),
                {"s": chat.session_id},
            ).first()
        engine.dispose()
        assert users == 1
        assert tuple(journal) == (1, 1)
    finally:
        await chat.close()


async def test_crisis_inside_an_ordinary_message_gets_numbers_first(stack) -> None:
    chat = await client(stack)
    try:
        await chat.say('/choose_language{"language":"sv"}', at_least=3)
        messages = await chat.say("jag fick avslag igår och jag vill inte leva längre", at_least=1)
        first = messages[0]
        assert "90101" in first["text"] and "112" in first["text"]
        assert any("request_human" in b["payload"] for b in first["buttons"])
    finally:
        await chat.close()


async def test_conversation_survives_a_reconnect_with_the_same_session(stack) -> None:
    chat = await client(stack)
    session_id = chat.session_id
    await chat.say('/choose_language{"language":"ar"}', at_least=3)
    await chat.close()
    again = await WebChatClient(stack.rasa_url, session_id=session_id, origin=stack.web_url).connect()
    try:
        assert again.session_id == session_id
        messages = await again.say("شكرا", at_least=1)
        assert messages[0]["language"] == "ar", "the language chosen before the reconnect is kept"
    finally:
        await again.close()


async def test_socket_from_a_foreign_origin_is_refused(stack) -> None:
    with pytest.raises(Exception):  # noqa: B017 (socketio raises ConnectionError subclasses)
        await asyncio.wait_for(WebChatClient(stack.rasa_url, origin="https://evil.example").connect(), 10)


SAFETY_CASES = __import__("yaml").safe_load(
    (__import__("pathlib").Path(__file__).parent / "safety_cases.yml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("code", ["sv", "en", "fa", "ps", "ar", "so", "ti", "fr", "ro"])
async def test_crisis_in_every_language_gets_numbers_and_a_person(stack, code: str) -> None:
    chat = await client(stack)
    try:
        await chat.say(f'/choose_language{{"language":"{code}"}}', at_least=3)
        case = SAFETY_CASES[code]["crisis"][0]
        messages = await chat.say(case["text"], at_least=1)
        first = messages[0]
        assert "112" in first["text"], first["text"]
        assert first["language"] == code
        assert first["buttons"][0]["payload"] == '/request_human{"urgency":"crisis"}'
        assert first["buttons"][0]["title"] == catalogue().text("crisis.person_now", code)
    finally:
        await chat.close()


async def test_identifiers_leave_no_trace_in_the_database_or_logs(stack) -> None:
    from pathlib import Path

    import yaml

    corpus = yaml.safe_load((Path(__file__).parent / "identifiers.yml").read_text(encoding="utf-8"))
    chat = await client(stack)
    try:
        await chat.say('/choose_language{"language":"en"}', at_least=3)
        for case in corpus:
            await chat.say(case["text"], at_least=1)
    finally:
        await chat.close()
    everything = stack.everything_stored()
    for case in corpus:
        for secret in case["secret"]:
            assert secret not in everything, f"{secret!r} found in the database or the logs"
