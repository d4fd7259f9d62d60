"""Checksums of French and international identifiers (pure functions) from python-stdnum.

The recognizers call these on candidate text: each one compacts the value first (every
separator people type, not only stdnum's spaces and dots), then asks stdnum. stdnum is imported
on first use, so importing the recognizers stays cheap.
"""

from __future__ import annotations

import functools
import re

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def compact(value: str) -> str:
    """Upper-case ``value`` without its separators (spaces, dots, dashes...)."""
    return _NON_ALNUM.sub("", value).upper()


def luhn_valid(digits: str) -> bool:
    """Luhn check (SIREN, SIRET, card numbers). ``digits`` holds only digits."""
    from stdnum import luhn

    return digits.isdigit() and luhn.is_valid(digits)


def siren_valid(value: str) -> bool:
    """A SIREN is 9 digits passing the Luhn check."""
    from stdnum.fr import siren

    return siren.is_valid(compact(value))


def siret_valid(value: str) -> bool:
    """A SIRET is 14 digits passing the Luhn check (La Poste's ones use a digit sum mod 5)
    and beginning with a valid SIREN."""
    from stdnum.fr import siret

    return siret.is_valid(compact(value))


_NIR_BODY = re.compile(r"\d{5}(?:\d\d|2A|2B)\d{6}")


def nir_key(first13: str) -> int | None:
    """Control key of a NIR (French social security number) from its 13 first characters.

    Corsica's departments 2A and 2B count as 19 and 18. Returns None when malformed.
    """
    from stdnum.fr import nir

    body = first13.upper()
    if not _NIR_BODY.fullmatch(body):
        return None
    return int(nir.calc_check_digits(body))


def nir_valid(value: str) -> bool:
    """True for a 15-character NIR whose key matches (Corsica's 2A and 2B included)."""
    from stdnum.fr import nir

    return nir.is_valid(compact(value))


def nif_valid(value: str) -> bool:
    """A personal tax number (numéro fiscal, SPI): 13 digits, the first 0-3, the last three
    the first ten mod 511."""
    from stdnum.fr import nif

    return nif.is_valid(compact(value))


@functools.cache
def iban_length(country: str) -> int | None:
    """The length of an IBAN of ``country`` in SWIFT's IBAN registry (as stdnum ships it),
    None for a country the registry does not list."""
    from stdnum import numdb

    structure = numdb.get("iban").info(country.upper())[0][1].get("bban", "")
    if not structure:
        return None
    return 4 + sum(int(count) for count in re.findall(r"(\d+)!?[nac]", structure))


def iban_valid(value: str) -> bool:
    """ISO 13616 check: mod 97 == 1 and, for a country in the registry, its length and layout.

    A country the registry does not list (IBANs of several African states, for instance) still
    passes with 15 to 34 characters and the mod-97 check, which stdnum alone would refuse: an
    account number there is personal data all the same. The countries' own extra checks
    (``check_country``) are left out, as before: a typo in a bank's internal key still names
    an account.
    """
    from stdnum import iban
    from stdnum.iso7064 import mod_97_10

    chars = compact(value)
    if not 15 <= len(chars) <= 34 or not chars[:2].isalpha() or not chars[2:4].isdigit():
        return False
    if iban_length(chars[:2]) is None:
        return mod_97_10.is_valid(chars[4:] + chars[:4])
    return iban.is_valid(chars, check_country=False)
