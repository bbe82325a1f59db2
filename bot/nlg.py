"""Rasa natural-language generator that speaks the user's language.

Configured in endpoints.yml (`nlg: type: bot.nlg.CatalogueNLG`). Rasa calls
`generate()` for every `utter_*` response; we render it from the content catalogue
in the language held by the `language` slot (or a `language` given by the action
that utters it, which wins because slot events from the same action are applied
only after its messages are generated).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches
from bot.content import Catalogue, catalogue

logger = logging.getLogger(__name__)

# Keys an action may pass that only steer rendering; everything else is a variable.
_SLOT_VARIABLES = ("city", "age_group")


class CatalogueNLG(NaturalLanguageGenerator):
    """Renders responses from content/ in the conversation's language."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
        content: Optional[Catalogue] = None,
    ) -> None:
        rasa_patches.apply()
        self.catalogue = content or catalogue()

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        """Render `utter_action` for this tracker, or None if there is no such response."""
        code = kwargs.pop("language", None) or tracker.get_slot("language")
        variables: Dict[str, Any] = {
            name: tracker.get_slot(name)
            for name in _SLOT_VARIABLES
            if name in tracker.slots and tracker.get_slot(name) is not None
        }
        variables.update(kwargs)
        message = self.catalogue.render(utter_action, code, **variables)
        if message is None:
            logger.debug("No response named %s in the catalogue", utter_action)
            return None
        # Unknown keys travel as the BotUttered's metadata to the output channel,
        # which uses the language for text direction.
        message["language"] = self.catalogue.language(code)
        return message
