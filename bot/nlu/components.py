"""Rasa 3.6 NLU components for Kompis that are not trained, used in config.yml.
(The tokenizer, which shapes training, is in bot/nlu/tokenizer.py.)

- `LanguageDetector` adds `language_detection: {code, confidence}` to every parsed
  message; the action behind the `language` slot decides whether to use it.
- `GazetteerEntityExtractor` extracts `city` and `language` in any spelling or script.
- `CrisisSafetyNet` runs last and turns a message that matches a crisis pattern into
  the crisis intent, whatever the classifier thought.
None of them is trained, so changing their data files needs no retraining.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

LANGUAGE_DETECTION = "language_detection"
SAFETY_NET = "safety_net"


def _is_payload(message: Message) -> bool:
    return str(message.get(TEXT) or "").startswith("/")


class _Stateless(GraphComponent):
    """A component with nothing to train or persist."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(_Stateless):
    """Detects which of the nine languages a message is written in."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        from bot.language import default_detector

        self.detector = default_detector()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if _is_payload(message):
                continue
            try:
                code, confidence = self.detector.detect(str(message.get(TEXT) or ""))
            except Exception:  # detection must never stop a message from being understood
                logger.exception("language detection failed")
                code, confidence = None, 0.0
            message.set(
                LANGUAGE_DETECTION,
                {"code": code, "confidence": confidence},
                add_to_output=True,
            )
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class GazetteerEntityExtractor(_Stateless, EntityExtractorMixin):
    """Extracts `city` and `language` entities from the gazetteers in content/."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        from bot.nlu.gazetteer import default_gazetteer

        self.gazetteer = default_gazetteer()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if _is_payload(message):
                continue
            found = [
                {
                    "entity": m.entity,
                    "value": m.value,
                    "start": m.start,
                    "end": m.end,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                for m in self.gazetteer.find(str(message.get(TEXT) or ""))
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisSafetyNet(_Stateless):
    """Overrides the intent when a message matches a crisis pattern (see safety.py)."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        from bot.nlu.safety import default_safety_net

        self.net = default_safety_net()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if _is_payload(message):
                continue
            match = self.net.check(str(message.get(TEXT) or ""))
            if match is None:
                continue
            current = (message.get(INTENT) or {}).get("name")
            message.set(
                SAFETY_NET,
                {"intent": match.intent, "language": match.language, "classifier": current},
                add_to_output=True,
            )
            if current and current.startswith("crisis_"):
                continue  # the classifier already saw the crisis; keep its choice
            message.set(INTENT, {"name": match.intent, "confidence": 1.0}, add_to_output=True)
            # The classifier's own ranking stays below, so evaluation can still see it.
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(
                INTENT_RANKING_KEY, [{"name": match.intent, "confidence": 1.0}, *ranking], add_to_output=True
            )
        return messages
