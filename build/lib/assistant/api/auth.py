"""Who is calling: an anonymous agent, an agent with the webinar access code, or a trainer.

- Agents need no account. When ``server.access_code`` is set, question routes want it in the
  ``X-Code-Acces`` header or as ``Authorization: Bearer <code>`` (what OpenAI clients send).
- Trainers use HTTP Basic (``auth.trainers``: name -> PBKDF2 hash) or a bearer token whose
  SHA-256 is listed in ``auth.trainer_token_hashes``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from assistant.security import hash_token, verify_password
from assistant.settings import Settings

Role = Literal["anonymous", "invalid", "agent", "trainer"]


@dataclass(frozen=True)
class Caller:
    """The caller of one request. ``invalid``: credentials were given but are wrong."""

    role: Role
    name: str = ""
    scheme: str = ""

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"


class Authenticator:
    """Checks credentials against settings; PBKDF2 runs in a thread and successes are cached."""

    def __init__(self, settings: Settings, *, cache_ttl_s: float = 300.0) -> None:
        self.access_code = settings.server.access_code.get_secret_value()
        self.trainers = dict(settings.auth.trainers)
        self.token_hashes = {h.strip().lower() for h in settings.auth.trainer_token_hashes}
        self.cache_ttl_s = cache_ttl_s
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[bytes, float] = {}

    @property
    def access_code_required(self) -> bool:
        return bool(self.access_code)

    def _is_access_code(self, value: str) -> bool:
        return bool(self.access_code) and hmac.compare_digest(
            value.encode(), self.access_code.encode()
        )

    async def identify(self, authorization: str | None, access_code: str | None) -> Caller:
        if authorization:
            scheme, _, credentials = authorization.partition(" ")
            scheme, credentials = scheme.lower(), credentials.strip()
            if scheme == "basic":
                return await self._basic(credentials)
            if scheme == "bearer":
                if hash_token(credentials) in self.token_hashes:
                    return Caller("trainer", "jeton", "bearer")
                if self._is_access_code(credentials):
                    return Caller("agent", scheme="bearer")
                return Caller("invalid", scheme="bearer")
            return Caller("invalid", scheme=scheme)
        if access_code is not None:
            if self._is_access_code(access_code):
                return Caller("agent", scheme="code")
            return Caller("invalid", scheme="code")
        return Caller("anonymous")

    async def _basic(self, credentials: str) -> Caller:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Caller("invalid", scheme="basic")
        username, separator, password = decoded.partition(":")
        stored = self.trainers.get(username)
        if not separator or stored is None:
            return Caller("invalid", scheme="basic")
        key = hmac.new(
            self._cache_key, f"{username}\0{password}\0{stored}".encode(), hashlib.sha256
        ).digest()
        now = time.monotonic()
        if self._verified.get(key, 0.0) > now:
            return Caller("trainer", username, "basic")
        if await asyncio.to_thread(verify_password, password, stored):
            if len(self._verified) > 256:
                self._verified = {k: t for k, t in self._verified.items() if t > now}
            self._verified[key] = now + self.cache_ttl_s
            return Caller("trainer", username, "basic")
        return Caller("invalid", username, "basic")
