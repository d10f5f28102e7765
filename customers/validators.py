"""Validators for buyer data: China's unified social credit code and phone numbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: 18 characters from this alphabet, the last a checksum of the first 17.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check_character(first_17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first_17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> None:
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters; this one has %(count)d."),
                              params={"count": len(code)}, code="uscc_length")
    bad = sorted({char for char in code if char not in USCC_ALPHABET})
    if bad:
        raise ValidationError(_("A unified social credit code cannot contain %(chars)s."),
                              params={"chars": " ".join(bad)}, code="uscc_chars")
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(_("This unified social credit code is mistyped: its check character does not match."),
                              code="uscc_checksum")


def validate_registration_number(number: str, country: str) -> None:
    """Chinese companies carry a checked credit code; other countries' numbers are taken as given."""
    if number and country == "CN":
        validate_uscc(number)


def normalise_phone(value: str, country: str = "CN") -> str:
    """The number in international form (+86 138 0013 8000), or a ValidationError."""
    try:
        number = phonenumbers.parse(value, country or "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a phone number, e.g. +86 138 0013 8000."), code="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid phone number for %(country)s."),
                              params={"country": country or "CN"}, code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone(value: str) -> None:
    normalise_phone(value)
