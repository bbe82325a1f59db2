"""Removing identifiers from text kept for maintainers.

Replaces, in any script (Persian and Arabic-Indic digits are read as digits):
- e-mail addresses                                   -> [email]
- Swedish personal and coordination numbers (with    -> [personnummer]
  a valid date and Luhn check digit)
- phone numbers (Swedish and international)          -> [phone]
- Migration Agency case and card numbers, and any    -> [number]
  other run of 6 or more digits
- street addresses (Swedish, English, Persian/Dari,  -> [address]
  Pashto, Arabic, French, Romanian street words)
- web addresses with a path or query                 -> [link]
What is left is a question, not a person.
"""

from __future__ import annotations

import re

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

EMAIL = re.compile(r"[\w.+-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
LINK = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
# YYMMDD-NNNN or YYYYMMDDNNNN, with -, + or a space or nothing between.
PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{2})?(\d{2})(\d{2})(\d{2})\s?[-+]?\s?(\d{4})(?!\d)")
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\s?\d{1,3}(?:[\s.-]?\(?\d+\)?){2,6}"  # +46 70 123 45 67, 0046..., +93(0)...
    r"|(?<!\d)0\d{1,3}(?:[\s.-]?\d{2,4}){2,4}(?!\d)"  # 070-123 45 67, 08 123 456 78, 0771-235 235
)
LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[\s-]?\d){5,}(?!\d)")
STREET_WORDS = (
    r"gatan|gata|vägen|vagen|väg|vag|gränd|grand|torget|torg|stigen|allén|allen|backe|backen|leden|plan|"
    r"street|st\.|road|rd\.|avenue|ave\.|lane|"
    r"rue|avenue|boulevard|strada|str\.|bulevardul|calea|"
    r"خیابان|خيابان|کوچه|كوچه|سرک|جاده|شارع|زقاق|طریق|طريق|کوڅه|کوڅې|ሓዲር|ጎደና"
)
ADDRESS = re.compile(
    # Storgatan 12 B / Drottninggatan 5, Rinkebysvängen 70 / 12 Baker Street / rue de la Paix 3
    rf"\b[\wÅÄÖåäöÉé-]*(?:{STREET_WORDS})\s*\d+\s?[A-Za-z]?\b"
    rf"|\b\d+\s+[\wÅÄÖåäö-]+\s+(?:{STREET_WORDS})"
    rf"|(?:{STREET_WORDS})(?:\s+[\w\u0600-\u06ff'-]+){{1,4}}\s*(?:\d+|نمبر\s*\d+|رقم\s*\d+)",
    re.IGNORECASE,
)
POSTCODE = re.compile(r"(?<!\d)\d{3}\s\d{2}(?!\d)")  # 123 45 Stockholm


def luhn_ok(ten_digits: str) -> bool:
    """The Luhn check used by Swedish personal numbers (on the 10-digit form)."""
    total = 0
    for i, ch in enumerate(ten_digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _personnummer(match: re.Match) -> str:
    yy, mm, dd, last4 = match.group(1), match.group(2), match.group(3), match.group(4)
    month, day = int(mm), int(dd)
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    if 1 <= month <= 12 and 1 <= day <= 31 and luhn_ok(yy + mm + dd + last4):
        return "[personnummer]"
    return match.group(0)


def scrub(text: str) -> str:
    """The text with identifiers replaced by placeholders."""
    text = text.translate(_DIGITS)
    text = EMAIL.sub("[email]", text)
    text = LINK.sub("[link]", text)
    text = PERSONNUMMER.sub(_personnummer, text)
    text = ADDRESS.sub("[address]", text)
    text = PHONE.sub("[phone]", text)
    text = POSTCODE.sub("[postcode]", text)
    text = LONG_NUMBER.sub("[number]", text)
    return re.sub(r"\s{2,}", " ", text).strip()
