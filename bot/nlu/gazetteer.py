"""Recognising towns and language names in any spelling or script.

Built on spaCy's PhraseMatcher over a blank multilingual tokenizer (no model download):
the message is folded (see normalize.py), matched against every alias, and matches are
mapped back to spans of the original message.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from bot.nlu.normalize import (
    JOINED_CONJUNCTIONS,
    JOINED_PREPOSITIONS,
    is_arabic_script,
    normalise,
    normalise_with_map,
)

ROOT = Path(__file__).resolve().parent.parent.parent
PLACES_FILE = ROOT / "content" / "places" / "municipalities.yml"
LANGUAGE_NAMES_FILE = ROOT / "content" / "language_names.yml"

# Arabic-script one-letter words written joined to a town ("بمالمو" = in Malmö).
_ATTACHED_PREFIXES = JOINED_PREPOSITIONS + JOINED_CONJUNCTIONS


@dataclass(frozen=True)
class Match:
    """One recognised entity in a message."""

    entity: str
    value: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Municipality:
    id: str
    name: str
    county: str
    lat: float
    lon: float


class Gazetteer:
    """Finds `city` and `language` entities in text."""

    def __init__(self, phrases: Dict[str, Dict[str, str]]):
        import spacy
        from spacy.matcher import PhraseMatcher

        self._nlp = spacy.blank("xx")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="ORTH")
        self._values: Dict[str, Tuple[str, str]] = {}
        for entity, table in phrases.items():
            for phrase, value in table.items():
                key = f"{entity}:{value}"
                self._values[key] = (entity, value)
                self._matcher.add(key, [self._nlp.make_doc(phrase)])

    @classmethod
    def from_files(
        cls, places: Path = PLACES_FILE, language_names: Path = LANGUAGE_NAMES_FILE
    ) -> "Gazetteer":
        city: Dict[str, str] = {}
        for m in load_places(places):
            names = [m["name"], *(m.get("aliases") or []), *(m.get("towns") or [])]
            for n in names:
                for variant in _variants(str(n)):
                    city.setdefault(variant, m["name"])
        lang: Dict[str, str] = {}
        if language_names.exists():
            table = yaml.safe_load(language_names.read_text(encoding="utf-8")) or {}
            for code, names in table.items():
                for n in names:
                    for variant in _variants(str(n)):
                        lang.setdefault(variant, code)
        return cls({"city": city, "language": lang})

    def find(self, text: str) -> List[Match]:
        """Entities in `text`, longest match first where matches overlap."""
        folded, index = normalise_with_map(text)
        doc = self._nlp.make_doc(folded)
        spans = []
        for key_id, start, end in self._matcher(doc):
            span = doc[start:end]
            spans.append((span.start_char, span.end_char, self._nlp.vocab.strings[key_id]))
        # Prefer longer matches ("västra frölunda" over "frölunda").
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken: List[Tuple[int, int]] = []
        out: List[Match] = []
        for s, e, key in spans:
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            entity, value = self._values[key]
            o_start, o_end = index[s], index[e - 1] + 1
            out.append(Match(entity, value, o_start, o_end, text[o_start:o_end]))
        out.sort(key=lambda m: m.start)
        return out


def _variants(name: str) -> Iterable[str]:
    folded = normalise(name).strip()
    if not folded:
        return []
    variants = {folded, folded.replace("-", " "), folded.replace(" ", "")}
    if is_arabic_script(folded):
        variants |= {p + folded for p in _ATTACHED_PREFIXES}
    return {v for v in variants if len(v) >= 2}


@functools.lru_cache(maxsize=4)
def _places_cached(path: str) -> Tuple[dict, ...]:
    p = Path(path)
    if not p.exists():
        return ()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return tuple(data.get("municipalities") or [])


def load_places(path: Path = PLACES_FILE) -> List[dict]:
    """The municipalities file as a list of dicts."""
    return list(_places_cached(str(path)))


def municipalities(path: Path = PLACES_FILE) -> List[Municipality]:
    return [
        Municipality(m["id"], m["name"], m.get("county", ""), float(m["lat"]), float(m["lon"]))
        for m in load_places(path)
    ]


def nearest_municipality(lat: float, lon: float) -> Optional[Municipality]:
    """The municipality whose main town is nearest to a point (for shared locations)."""
    best: Optional[Municipality] = None
    best_d = math.inf
    for m in municipalities():
        d = _haversine_km(lat, lon, m.lat, m.lon)
        if d < best_d:
            best, best_d = m, d
    return best


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer.from_files()
