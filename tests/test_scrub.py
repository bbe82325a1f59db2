"""Scrubbing identifiers out of text kept for maintainers (and out of the conversation)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.scrub import luhn_ok, scrub

CORPUS = yaml.safe_load((Path(__file__).parent / "identifiers.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CORPUS, ids=[c["text"][:30] for c in CORPUS])
def test_no_identifier_survives(case) -> None:  # type: ignore[no-untyped-def]
    cleaned = scrub(case["text"])
    for secret in case["secret"]:
        assert secret not in cleaned, f"{secret!r} survived in {cleaned!r}"
    assert not any(ch.isdigit() and ch not in "0123456789" for ch in cleaned), "digits are normalised"


def test_luhn() -> None:
    assert luhn_ok("9001011239")
    assert not luhn_ok("9001011238")


def test_ordinary_questions_are_left_alone() -> None:
    for text in ("i am 16 and live in malmö", "jag fick avslag i juni, 3 veckor sen", "کی میتوانم اعتراض کنم؟",
                 "can i call 112 or 1177 from a phone without sim"):  # fmt: skip
        assert scrub(text) == text


def test_a_date_shaped_number_that_fails_luhn_is_still_removed() -> None:
    assert "900101" not in scrub("my number 900101-1238")
