"""bot/rasa_patches.py: Rasa's action-response check, with a validator built once."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    rasa_patches.apply()
    return RemoteAction("action_answer_topic", None)


def test_a_valid_action_server_response_passes(action: RemoteAction) -> None:
    response = {"events": [{"event": "slot", "name": "topic", "value": "appeal"}],
                "responses": [{"response": "utter_topic", "topic": "appeal"}]}  # fmt: skip
    assert action._validate_action_result(response) is True


def test_an_invalid_response_fails_as_rasa_would_fail_it(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [{"no_event_key": 1}]})
