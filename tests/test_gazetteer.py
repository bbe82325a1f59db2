"""The town gazetteer: spellings, scripts and Arabic-script words joined to a town."""

import pytest

from bot.nlu.gazetteer import default_gazetteer


@pytest.mark.parametrize(
    ("text", "town", "span"),
    [
        ("jag bor i uppsala", "Uppsala", "uppsala"),
        ("I live in Goteborg", "Göteborg", "Goteborg"),
        ("ana f malmo", "Malmö", "malmo"),
        # "in Malmö" and "to Göteborg" with ب and ل written joined to the town
        ("ساکن بمالمو هستم", "Malmö", "بمالمو"),
        ("رفتم لگوتنبرگ", "Göteborg", "لگوتنبرگ"),
        # "and Stockholm" with و joined
        ("مالمو واستکهلم", "Stockholm", "واستکهلم"),
    ],
)
def test_towns_are_found_in_the_spellings_users_write(text: str, town: str, span: str) -> None:
    found = {(m.value, m.text) for m in default_gazetteer().find(text)}
    assert (town, span) in found


@pytest.mark.parametrize(
    "text",
    [
        "من خیلی خسته هستم",  # fa: I am very tired
        "بلندی",  # fa: height (ب + a word, but no town)
        "bor du här?",  # sv: do you live here? ("bor", not Borås)
        "je suis à la rue",
        "care sunt drepturile mele",
    ],
)
def test_ordinary_words_are_not_read_as_towns(text: str) -> None:
    assert default_gazetteer().find(text) == []
