"""Human handoff in a real browser: a young person in the web chat (Arabic, right to left)
and a staff member in the console, in two browser contexts."""

from __future__ import annotations

import pytest

from bot import handoff
from bot.content import catalogue
from bot.web import auth
from tests.test_browser import ARTIFACTS

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PASSWORD = "browser test password 1"


def test_young_person_and_staff_in_two_browsers(browser, stack) -> None:  # type: ignore[no-untyped-def]
    cat = catalogue()
    handoff.create_organisation("bw-rk", "Röda Korset Webb", False, None, "always", ["ar", "sv"], 5)
    handoff.create_organisation("bw-soc", "Socialtjänsten Webb", True, None, "always", ["sv"], 20)
    auth.create_account("bw-lina", PASSWORD, "Lina", "staff", "bw-rk")
    auth.create_account("bw-ahmed", PASSWORD, "Ahmed", "staff", "bw-soc")
    ARTIFACTS.mkdir(exist_ok=True)

    young = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    staff = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    young.set_default_timeout(30_000)
    staff.set_default_timeout(30_000)

    # The young person, in Arabic, asks for a person.
    young.goto(stack.web_url + "/")
    young.get_by_role("button", name="العربية").click()
    young.locator(".msg.bot", has_text=cat.text("welcome", "ar")[:15]).wait_for()
    assert young.evaluate("document.documentElement.dir") == "rtl"
    young.get_by_role("button", name=cat.text("button.person", "ar")).first.click()
    young.get_by_role("button", name="Röda Korset Webb").click()
    young.get_by_role("button", name=cat.text("handoff.share_all", "ar")).click()
    young.locator(
        ".msg.bot", has_text=cat.text("handoff.queued", "ar", org="Röda Korset Webb")[:20]
    ).wait_for()

    # Staff log in, see the ticket in the live queue, claim it and read the conversation.
    staff.goto(stack.web_url + "/staff/login")
    staff.fill("input[name=username]", "bw-lina")
    staff.fill("input[name=password]", PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.locator("#queue tbody tr", has_text="(ar)").first.get_by_role("link").click()
    staff.get_by_role("button", name="Claim").click()
    staff.locator(".line.user").first.wait_for()
    assert staff.locator("#transcript").get_attribute("dir") == "rtl"
    young.locator(
        ".msg.bot", has_text=cat.text("handoff.joined", "ar", agent="Lina", org="Röda Korset Webb")[:10]
    ).wait_for()

    # Messages both ways, in order; the bot says nothing while Lina has the chat.
    bot_messages_before = young.locator(".msg.bot").count()
    young.locator("#input").fill("مرحبا، عندي سؤال عن الاستئناف")
    young.locator("#send").click()
    staff.locator(".line.user", has_text="عندي سؤال عن الاستئناف").wait_for(timeout=5000)
    staff.locator("#reply-text").fill("أهلا، أنا لينا. ما هو سؤالك؟")
    staff.get_by_role("button", name="Send").click()
    young.locator(".msg.staff", has_text="أنا لينا").wait_for()
    assert young.locator(".msg.bot").count() == bot_messages_before, "the bot is silent during the handoff"
    young.locator("#input").fill("متى آخر موعد للاستئناف؟")
    young.locator("#send").click()
    staff.locator(".line.user", has_text="آخر موعد").wait_for(timeout=5000)
    lines = staff.locator(".line").all_inner_texts()
    assert lines.index(next(t for t in lines if "عندي سؤال" in t)) < lines.index(
        next(t for t in lines if "أنا لينا" in t)
    )
    assert lines.index(next(t for t in lines if "أنا لينا" in t)) < lines.index(
        next(t for t in lines if "آخر موعد" in t)
    )
    young.screenshot(path=str(ARTIFACTS / "handoff-young-person.png"), full_page=True)
    staff.screenshot(path=str(ARTIFACTS / "handoff-staff.png"), full_page=True)

    # Transfer to social services; Ahmed claims and closes; Kompis is back.
    staff.select_option("#transfer-to", "bw-soc")
    staff.get_by_role("button", name="Transfer").click()
    young.locator(".msg.bot", has_text="Socialtjänsten Webb").wait_for()
    staff.get_by_role("button", name="Log out").click()
    staff.fill("input[name=username]", "bw-ahmed")
    staff.fill("input[name=password]", PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.locator("#queue tbody tr", has_text="(ar)").first.get_by_role("link").click()
    staff.get_by_role("button", name="Claim").click()
    staff.locator(".line.user", has_text="آخر موعد").wait_for()
    staff.select_option("#outcome", "referred")
    staff.get_by_role("button", name="Close and hand back to Kompis").click()
    young.locator(
        ".msg.bot", has_text=cat.text("handoff.ended", "ar", org="Socialtjänsten Webb")[:10]
    ).wait_for()
    young.locator("#input").fill("شكرا")
    young.locator("#send").click()
    young.locator(".msg.bot", has_text=cat.text("thanks", "ar")[:10]).wait_for()
