"""Language detection and the rules for the conversation's language."""

import pytest

from bot.language import CONFIDENT, EXPLICIT, codes, detect_language, update_language


def test_exactly_the_nine_languages() -> None:
    assert codes() == ("sv", "en", "fa", "ps", "ar", "so", "ti", "fr", "ro")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hej, jag fick ett beslut från Migrationsverket och förstår inte vad det betyder", "sv"),
        ("Hello, I received a letter from the migration office and I do not understand it", "en"),
        ("سلام، من از اداره مهاجرت نامه گرفتم و نمی‌فهمم چه معنی دارد", "fa"),
        ("سلام، ما ته د مهاجرت له ادارې یو لیک راغلی او زه یې نه پوهېږم", "ps"),
        ("مرحبا، وصلتني رسالة من دائرة الهجرة وما فهمت شو يعني", "ar"),
        ("Salaan, waxaan warqad ka helay xafiiska socdaalka mana fahmin", "so"),
        ("ሰላም፣ ካብ ቤት ጽሕፈት ስደተኛታት ደብዳቤ መጺኡኒ ግን ኣይተረድኣንን", "ti"),
        ("Bonjour, j'ai reçu une lettre de l'office des migrations et je ne comprends pas", "fr"),
        ("Buna, am primit o scrisoare de la biroul de migrare si nu inteleg ce inseamna", "ro"),
    ],
)
def test_sentences_are_detected_confidently(text: str, code: str) -> None:
    detected, confidence = detect_language(text)
    assert detected == code
    assert confidence >= CONFIDENT


def test_script_signals_decide_without_any_model() -> None:
    assert detect_language("ትግርኛ")[0] == "ti"
    assert detect_language("ډېر")[0] == "ps"  # a Pashto-only letter


def test_single_words_are_never_confident() -> None:
    for word in ("hej", "salam", "ok", "merci"):
        _, confidence = detect_language(word)
        assert confidence < CONFIDENT, word


def test_no_letters_no_language() -> None:
    assert detect_language("👍 123 ?!") == (None, 0.0)
    assert detect_language("") == (None, 0.0)


def test_explicit_choice_always_wins_and_stays() -> None:
    code, conf = update_language("sv", 0.9, "ar", 0.95, explicit="fa")
    assert (code, conf) == ("fa", EXPLICIT)
    # A later confident detection does not undo an explicit choice.
    assert update_language("fa", EXPLICIT, "en", 0.99) == ("fa", EXPLICIT)


def test_weak_detection_never_overwrites_confident_language() -> None:
    assert update_language("ar", 0.92, "fr", 0.4) == ("ar", 0.92)


def test_confident_detection_replaces_detected_language() -> None:
    assert update_language("sv", 0.8, "ar", 0.95) == ("ar", 0.95)


def test_any_guess_beats_no_language_and_stronger_weak_guess_wins() -> None:
    assert update_language(None, None, "so", 0.3) == ("so", 0.3)
    assert update_language("sv", 0.2, "en", 0.5) == ("en", 0.5)


def test_unknown_codes_are_ignored() -> None:
    assert update_language("sv", 0.5, "de", 0.99) == ("sv", 0.5)
    assert update_language("sv", 0.5, None, 0.0, explicit="xx") == ("sv", 0.5)
