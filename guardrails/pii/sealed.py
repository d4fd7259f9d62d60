"""Pseudonym vaults sealed with a server key, kept in a store every replica reads.

A conversation's turns may land on different app processes; each must restore the same
placeholders. The vault holds real values, so it never leaves the process in clear: it is
sealed with AES-GCM (``cryptography``) under a key derived from the server secret, and stored
under a keyed hash (HMAC-SHA-256) of the conversation id, which is bound to the sealed bytes as
associated data (a sealed vault copied under another conversation does not open). The store
itself is a small ``VaultBackend`` (the app's is a database table); this module imports nothing
from the app.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .vault import _LOOSE_PLACEHOLDER, PseudonymVault

log = logging.getLogger(__name__)

#: Shortest server secret accepted (characters): ``secrets.token_urlsafe(32)`` gives 43.
MIN_SECRET_CHARS = 32
_NONCE_BYTES = 12


class VaultBackend(Protocol):
    """Where sealed vaults live, shared by the replicas (keys are hex HMACs, values opaque)."""

    def load(self, key: str, max_age_s: float) -> tuple[int, bytes, float] | None:
        """The vault's version, sealed bytes and age in seconds, if used within ``max_age_s``."""

    def save(self, key: str, version: int, sealed: bytes) -> None:
        """Store (insert or replace) a sealed vault; marks it used now."""

    def touch(self, key: str) -> None:
        """Mark a vault used now (its time to live starts again)."""

    def drop(self, key: str) -> None:
        """Forget a vault (no error if unknown)."""

    def purge(self, max_age_s: float) -> int:
        """Delete the vaults unused for ``max_age_s``; return how many."""


class VaultSealer:
    """Seals and opens vault states with keys derived (HKDF-SHA-256) from a server secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the vault secret needs at least {MIN_SECRET_CHARS} characters")
        material = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=None, info=b"assistant pseudonym vaults"
        ).derive(secret.encode())
        self._aead = AESGCM(material[:32])
        self._mac_key = material[32:]

    def conversation_key(self, conversation_id: str) -> str:
        """The conversation's storage key: a keyed hash, not reversible without the secret."""
        return hmac.new(self._mac_key, conversation_id.encode(), hashlib.sha256).hexdigest()

    def seal(self, key: str, state: dict) -> bytes:
        """Nonce + AES-GCM ciphertext of the vault ``state``, bound to ``key``."""
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(state, ensure_ascii=False).encode()
        return nonce + self._aead.encrypt(nonce, plain, key.encode())

    def open(self, key: str, sealed: bytes) -> dict | None:
        """The state sealed under ``key``; None if it was sealed with another secret, under
        another key, or altered."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], key.encode())
        except (InvalidTag, ValueError):
            return None
        return json.loads(plain)


class SealedVaultStore:
    """Vaults by conversation id, sealed in a shared ``VaultBackend``; the same ``get``/``drop``
    as ``VaultStore``.

    Each vault ``get`` returns reads the conversation's state from the backend on first use (a
    replica may have added a placeholder since), refreshing its time to live, and seals and
    stores itself whenever it makes a new placeholder. A conversation without personal data
    stores nothing. A backend out of reach costs the conversation its earlier pseudonyms, never
    the answer. Vaults unused for ``ttl_seconds`` are ignored, and purged at most once a minute.
    """

    PURGE_EVERY_S = 60.0

    def __init__(
        self,
        backend: VaultBackend,
        sealer: VaultSealer,
        ttl_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self.backend = backend
        self.sealer = sealer
        self.ttl_seconds = float(ttl_seconds)
        self._clock = clock
        self._next_purge = 0.0
        self._lock = threading.Lock()

    def get(self, conversation_id: str) -> PseudonymVault:
        """The conversation's vault as last stored by any replica (empty if none or expired).

        Nothing is read here (the caller may be an event loop): the vault loads itself on first
        use, in the thread that scrubs the question.
        """
        return _StoredVault(self, self.sealer.conversation_key(conversation_id))

    def read(self, key: str) -> tuple[int, dict | None]:
        """The stored vault's version and state (None: none, expired or not openable)."""
        self._purge_if_due()
        found = self.backend.load(key, self.ttl_seconds)
        if found is None:
            return 0, None
        version, sealed, age_s = found
        state = self.sealer.open(key, sealed)
        if state is None:
            log.warning("sealed vault not opened (another server key?): started again")
        elif age_s > self.ttl_seconds / 20:
            self.backend.touch(key)
        return version, state

    def drop(self, conversation_id: str) -> None:
        """Forget a conversation's vault (no error if unknown)."""
        self.backend.drop(self.sealer.conversation_key(conversation_id))

    def __contains__(self, conversation_id: object) -> bool:
        if not isinstance(conversation_id, str):
            return False
        key = self.sealer.conversation_key(conversation_id)
        return self.backend.load(key, self.ttl_seconds) is not None

    def purge(self) -> int:
        """Delete the expired vaults now; return how many."""
        return self.backend.purge(self.ttl_seconds)

    def _purge_if_due(self) -> None:
        now = self._clock()
        with self._lock:
            if now < self._next_purge:
                return
            self._next_purge = now + self.PURGE_EVERY_S
        try:
            self.purge()
        except Exception as error:  # a purge failing must not fail a question
            log.warning("vault purge failed", extra={"error": type(error).__name__})


class _StoredVault(PseudonymVault):
    """A vault that reads its state from the store on first use, then seals and stores itself
    on each new placeholder. ``restore`` of a text without placeholders reads nothing."""

    def __init__(self, store: SealedVaultStore, key: str) -> None:
        super().__init__()
        self._store = store
        self._key = key
        self._loaded = False
        self._load_lock = threading.Lock()

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            try:
                version, state = self._store.read(self._key)
            except Exception as error:  # the store is down: answer with this turn's vault
                log.warning("sealed vault not read", extra={"error": type(error).__name__})
                version, state = 0, None
            if state is not None:
                self._set_state(state)
            self.on_change = _Saver(self._store, self._key, version)
            self._loaded = True

    def placeholder_for(self, entity_type: str, value: str) -> str:
        self._ensure_loaded()
        return super().placeholder_for(entity_type, value)

    def value_of(self, placeholder: str) -> str | None:
        self._ensure_loaded()
        return super().value_of(placeholder)

    def restore(self, text: str) -> str:
        if not _LOOSE_PLACEHOLDER.search(text):
            return text
        self._ensure_loaded()
        return super().restore(text)

    def state(self) -> dict:
        self._ensure_loaded()
        return super().state()

    def __len__(self) -> int:
        self._ensure_loaded()
        return super().__len__()


class _Saver:
    """A vault's ``on_change``: seal its state and store it as the next version."""

    def __init__(self, store: SealedVaultStore, key: str, version: int) -> None:
        self.store = store
        self.key = key
        self.version = version
        self._lock = threading.Lock()

    def __call__(self, vault: PseudonymVault) -> None:
        with self._lock:
            self.version += 1
            sealed = self.store.sealer.seal(self.key, vault.state())
            try:
                self.store.backend.save(self.key, self.version, sealed)
            except Exception as error:  # the store is down: this turn still answers
                log.warning("sealed vault not stored", extra={"error": type(error).__name__})
