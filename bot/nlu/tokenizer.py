"""Kompis' tokenizer for Rasa: whitespace tokens with folded features.

Kept apart from the other components because it shapes training: bot/training.py
fingerprints this file (and normalize.py), so changing it retrains the model.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """Whitespace tokens whose featurised form is folded (see bot/nlu/normalize.py).

    "överklaga" and "overklaga", "گوتنبرگ" typed with Arabic or Persian letters, a word
    with or without harakat: each pair becomes one feature. Entity offsets still refer to
    the original text.
    """

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        from bot.nlu.normalize import normalise

        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = normalise(token.text) or token.text
        return tokens
