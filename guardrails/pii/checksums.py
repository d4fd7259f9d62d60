"""Checksums of French and international identifiers (pure functions).

The tax number's comes from python-stdnum (``stdnum.fr.nif``, imported on first use); the
others predate it and are kept with their own test vectors.
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def compact(value: str) -> str:
    """Upper-case ``value`` without its separators (spaces, dots, dashes...)."""
    return _NON_ALNUM.sub("", value).upper()


def luhn_valid(digits: str) -> bool:
    """Luhn check (SIREN, SIRET, card numbers). ``digits`` holds only digits."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siren_valid(value: str) -> bool:
    """A SIREN is 9 digits passing the Luhn check."""
    digits = compact(value)
    return len(digits) == 9 and luhn_valid(digits)


def siret_valid(value: str) -> bool:
    """A SIRET is 14 digits passing the Luhn check (La Poste's ones use a digit sum mod 5)."""
    digits = compact(value)
    if len(digits) != 14 or not digits.isdigit():
        return False
    if digits.startswith("356000000") and digits != "35600000000048":
        return sum(int(c) for c in digits) % 5 == 0
    return luhn_valid(digits)


def nir_key(first13: str) -> int | None:
    """Control key of a NIR (French social security number) from its 13 first characters.

    Corsica's departments 2A and 2B count as 19 and 18. Returns None when malformed.
    """
    body = first13.upper()
    if len(body) != 13:
        return None
    corsica = {"2A": "19", "2B": "18"}
    body = body[:5] + corsica.get(body[5:7], body[5:7]) + body[7:]
    if not body.isdigit():
        return None
    return 97 - int(body) % 97


def nir_valid(value: str) -> bool:
    """True for a 15-character NIR whose key matches."""
    chars = compact(value)
    if len(chars) != 15 or not chars[13:].isdigit():
        return False
    return nir_key(chars[:13]) == int(chars[13:])


def nif_valid(value: str) -> bool:
    """A personal tax number (numéro fiscal, SPI): 13 digits, the first 0-3, the last three
    the first ten mod 511."""
    from stdnum.fr import nif

    return nif.is_valid(compact(value))


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
    "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(value: str) -> bool:
    """ISO 13616 check: known length for known countries (15-34 otherwise), mod 97 == 1."""
    chars = compact(value)
    if not 15 <= len(chars) <= 34 or not chars[:2].isalpha() or not chars[2:4].isdigit():
        return False
    expected = IBAN_LENGTHS.get(chars[:2])
    if expected is not None and len(chars) != expected:
        return False
    rearranged = chars[4:] + chars[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in rearranged))
    except ValueError:
        return False
    return number % 97 == 1
