"""Text normalisation that remembers where each character came from.

Users write "Goteborg", "GÖTEBORG" and "göteborg"; Arabic keyboards type ي and ك where
Persian ones type ی and ک. Matching runs on the normalised text, and the offset map
turns a match back into a span of the original message.
"""

from __future__ import annotations

import unicodedata
from typing import List, Tuple

# Letters written differently by different keyboards or habits, folded together.
_FOLD = {
    "ي": "ی",
    "ى": "ی",
    "ئ": "ی",
    "ۍ": "ی",
    "ې": "ی",
    "ك": "ک",
    "ګ": "گ",
    "ة": "ه",
    "ۀ": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ؤ": "و",
    "\u200c": " ",  # zero-width non-joiner
    "\u200d": "",
    "\u0640": "",  # tatweel
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
    "ş": "s",
    "ţ": "t",
    "ș": "s",
    "ț": "t",
    "’": "'",
    "`": "'",
}
# Arabic-script letters (after folding, every letter Kompis' languages use falls here).
ARABIC_LETTERS = "\u0600-\u06ff"
# One-letter words Arabic script writes joined to the next word: the conjunctions و "and"
# and ف "so" ("وما عم يتنفس"), and the prepositions ب "in, with" and ل "to, for" ("بمالمو").
JOINED_CONJUNCTIONS = ("و", "ف")
JOINED_PREPOSITIONS = ("ب", "ل")


def is_arabic_script(text: str) -> bool:
    """Whether the text holds any Arabic-script letter."""
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def normalise_char(ch: str) -> str:
    """One character folded: lowercase, no diacritics, unified letter variants."""
    if ch in _FOLD:
        return _FOLD[ch]
    ch = ch.translate(_DIGITS)
    decomposed = unicodedata.normalize("NFD", ch.lower())
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_FOLD.get(c, c) for c in out)


def normalise_with_map(text: str) -> Tuple[str, List[int]]:
    """The folded text, and for each of its characters the index in `text`."""
    chars: List[str] = []
    index: List[int] = []
    for i, ch in enumerate(text):
        for out in normalise_char(ch):
            chars.append(out)
            index.append(i)
    return "".join(chars), index


def normalise(text: str) -> str:
    """The folded text only."""
    return normalise_with_map(text)[0]
