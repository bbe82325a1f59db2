"""Custom actions: the events they return and the responses they utter."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from actions.answers import ActionAnswerTopic, ActionInformAge, ActionMoreInfo, age_group_from_text
from actions.conversation import ActionFallback, ActionGreet, ActionReply, ActionShowMenu, ActionYesNo
from actions.crisis import ActionCrisis
from actions.directory import ActionFindHelp, ActionInformCity
from actions.forget import ActionForget
from actions.language import ActionChooseLanguage, ActionUpdateLanguage
from tests.conftest import FakeTracker, slot_events, uttered


async def run(action: Any, dispatcher: Any, domain: Dict[str, Any], **tracker_args: Any):  # type: ignore[no-untyped-def]
    tracker = FakeTracker(**tracker_args)
    return await action.run(dispatcher, tracker, domain)


async def test_first_greeting_shows_privacy_notice_and_picker_when_unsure(dispatcher, domain) -> None:
    events = await run(
        ActionGreet(), dispatcher, domain, slots={"language": "fa", "language_confidence": 0.4}
    )
    assert uttered(dispatcher) == ["utter_welcome", "utter_choose_language"]
    assert slot_events(events)["privacy_shown"] is True
    assert all(m["language"] == "fa" for m in dispatcher.messages)


async def test_greeting_when_language_is_known_shows_the_menu_once(dispatcher, domain) -> None:
    slots = {"language": "ar", "language_confidence": 1.0, "privacy_shown": True}
    events = await run(ActionGreet(), dispatcher, domain, slots=slots)
    assert uttered(dispatcher) == ["utter_greet_again", "utter_menu"]
    assert "privacy_shown" not in slot_events(events)


async def test_update_language_takes_an_explicit_choice(dispatcher, domain) -> None:
    events = await run(
        ActionUpdateLanguage(), dispatcher, domain,
        slots={"language": "sv", "language_confidence": 0.9},
        intent="choose_language",
        entities=[{"entity": "language", "value": "ps"}],
        extra={"language_detection": {"code": "en", "confidence": 0.8}},
    )  # fmt: skip
    assert slot_events(events) == {"language": "ps", "language_confidence": 1.0}


async def test_update_language_ignores_a_language_named_outside_choose_language(dispatcher, domain) -> None:
    events = await run(
        ActionUpdateLanguage(), dispatcher, domain,
        slots={"language": "sv", "language_confidence": 0.9},
        intent="find_help",
        entities=[{"entity": "language", "value": "fa"}],
        extra={"language_detection": {"code": "sv", "confidence": 0.95}},
    )  # fmt: skip
    assert slot_events(events) == {"language_confidence": 0.95, "language": "sv"}


async def test_update_language_keeps_confident_language_on_weak_detection(dispatcher, domain) -> None:
    events = await run(
        ActionUpdateLanguage(), dispatcher, domain,
        slots={"language": "ar", "language_confidence": 0.9},
        intent="affirm",
        extra={"language_detection": {"code": "en", "confidence": 0.3}},
    )  # fmt: skip
    assert events == []


async def test_choose_language_without_a_language_shows_the_picker(dispatcher, domain) -> None:
    await run(ActionChooseLanguage(), dispatcher, domain, slots={"language": "so"}, intent="choose_language")
    assert uttered(dispatcher) == ["utter_choose_language"]


async def test_choose_language_confirms_then_welcomes_and_shows_menu(dispatcher, domain) -> None:
    events = await run(
        ActionChooseLanguage(), dispatcher, domain, slots={"language": "ti"},
        intent="choose_language", entities=[{"entity": "language", "value": "ti"}],
    )  # fmt: skip
    assert uttered(dispatcher) == ["utter_language_set", "utter_welcome", "utter_menu"]
    assert slot_events(events) == {"privacy_shown": True}


@pytest.mark.parametrize(
    ("intent", "response"),
    [("bot_challenge", "utter_bot_challenge"), ("thanks", "utter_thanks"), ("goodbye", "utter_goodbye"),
     ("out_of_scope", "utter_out_of_scope"), ("ask_privacy", "utter_privacy")],
)  # fmt: skip
async def test_simple_replies(dispatcher, domain, intent: str, response: str) -> None:
    await run(ActionReply(), dispatcher, domain, slots={"privacy_shown": True}, intent=intent)
    assert uttered(dispatcher) == [response]


async def test_menu_section(dispatcher, domain) -> None:
    await run(
        ActionShowMenu(), dispatcher, domain, slots={"privacy_shown": True},
        intent="help_menu", entities=[{"entity": "section", "value": "rights"}],
    )  # fmt: skip
    assert dispatcher.messages[0]["response"] == "utter_menu_section"
    assert dispatcher.messages[0]["section"] == "rights"


async def test_topic_answer_asks_age_once_for_age_aware_topics(dispatcher, domain) -> None:
    events = await run(
        ActionAnswerTopic(), dispatcher, domain, slots={"privacy_shown": True}, intent="turning_18"
    )
    assert uttered(dispatcher) == ["utter_ask_age"]
    assert slot_events(events)["pending"] == "age:turning_18"


async def test_topic_answer_after_age_was_asked(dispatcher, domain) -> None:
    slots = {"privacy_shown": True, "age_asked": True}
    events = await run(ActionAnswerTopic(), dispatcher, domain, slots=slots, intent="turning_18")
    assert uttered(dispatcher) == ["utter_topic"]
    assert dispatcher.messages[0]["topic"] == "turning_18"
    assert slot_events(events)["topic"] == "turning_18"


async def test_inform_age_keeps_only_the_group_and_answers_the_waiting_topic(dispatcher, domain) -> None:
    events = await run(
        ActionInformAge(), dispatcher, domain, slots={"pending": "age:rights_school"},
        intent="inform_age", text="im 16",
    )  # fmt: skip
    assert slot_events(events)["age_group"] == "minor"
    assert dispatcher.messages[0]["age_group"] == "minor"
    assert dispatcher.messages[0]["topic"] == "rights_school"


@pytest.mark.parametrize(
    ("text", "group"), [("i am 16", "minor"), ("۱۷ سالمه", "minor"), ("19", "adult"), ("hello", None)]
)
def test_age_group_from_text(text: str, group: str) -> None:
    assert age_group_from_text(text) == group


async def test_more_info_uses_the_current_topic(dispatcher, domain) -> None:
    await run(ActionMoreInfo(), dispatcher, domain, slots={"topic": "appeal"}, intent="more_info")
    assert dispatcher.messages[0]["part"] == "more"
    assert dispatcher.messages[0]["topic"] == "appeal"


async def test_more_info_without_topic_asks_which(dispatcher, domain) -> None:
    await run(ActionMoreInfo(), dispatcher, domain, intent="more_info")
    assert uttered(dispatcher) == ["utter_more_which"]


@pytest.mark.parametrize(
    "intent", ["crisis_self_harm", "crisis_violence", "crisis_exploitation", "crisis_emergency"]
)
async def test_crisis_comes_first_without_welcome(dispatcher, domain, intent: str) -> None:
    await run(ActionCrisis(), dispatcher, domain, intent=intent)
    assert uttered(dispatcher) == ["utter_crisis"]
    assert dispatcher.messages[0]["kind"] == intent


async def test_fallback_suggests_topics_and_counts(dispatcher, domain) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "appeal", "confidence": 0.3},
               {"name": "legal_help", "confidence": 0.2}]  # fmt: skip
    events = await run(
        ActionFallback(), dispatcher, domain, slots={"privacy_shown": True, "fallback_count": 1.0},
        intent="nlu_fallback", ranking=ranking,
    )  # fmt: skip
    assert uttered(dispatcher) == ["utter_fallback"]
    assert dispatcher.messages[0]["suggestions"][:2] == ["appeal", "legal_help"]
    assert dispatcher.messages[0]["repeated"] is True
    assert slot_events(events)["fallback_count"] == 2.0
    assert events[0]["event"] == "rewind", "the message is reverted so the next one starts from listening"


async def test_forget_asks_first_then_deletes_on_yes(dispatcher, domain) -> None:
    events = await run(ActionForget(), dispatcher, domain, intent="forget_me")
    assert uttered(dispatcher) == ["utter_forget_confirm"]
    assert slot_events(events) == {"pending": "forget"}
    dispatcher.messages.clear()
    events = await run(ActionYesNo(), dispatcher, domain, slots={"pending": "forget"}, intent="affirm")
    assert uttered(dispatcher) == ["utter_forget_done"]
    assert slot_events(events) == {"forget_requested": True}


async def test_forget_no_keeps_everything(dispatcher, domain) -> None:
    events = await run(ActionYesNo(), dispatcher, domain, slots={"pending": "forget"}, intent="deny")
    assert uttered(dispatcher) == ["utter_forget_kept"]
    assert "forget_requested" not in slot_events(events)


async def test_find_help_asks_for_the_town_first(dispatcher, domain, sqlite_url) -> None:
    events = await run(
        ActionFindHelp(), dispatcher, domain, slots={"privacy_shown": True}, intent="find_shelter"
    )
    assert uttered(dispatcher) == ["utter_ask_city"]
    assert slot_events(events)["pending"].startswith("city:find_shelter:shelter")


async def test_find_help_lists_local_then_national_services(dispatcher, domain, sqlite_url) -> None:
    from bot import directory

    directory.load()
    events = await run(
        ActionFindHelp(),
        dispatcher,
        domain,
        slots={"privacy_shown": True, "city": "Malmö"},
        intent="find_shelter",
    )
    message = dispatcher.messages[0]
    assert message["response"] == "utter_directory"
    assert message["local"], "Malmö has local services for a place to sleep"
    assert all(s["municipality"] == "Malmö" for s in message["local"])
    assert all(s["municipality"] is None for s in message["national"])
    assert slot_events(events)["pending"] is None


async def test_town_answer_continues_a_waiting_search(dispatcher, domain, sqlite_url) -> None:
    from bot import directory

    directory.load()
    await run(
        ActionInformCity(), dispatcher, domain,
        slots={"city": "Göteborg", "pending": "city:find_healthcare:health"}, intent="inform_city",
    )  # fmt: skip
    assert dispatcher.messages[0]["response"] == "utter_directory"
    assert dispatcher.messages[0]["intent"] == "find_healthcare"


async def test_a_failing_action_still_answers_in_the_users_language(dispatcher, domain, monkeypatch) -> None:
    async def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(ActionMoreInfo, "act", boom)
    events = await run(ActionMoreInfo(), dispatcher, domain, slots={"language": "so"}, intent="more_info")
    assert events == []
    assert dispatcher.messages == [{"response": "utter_error", "language": "so", "text": None, "buttons": [],
                                    "elements": [], "custom": {}, "template": None, "image": None,
                                    "attachment": None}] or uttered(dispatcher) == ["utter_error"]  # fmt: skip
