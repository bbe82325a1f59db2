"""The web chat in a real browser (Debian's headless Chromium driven by Playwright).

Screenshots are saved in tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import catalogue

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture()
def page(browser, stack):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def last_bot_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".msg.bot").last.inner_text()


def test_rtl_conversation_buttons_and_fonts(page, stack) -> None:  # type: ignore[no-untyped-def]
    cat = catalogue()
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(stack.web_url + "/")
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    page.get_by_role("button", name="دری / فارسی").click()
    welcome = cat.text("welcome", "fa")
    page.locator(".msg.bot", has_text=welcome[:20]).wait_for()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "fa"
    # Mixed-direction text is laid out per paragraph (unicode-bidi: plaintext).
    assert page.locator(".msg.bot").first.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
    # Press a menu button: the asylum section, in Dari.
    section = cat.text("menu.section.asylum", "fa")
    page.get_by_role("button", name=section).click()
    first_topic = cat.topic_part("rejection_what_now", "title", "fa")
    page.get_by_role("button", name=first_topic).wait_for()
    # Layout fits a 360 px phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "webchat-fa-rtl.png"), full_page=True)

    # Tigrinya: Ethiopic text must render with the served web font, not as boxes.
    page.locator("#language-button").click()
    page.get_by_role("button", name="ትግርኛ").click()
    page.locator(".msg.bot", has_text=cat.text("language.set", "ti")[:12]).wait_for()
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.wait_for_function(
        "document.fonts.check('16px \"Noto Sans Ethiopic Variable\"', 'ሰላም') && "
        "[...document.fonts].some(f => f.family.includes('Ethiopic') && f.status === 'loaded')"
    )
    page.screenshot(path=str(ARTIFACTS / "webchat-ti.png"), full_page=True)


def test_typed_message_and_quick_exit_leave_nothing_behind(page, stack) -> None:  # type: ignore[no-untyped-def]
    cat = catalogue()
    page.goto(stack.web_url + "/")
    page.get_by_role("button", name="English").click()
    page.locator(".msg.bot", has_text=cat.text("welcome", "en")[:20]).wait_for()
    page.locator("#input").fill("can i see a doctor without papers")
    page.locator("#send").click()
    page.locator(".msg.user", has_text="can i see a doctor").wait_for()
    page.locator(".msg.user.pending").wait_for(state="detached")  # acknowledged by the server
    assert page.evaluate("sessionStorage.getItem('kompis.session')")
    assert page.evaluate("localStorage.length") == 0, "nothing is kept beyond the tab"
    page.locator("#quick-exit").click()
    page.wait_for_url(stack.env["QUICK_EXIT_URL"])
    assert page.evaluate("sessionStorage.length") == 0
    # Back does not return to the chat (the page was replaced, not pushed).
    page.go_back()
    assert "/healthz" in page.url or page.url == "about:blank"


def test_dashboard_charts_render(page, stack) -> None:  # type: ignore[no-untyped-def]
    from bot import questions
    from bot.web import auth

    auth.create_account("dash-maintainer", "dashboard password 1", "Dana", "maintainer", None)
    for code, topic in (
        ("sv", "appeal"),
        ("fa", "appeal"),
        ("ar", "find_shelter"),
        ("ti", "rights_healthcare"),
    ):
        questions.record_topic(code, topic)
    questions.log("dash", "sv", "hur får jag körkort", "fallback", None, None)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(stack.web_url + "/staff/login")
    page.fill("input[name=username]", "dash-maintainer")
    page.fill("input[name=password]", "dashboard password 1")
    page.get_by_role("button", name="Log in").click()
    page.goto(stack.web_url + "/staff/dashboard")
    images = page.locator(".charts img")
    assert images.count() == 5
    page.wait_for_function(
        "[...document.querySelectorAll('.charts img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.goto(stack.web_url + "/staff/questions")
    page.locator(".cluster", has_text="körkort").wait_for()
