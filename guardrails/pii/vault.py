"""Per-conversation pseudonym vaults and their server-side store."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from .findings import (
    ACTE_ETAT_CIVIL,
    ADRESSE,
    ALLOCATAIRE,
    CNI,
    DATE_NAISSANCE,
    DOSSIER_URBANISME,
    EMAIL,
    FRANCE_TRAVAIL,
    IBAN,
    INE,
    NIR,
    NUMERO_CLIENT,
    NUMERO_ELECTEUR,
    NUMERO_FISCAL,
    PARCELLE,
    PASSEPORT,
    PERMIS_CONDUIRE,
    PERSONNE,
    PLAQUE,
    SIREN,
    SIRET,
    TELEPHONE,
)
from .lexicon import fold

PLACEHOLDER = re.compile(r"\[([A-ZÀ-Ý]+(?:_[A-ZÀ-Ý]+)*)_(\d+)\]")
#: What a model may write back: "[PERSONNE_1]", "[ PERSONNE 1 ]", "[telephone_2]",
#: "[NUMERO FISCAL 1]"...
_LOOSE_PLACEHOLDER = re.compile(r"\[\s*([^\W\d_]+(?:[_ ][^\W\d_]+)*)[_ ](\d+)\s*\]")

_IDENTIFIERS = {
    NIR, IBAN, SIRET, SIREN, PASSEPORT, CNI, PLAQUE, ALLOCATAIRE, DOSSIER_URBANISME,
    NUMERO_FISCAL, FRANCE_TRAVAIL, PERMIS_CONDUIRE, ACTE_ETAT_CIVIL, INE, NUMERO_ELECTEUR,
    NUMERO_CLIENT,
}  # fmt: skip
#: "AB 123", "AB n° 0123" and "000 AB 123" are one parcel: section, then the number unpadded.
_PARCEL = re.compile(r"^(?:000)?(0?[A-Z]{1,2}?)(?:N°|NO|NUMERO)?0*(\d+)$")
_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip


def normalise(entity_type: str, value: str) -> str:
    """Key under which two spellings of one value share a placeholder.

    "06 12 34 56 78" and "+33 6 12 34 56 78" are one phone; "Marie DURAND" and "DURAND Marie"
    one person; "3 janvier 1990" and "03/01/1990" one date; "AB 0123" and "AB n° 123" one
    parcel.
    """
    if entity_type == PARCELLE:
        chars = re.sub(r"[\s.]", "", fold(value)).upper()
        match = _PARCEL.match(chars)
        return f"{match.group(1).lstrip('0')}{int(match.group(2))}" if match else chars
    if entity_type in _IDENTIFIERS:
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if entity_type == TELEPHONE:
        digits = re.sub(r"\(0\)", "", value)
        digits = re.sub(r"\D", "", digits)
        if digits.startswith("0033"):
            digits = "0" + digits[4:]
        elif value.lstrip().startswith("+33"):
            digits = "0" + digits[2:]
        return digits
    if entity_type == EMAIL:
        return re.sub(r"\s+", "", value).casefold()
    if entity_type == PERSONNE:
        return " ".join(sorted(re.split(r"[\s\-]+", fold(value))))
    if entity_type == DATE_NAISSANCE:
        return _normalise_date(value)
    if entity_type == ADRESSE:
        return " ".join(re.findall(r"\w+", fold(value)))
    return fold(value)


def _normalise_date(value: str) -> str:
    folded = fold(value).replace("1er", "1")
    parts = re.findall(r"\d+|[a-z]+", folded)
    try:
        if len(parts) == 3 and parts[1].isalpha():
            day, month, year = int(parts[0]), _MONTHS[parts[1]], int(parts[2])
        elif len(parts) == 3 and len(parts[0]) == 4:
            year, month, day = (int(p) for p in parts)
        elif len(parts) == 3:
            day, month, year = (int(p) for p in parts)
        else:
            return folded
    except (KeyError, ValueError):
        return folded
    if year < 100:  # "DDN 3/1/90": the century that keeps the date in the past
        current = time.localtime().tm_year % 100
        year += 2000 if year <= current else 1900
    return f"{year:04d}-{month:02d}-{day:02d}"


def _loose_key(placeholder: str | re.Match[str]) -> tuple[str, int]:
    match = placeholder if isinstance(placeholder, re.Match) else PLACEHOLDER.match(placeholder)
    if match is None:  # pragma: no cover - the vault only makes well-formed placeholders
        return (str(placeholder), 0)
    return fold(match.group(1)).replace(" ", "_"), int(match.group(2))


class PseudonymVault:
    """Per-conversation mapping value <-> placeholder. Same (type, normalised value) -> same
    placeholder across turns. Thread-safe.

    The vault holds the real values: keep it server-side, for the agent who owns the
    conversation; its ``repr`` never shows them.
    """

    def __init__(self, on_change: Callable[[PseudonymVault], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        #: Called (outside the lock) after a new placeholder is made, e.g. to seal and store.
        self.on_change = on_change

    def state(self) -> dict:
        """Everything the vault holds, as JSON-able data (real values: seal it before storing)."""
        with self._lock:
            return {
                "keys": [[t, n, p] for (t, n), p in self._by_key.items()],
                "values": dict(self._values),
                "counters": dict(self._counters),
            }

    @classmethod
    def from_state(
        cls, state: dict, on_change: Callable[[PseudonymVault], None] | None = None
    ) -> PseudonymVault:
        """The vault ``state()`` described."""
        vault = cls(on_change)
        vault._set_state(state)
        return vault

    def _set_state(self, state: dict) -> None:
        with self._lock:
            self._by_key = {(t, n): p for t, n, p in state.get("keys", [])}
            self._values = dict(state.get("values", {}))
            self._counters = {k: int(v) for k, v in state.get("counters", {}).items()}

    def placeholder_for(self, entity_type: str, value: str) -> str:
        """The placeholder of ``value`` (created on first sight, e.g. ``[PERSONNE_1]``)."""
        key = (entity_type, normalise(entity_type, value))
        with self._lock:
            placeholder = self._by_key.get(key)
            created = placeholder is None
            if placeholder is None:
                number = self._counters.get(entity_type, 0) + 1
                self._counters[entity_type] = number
                placeholder = f"[{entity_type}_{number}]"
                self._by_key[key] = placeholder
                self._values[placeholder] = value
        if created and self.on_change is not None:
            self.on_change(self)
        return placeholder

    def value_of(self, placeholder: str) -> str | None:
        """The original value behind ``placeholder`` (first spelling seen), or None."""
        with self._lock:
            return self._values.get(placeholder)

    def restore(self, text: str) -> str:
        """Put the original values back in place of the placeholders (for the same agent only).

        Spellings a model may use are accepted ("[PERSONNE 1]", "[TELEPHONE_1]"); unknown
        placeholders (another conversation's, or invented by the model) stay as they are.
        """
        with self._lock:
            values = {_loose_key(p): v for p, v in self._values.items()}
        if not values:
            return text
        return _LOOSE_PLACEHOLDER.sub(lambda m: values.get(_loose_key(m), m.group(0)), text)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def __repr__(self) -> str:
        with self._lock:
            counts = dict(self._counters)
        return f"PseudonymVault({counts})"


class ConversationVaults(Protocol):
    """Where each conversation's vault lives: ``VaultStore`` (this process's memory) or
    ``guardrails.pii.sealed.SealedVaultStore`` (sealed in the database all replicas share)."""

    def get(self, conversation_id: str) -> PseudonymVault:
        """The conversation's vault, created empty on first use."""
        ...


