"""Which of Kompis' nine languages a message is written in.

Usage:
    >>> from bot.language import detect_language
    >>> detect_language("رفضوا طلبي شو اعمل")
    ('ar', 0.9...)

Several signals are combined, because no single detector covers our users:
- the script: Ethiopic letters mean Tigrinya; Pashto-only letters (ټ ډ ړ ږ ښ ګ ڼ ې ۍ ځ څ)
  mean Pashto; Persian letters (پ چ ژ گ) rule out Arabic;
- langdetect, restricted to the seven of our languages it has profiles for;
- pycld2, which also knows Pashto and Tigrinya;
- a character n-gram model trained on Kompis' own NLU examples, which knows how our
  users write: Dari in Latin letters ("man javab manfi gereftam"), Arabizi ("3afak"),
  Swedish words mixed in.
Confidence is scaled down for one- and two-word messages, which carry little signal;
`bot/bench.py` measures accuracy per language and message length.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES_FILE = ROOT / "spec" / "languages.yml"
NLU_DIR = ROOT / "data" / "nlu"


@functools.lru_cache(maxsize=1)
def languages() -> List[Dict[str, str]]:
    """The languages Kompis speaks, in the order of spec/languages.yml."""
    with LANGUAGES_FILE.open(encoding="utf-8") as f:
        return list(yaml.safe_load(f))


def codes() -> Tuple[str, ...]:
    """The nine language codes."""
    return tuple(lang["code"] for lang in languages())


def direction(code: str) -> str:
    """'rtl' or 'ltr' for a language code."""
    for lang in languages():
        if lang["code"] == code:
            return lang["direction"]
    return "ltr"


ETHIOPIC = re.compile(r"[\u1200-\u137F\u1380-\u139F\u2D80-\u2DDF]")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
PASHTO_ONLY = set("ټډړږښګڼېۍځڅ")
PERSIAN_NOT_ARABIC = set("پچژگ")
ROMANIAN_LETTERS = set("ăâîșțşţ")
SWEDISH_LETTERS = set("åäö")
FRENCH_LETTERS = set("éèêçàùûëïœ")

LANGDETECT_CODES = ("sv", "en", "fa", "ar", "so", "fr", "ro")


def _letters(text: str) -> Counter:
    counts: Counter = Counter()
    for ch in text:
        if ETHIOPIC.match(ch):
            counts["ethiopic"] += 1
        elif ARABIC_SCRIPT.match(ch):
            counts["arabic"] += 1
        elif LATIN.match(ch):
            counts["latin"] += 1
    return counts


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


class _LangdetectRestricted:
    """langdetect with only the profiles of our languages loaded."""

    def __init__(self) -> None:
        import os

        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        factory = DetectorFactory()
        profiles = []
        for code in LANGDETECT_CODES:
            with open(os.path.join(PROFILES_DIRECTORY, code), encoding="utf-8") as f:
                profiles.append(f.read())
        factory.load_json_profile(profiles)
        factory.set_seed(0)
        self._factory = factory
        self._lock = threading.Lock()

    def probabilities(self, text: str) -> Dict[str, float]:
        from langdetect.lang_detect_exception import LangDetectException

        with self._lock:  # langdetect's detector is not thread-safe
            try:
                detector = self._factory.create()
                detector.append(text)
                return {p.lang: p.prob for p in detector.get_probabilities()}
            except LangDetectException:
                return {}


def _cld2(text: str) -> Dict[str, float]:
    import pycld2

    try:
        _, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        return {}
    result: Dict[str, float] = {}
    for _name, code, percent, _score in details:
        if code in codes() and percent > 0:
            result[code] = percent / 100.0
    return result


class NgramModel:
    """Multinomial naive Bayes on character 1-4-grams, one class per language."""

    def __init__(self, counts: Dict[str, Counter], totals: Dict[str, int], vocab: int):
        self.counts = counts
        self.totals = totals
        self.vocab = vocab

    @staticmethod
    def grams(text: str) -> List[str]:
        text = f" {_normalise(text)} "
        out: List[str] = []
        for n in (1, 2, 3, 4):
            out.extend(text[i : i + n] for i in range(len(text) - n + 1))
        return [g for g in out if g.strip()]

    @staticmethod
    def label(lang: str, text: str) -> str:
        """Dari, Pashto and Arabic written in Latin letters get classes of their own.

        Their Latin n-grams would otherwise be a small minority inside a class of mostly
        Arabic-script text, and lose to Somali or Romanian.
        """
        if lang in ("fa", "ps", "ar"):
            letters = _letters(text)
            if letters["latin"] > letters["arabic"]:
                return f"{lang}-latn"
        return lang

    @classmethod
    def train(cls, samples: Iterable[Tuple[str, str]]) -> "NgramModel":
        counts: Dict[str, Counter] = {}
        for lang, text in samples:
            counts.setdefault(cls.label(lang, text), Counter()).update(cls.grams(text))
        vocab = len(set().union(*[set(c) for c in counts.values()])) if counts else 1
        totals = {lang: sum(c.values()) for lang, c in counts.items()}
        return cls(counts, totals, vocab)

    def probabilities(self, text: str) -> Dict[str, float]:
        grams = self.grams(text)
        if not grams or not self.counts:
            return {}
        logp = {}
        for lang, c in self.counts.items():
            denom = self.totals[lang] + self.vocab
            logp[lang] = sum(math.log((c.get(g, 0) + 1) / denom) for g in grams)
        top = max(logp.values())
        # Temper the product of many correlated n-grams so probabilities stay usable.
        scale = 1.0 / max(1.0, len(grams) / 8.0)
        exp = {lang: math.exp((v - top) * scale) for lang, v in logp.items()}
        total = sum(exp.values())
        merged: Dict[str, float] = {}
        for label, v in exp.items():
            lang = label.split("-")[0]
            merged[lang] = merged.get(lang, 0.0) + v / total
        return merged


def load_training_samples(nlu_dir: Path = NLU_DIR) -> List[Tuple[str, str]]:
    """(language, text) pairs from data/nlu/<lang>/*.yml."""
    samples: List[Tuple[str, str]] = []
    for code in codes():
        for path in sorted((nlu_dir / code).glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu", []) or []:
                for line in str(block.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        samples.append((code, line[2:].strip()))
    return samples


class LanguageDetector:
    """Combines script rules, langdetect, pycld2 and an n-gram model."""

    # How much each detector's opinion counts: tuned on the held-out NLU sets (the n-gram
    # model never trains on them), then checked on bench/langid_corpus.yml by `make bench`.
    WEIGHTS = {"langdetect": 0.5, "cld2": 0.5, "ngram": 5.0}

    def __init__(self, ngram: Optional[NgramModel] = None, use: Iterable[str] = ()):
        self.ngram = ngram
        self.use = set(use) or {"script", "langdetect", "cld2", "ngram"}
        self._langdetect: Optional[_LangdetectRestricted] = None

    @classmethod
    def from_training_data(cls, nlu_dir: Path = NLU_DIR, **kwargs) -> "LanguageDetector":
        samples = load_training_samples(nlu_dir)
        return cls(NgramModel.train(samples) if samples else None, **kwargs)

    def _ld(self) -> _LangdetectRestricted:
        if self._langdetect is None:
            self._langdetect = _LangdetectRestricted()
        return self._langdetect

    def scores(self, text: str) -> Dict[str, float]:
        """A probability for each language code (may be empty: no signal)."""
        text = _normalise(text)
        letters = _letters(text)
        total_letters = sum(letters.values())
        if total_letters == 0:
            return {}
        candidates = set(codes())
        if "script" in self.use:
            if letters["ethiopic"] / total_letters > 0.3:
                return {"ti": 1.0}
            if letters["arabic"] / total_letters > 0.3:
                candidates = {"fa", "ps", "ar"}
                chars = set(text)
                if chars & PASHTO_ONLY:
                    return {"ps": 1.0}
                if chars & PERSIAN_NOT_ARABIC:
                    candidates.discard("ar")
            elif letters["latin"] / total_letters > 0.5:
                candidates = {"sv", "en", "so", "fr", "ro", "fa", "ar", "ps"}
        combined: Dict[str, float] = {c: 0.0 for c in candidates}
        weight_sum = 0.0
        opinions = []
        if "langdetect" in self.use:
            opinions.append(("langdetect", self._ld().probabilities(text)))
        if "cld2" in self.use:
            opinions.append(("cld2", _cld2(text)))
        if "ngram" in self.use and self.ngram is not None:
            opinions.append(("ngram", self.ngram.probabilities(text)))
        for name, probs in opinions:
            probs = {k: v for k, v in probs.items() if k in candidates}
            if not probs:
                continue
            norm = sum(probs.values())
            w = self.WEIGHTS[name]
            weight_sum += w
            for k, v in probs.items():
                combined[k] += w * v / norm
        if weight_sum == 0:
            return {}
        if "script" in self.use:
            chars = set(text)
            for letters_set, lang in (
                (SWEDISH_LETTERS, "sv"),
                (ROMANIAN_LETTERS, "ro"),
                (FRENCH_LETTERS, "fr"),
            ):
                if chars & letters_set and lang in combined:
                    combined[lang] += 0.5 * weight_sum
                    weight_sum *= 1.5
        return {k: v / weight_sum for k, v in combined.items() if v > 0}

    def detect(self, text: str) -> Tuple[Optional[str], float]:
        """The most likely language and a confidence in [0, 1]."""
        scores = self.scores(text or "")
        if not scores:
            return None, 0.0
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        best, p = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        margin = p - runner_up
        words = len(re.findall(r"\w+", text))
        decisive_script = p == 1.0 and len(ranked) == 1
        if decisive_script:
            length_factor = 0.85 if words < 2 else 1.0
        else:
            length_factor = {0: 0.0, 1: 0.45, 2: 0.65, 3: 0.8}.get(words, 1.0)
        confidence = length_factor * (0.5 * p + 0.5 * margin) if not decisive_script else length_factor * 0.99
        return best, round(min(confidence, 0.99), 3)


@functools.lru_cache(maxsize=1)
def default_detector() -> LanguageDetector:
    """The detector trained on data/nlu, built once per process."""
    return LanguageDetector.from_training_data()


def detect_language(text: str) -> Tuple[Optional[str], float]:
    """(language code or None, confidence) over exactly Kompis' nine languages."""
    return default_detector().detect(text)


# A detection at least this confident may replace an earlier detected language.
CONFIDENT = 0.75
# Confidence recorded for an explicit choice (button, /language, "I want Dari").
EXPLICIT = 1.0


def update_language(
    current: Optional[str],
    current_confidence: Optional[float],
    detected: Optional[str],
    detected_confidence: float,
    explicit: Optional[str] = None,
) -> Tuple[Optional[str], float]:
    """The conversation's language after one more message.

    An explicit choice always wins and is kept until the user chooses again; any guess
    beats knowing nothing; a weak detection never replaces a confident earlier one.
    """
    current_confidence = float(current_confidence or 0.0)
    if explicit in codes():
        return explicit, EXPLICIT
    if detected not in codes():
        return current, current_confidence
    if current not in codes():
        return detected, detected_confidence
    if detected == current:
        return current, max(current_confidence, detected_confidence)
    if current_confidence >= EXPLICIT:
        return current, current_confidence
    if detected_confidence >= CONFIDENT and detected_confidence >= current_confidence - 0.1:
        return detected, detected_confidence
    if current_confidence < CONFIDENT and detected_confidence > current_confidence:
        return detected, detected_confidence
    return current, current_confidence
