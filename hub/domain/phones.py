"""Phone numbers in one form, E.164, however a till typed them.

Parsing and validity are libphonenumber's (the pure-Python ``phonenumbers`` package): for a
partner whose default region is RU, "+7 (916) 123-45-67", "8 916 123-45-67" and "79161234567"
are all +79161234567, so they hash to one identifier. Without a region only the international
form ('+' and the country code) is understood: "8 916 123-45-67" is another number, or none,
in every other country, and guessing would split or merge members.
"""

from __future__ import annotations

import re

import phonenumbers

from hub.domain.errors import InvalidField

# Digits (already ASCII), an optional leading '+' and the separators tills print (spaces,
# dots, brackets, hyphens and the Unicode dashes NFKC keeps). Letters ("1-800-FLOWERS",
# "ext. 12") and URIs are refused: libphonenumber would read them as digits or an extension,
# and neither names a member.
_PHONE_TEXT = re.compile(r"\+?[0-9\s\-().\u2010-\u2015\u2212]{1,40}")
_E164 = phonenumbers.PhoneNumberFormat.E164


def e164(text: str, region: str | None) -> str | None:
    """``text`` (its digits already ASCII) as E.164, or ``None`` if it is no valid number."""
    text = text.strip()
    if not _PHONE_TEXT.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, _E164)


def check_phone_region(text: str | None, *, field: str = "phone_region") -> str | None:
    """A default phone region libphonenumber knows (ISO 3166 alpha-2, e.g. RU), upper-cased;
    empty or ``None`` is no region: numbers must then be in international form."""
    if not text:
        return None
    region = text.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidField(
            f"{field} must be an ISO 3166 country code with phone numbering, e.g. RU or DE; "
            f"got {text[:8]!r}",
            field=field,
        )
    return region
