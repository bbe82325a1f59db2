"""Human handoff end to end: a young person on Telegram asks for a person; staff claim,
read, reply, transfer and close in the console; restarts lose nothing."""

from __future__ import annotations

import time

import pytest

from bot import handoff
from bot.content import catalogue
from bot.web import auth
from tests.staff_client import StaffClient

pytestmark = [pytest.mark.slow, pytest.mark.model]
PASSWORD = "a long test password 1"


@pytest.fixture(scope="module")
def organisations(stack):  # type: ignore[no-untyped-def]
    """Two national organisations (one an authority) and one staff member in each."""
    handoff.create_organisation("rk-test", "Röda Korset Test", False, None, "always", ["sv", "ar", "fa"], 5)
    handoff.create_organisation("soc-test", "Socialtjänsten Test", True, None, "always", ["sv"], 20)
    auth.create_account("tg-sara", PASSWORD, "Sara", "staff", "rk-test")
    auth.create_account("tg-omar", PASSWORD, "Omar", "staff", "soc-test")
    return {"rk": "rk-test", "soc": "soc-test"}


def buttons(message: dict) -> list:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def wait_until(fn, timeout: float = 20.0, every: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


def test_telegram_handoff_whole_flow_with_restarts(stack, fake_telegram, organisations) -> None:
    cat = catalogue()
    chat = 8291739001
    fake_telegram.text(chat, "/start fa")
    fake_telegram.wait_for(chat, 3)
    fake_telegram.text(chat, "/person")
    offer = fake_telegram.wait_for(chat, 4)[-1]
    assert "Röda Korset Test" in offer["text"] and cat.text("authority.yes", "fa") in offer["text"]
    fake_telegram.press(
        chat, next(b["callback_data"] for b in buttons(offer) if "rk-test" in b["callback_data"])
    )
    share = fake_telegram.wait_for(chat, 5)[-1]
    fake_telegram.press(
        chat, next(b["callback_data"] for b in buttons(share) if '"share":"all"' in b["callback_data"])
    )
    queued = fake_telegram.wait_for(chat, 6)[-1]
    assert queued["text"] == cat.text("handoff.queued", "fa", org="Röda Korset Test")

    sara = StaffClient(stack.web_url).login("tg-sara", PASSWORD)
    ticket = wait_until(lambda: next((t for t in sara.queue() if t["language"] == "fa"), None))
    status, _ = sara.post(f"/staff/api/tickets/{ticket['id']}/claim")
    assert status == 200
    joined = fake_telegram.wait_for(chat, 7)[-1]
    assert joined["text"] == cat.text("handoff.joined", "fa", agent="Sara", org="Röda Korset Test")
    history = sara.messages(ticket["id"])
    assert any(m["who"] == "user" and m["text"] == "/start fa" or m["who"] == "bot" for m in history)

    # The young person writes; the bot stays silent; staff see it within 2 seconds.
    fake_telegram.text(chat, "سلام، من جواب منفی گرفتم")
    started = time.monotonic()
    wait_until(
        lambda: any(m["text"] == "سلام، من جواب منفی گرفتم" for m in sara.messages(ticket["id"])), 5, 0.1
    )
    assert time.monotonic() - started < 2.5
    time.sleep(1.5)
    assert len(fake_telegram.sent_to(chat)) == 7, "the bot is silent while a person has the chat"

    # Staff reply while the Rasa server is down: delivered after the restart, nothing lost.
    stack.stack.kill("Rasa server")
    sara.post(f"/staff/api/tickets/{ticket['id']}/reply", {"text": "سلام، من سارا هستم. چطور کمک کنم؟"})
    fake_telegram.text(chat, "ممنون")
    stack.stack.restart("Rasa server", timeout=300)
    sent = fake_telegram.wait_for(chat, 8, timeout=60)
    assert "سلام، من سارا هستم. چطور کمک کنم؟" in sent[-1]["text"] and "Sara" in sent[-1]["text"]
    wait_until(lambda: any(m["text"] == "ممنون" for m in sara.messages(ticket["id"])), 60)

    # Web app restart: the console comes back with the whole conversation.
    stack.stack.kill("web app")
    fake_telegram.text(chat, "هنوز اینجا هستی؟")
    stack.stack.restart("web app")
    sara = StaffClient(stack.web_url).login("tg-sara", PASSWORD)
    wait_until(lambda: any(m["text"] == "هنوز اینجا هستی؟" for m in sara.messages(ticket["id"])), 20)

    # Transfer to social services, who claim and close; Kompis takes over again.
    status, _ = sara.post(f"/staff/api/tickets/{ticket['id']}/transfer", {"organisation": "soc-test"})
    assert status == 200
    sent = fake_telegram.wait_for(chat, 9)
    assert sent[-1]["text"] == cat.text("handoff.transferred", "fa", org="Socialtjänsten Test")
    assert sara.get(f"/staff/api/tickets/{ticket['id']}/messages")[0] == 403, "no longer Sara's organisation"
    omar = StaffClient(stack.web_url).login("tg-omar", PASSWORD)
    assert omar.post(f"/staff/api/tickets/{ticket['id']}/claim")[0] == 200
    fake_telegram.wait_for(chat, 10)
    assert omar.post(f"/staff/api/tickets/{ticket['id']}/close", {"outcome": "helped"})[0] == 200
    ended = fake_telegram.wait_for(chat, 11)[-1]
    assert ended["text"] == cat.text("handoff.ended", "fa", org="Socialtjänsten Test")
    fake_telegram.text(chat, "/help")
    after = fake_telegram.wait_for(chat, 12)
    assert [m["text"][:40] for m in after[11:]] == [cat.text("menu.intro", "fa")[:40]], "Kompis answers again"


def test_leaving_the_queue_and_crisis_while_waiting(stack, fake_telegram, organisations) -> None:
    cat = catalogue()
    chat = 8291739002
    fake_telegram.text(chat, "/start sv")
    fake_telegram.wait_for(chat, 3)
    fake_telegram.press(chat, '/request_human{"org":"rk-test","share":"new"}')
    fake_telegram.wait_for(chat, 4)
    ticket = handoff.active_ticket(fake_telegram_conversation(chat))
    assert ticket and ticket.urgency == "normal"
    fake_telegram.text(chat, "jag orkar inte mer, jag vill dö")
    crisis = fake_telegram.wait_for(chat, 5)[-1]
    assert "90101" in crisis["text"] and "112" in crisis["text"]
    assert handoff.active_ticket(fake_telegram_conversation(chat)).urgency == "crisis", "crisis goes first"
    fake_telegram.text(chat, "/cancel")
    left = fake_telegram.wait_for(chat, 6)[-1]
    assert left["text"] == cat.text("handoff.left", "sv")
    assert handoff.active_ticket(fake_telegram_conversation(chat)) is None


def fake_telegram_conversation(chat: int) -> str:
    from bot.pseudonym import pseudonym

    return pseudonym(chat)