class VaultStore:
    """Server-side store of vaults keyed by conversation id, with a time to live (seconds) and a
    max size; thread-safe; expired vaults are dropped.

    Each ``get`` refreshes the conversation's time to live; past ``max_conversations`` the least
    recently used vault is dropped.
    """

    def __init__(
        self,
        ttl_seconds: float = 3600,
        max_conversations: int = 10000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if max_conversations < 1:
            raise ValueError("max_conversations must be at least 1")
        self.ttl_seconds = float(ttl_seconds)
        self.max_conversations = int(max_conversations)
        self._clock = clock
        self._lock = threading.Lock()
        # conversation id -> (vault, last use); ordered from least to most recently used
        self._vaults: OrderedDict[str, tuple[PseudonymVault, float]] = OrderedDict()

    def get(self, conversation_id: str) -> PseudonymVault:
        """The conversation's vault, created if missing or expired; refreshes its TTL."""
        now = self._clock()
        with self._lock:
            self._purge(now)
            entry = self._vaults.pop(conversation_id, None)
            vault = entry[0] if entry else PseudonymVault()
            self._vaults[conversation_id] = (vault, now)
            while len(self._vaults) > self.max_conversations:
                self._vaults.popitem(last=False)
            return vault

    def drop(self, conversation_id: str) -> None:
        """Forget a conversation's vault (no error if unknown)."""
        with self._lock:
            self._vaults.pop(conversation_id, None)

    def __contains__(self, conversation_id: object) -> bool:
        with self._lock:
            self._purge(self._clock())
            return conversation_id in self._vaults

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._vaults)

    def _purge(self, now: float) -> None:
        # least recently used first: stop at the first one still alive
        while self._vaults:
            _, (_, last_use) = next(iter(self._vaults.items()))
            if now - last_use < self.ttl_seconds:
                break
            self._vaults.popitem(last=False)
