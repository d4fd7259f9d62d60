"""Who is calling: an anonymous agent, an agent with the webinar access code, or a trainer.

- Agents need no account. When ``server.access_code`` is set, question routes want it in the
  ``X-Code-Acces`` header or as ``Authorization: Bearer <code>`` (what OpenAI clients send).
- Trainers use HTTP Basic (``auth.trainers``: name -> PBKDF2 hash) or a bearer token whose
  SHA-256 is listed in ``auth.trainer_token_hashes``.

Failed attempts are counted per credential guessed *and* per address: the webinar code, one
trainer's password, the trainer tokens. Ten failures in a minute lock only that credential for
that address, so an address that guesses the code (or a password) never locks a trainer out of
their own account, nor the same trainer logging in from elsewhere; a locked attempt is refused
before any check. A wrong password costs the same hashing time whether the name exists or not.
The HTTP routes (``assistant/api/deps.py``) and the Gradio page both go through
:class:`AccessPolicy`, which also holds the question quota: a rule changed here holds on every
channel.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.security import hash_password, hash_token, verify_password
from assistant.services.errors import ServiceError
from assistant.services.ratelimit import SlidingWindowLimiter, retry_after_header
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.services.metrics import ApiMetrics

Role = Literal["anonymous", "invalid", "agent", "trainer"]

#: Failed attempts at one credential from one address, per minute, before it is locked there.
AUTH_FAILURES_PER_MINUTE = 10
LOCKOUT_S = 60.0


@dataclass(frozen=True)
class Caller:
    """The caller of one request. ``invalid``: credentials were given but are wrong."""

    role: Role
    name: str = ""
    scheme: str = ""

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"


LOCKED_OUT = "Trop de tentatives d'authentification échouées : réessayez dans une minute."


class LockedOut(ServiceError):
    """Too many failed attempts at this credential from this address: nothing was checked."""

    status = 429

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(LOCKED_OUT)
        self.retry_after_s = retry_after_s


class TooManyQuestions(ServiceError):
    """The client asked more questions than its quota allows in the last minute."""

    status = 429

    def __init__(self, retry_after_s: float) -> None:
        seconds = retry_after_header(retry_after_s)
        super().__init__(
            f"Trop de questions en peu de temps : réessayez dans {seconds} seconde"
            f"{'s' if int(seconds) > 1 else ''}."
        )
        self.retry_after_s = retry_after_s


class Authenticator:
    """Checks credentials against settings and holds the lockouts.

    PBKDF2 runs in a thread and successes are cached (keyed by an HMAC of name, password and
    hash, so the cache holds no password).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        failures: SlidingWindowLimiter | None = None,
        cache_ttl_s: float = 300.0,
    ) -> None:
        self.access_code = settings.server.access_code.get_secret_value()
        self.trainers = dict(settings.auth.trainers)
        self.token_hashes = {h.strip().lower() for h in settings.auth.trainer_token_hashes}
        self.failures = failures or SlidingWindowLimiter(AUTH_FAILURES_PER_MINUTE, LOCKOUT_S)
        self.cache_ttl_s = cache_ttl_s
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[bytes, float] = {}

    @property
    def access_code_required(self) -> bool:
        return bool(self.access_code)

    @functools.cached_property
    def _decoy_hash(self) -> str:
        """Checked against for unknown names, so that they cost what a real trainer's costs."""
        return hash_password(secrets.token_urlsafe(16))

    # ---- what the routes and the page call ----------------------------------------------
    async def identify(
        self, authorization: str | None, access_code: str | None, *, client: str
    ) -> Caller:
        """The caller of a request from address ``client``; LockedOut if what it presents is
        locked for that address."""
        if authorization:
            scheme, _, credentials = authorization.partition(" ")
            scheme, credentials = scheme.lower(), credentials.strip()
            if scheme == "basic":
                return await self._basic(credentials, client)
            if scheme == "bearer":
                return self._bearer(credentials, client)
            return Caller("invalid", scheme=scheme)
        if access_code is not None:
            if self.access_code and self.check_access_code(access_code, client):
                return Caller("agent", scheme="code")
            return Caller("invalid", scheme="code")
        return Caller("anonymous")

    def check_access_code(self, code: str, client: str) -> bool:
        """Whether ``code`` is the webinar's (True when none is required); counts a failure,
        LockedOut when this address has guessed too often."""
        if not self.access_code:
            return True
        self._refuse_if_locked(_code_key(client))
        if self._is_access_code(code):
            return True
        self.failures.hit(_code_key(client))
        return False

    async def login(self, username: str, password: str, client: str) -> Caller:
        """A trainer's name and password, from address ``client``; LockedOut when this
        account was guessed too often from there."""
        key = _trainer_key(username, client)
        self._refuse_if_locked(key)
        stored = self.trainers.get(username)
        if stored is None or not password:
            # As long as a real check, so the time taken does not tell which names exist.
            await asyncio.to_thread(verify_password, password or "-", self._decoy_hash)
            self.failures.hit(key)
            return Caller("invalid", username, "basic")
        cache_key = hmac.new(
            self._cache_key, f"{username}\0{password}\0{stored}".encode(), hashlib.sha256
        ).digest()
        now = time.monotonic()
        if self._verified.get(cache_key, 0.0) > now:
            return Caller("trainer", username, "basic")
        if await asyncio.to_thread(verify_password, password, stored):
            if len(self._verified) > 256:
                self._verified = {k: t for k, t in self._verified.items() if t > now}
            self._verified[cache_key] = now + self.cache_ttl_s
            return Caller("trainer", username, "basic")
        self.failures.hit(key)
        return Caller("invalid", username, "basic")

    # ---- details -------------------------------------------------------------------------
    def _refuse_if_locked(self, key: str) -> None:
        if self.failures.count(key) >= self.failures.limit:
            raise LockedOut(self.failures.window_s)

    def _locked(self, key: str) -> bool:
        return self.failures.count(key) >= self.failures.limit

    def _is_access_code(self, value: str) -> bool:
        # Digests of equal length: the comparison time says nothing about the code's length.
        return bool(self.access_code) and hmac.compare_digest(
            hashlib.sha256(value.encode()).digest(),
            hashlib.sha256(self.access_code.encode()).digest(),
        )

    def _is_trainer_token(self, value: str) -> bool:
        digest = hash_token(value)
        return any(hmac.compare_digest(digest, known) for known in self.token_hashes)

    async def _basic(self, credentials: str, client: str) -> Caller:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Caller("invalid", scheme="basic")
        username, separator, password = decoded.partition(":")
        if not separator:
            return Caller("invalid", scheme="basic")
        return await self.login(username, password, client)

    def _bearer(self, credentials: str, client: str) -> Caller:
        """A trainer token or the webinar code: each is tried unless locked for ``client``, and
        a wrong value counts against both (it may have been a guess of either)."""
        keys = {
            "token": _token_key(client) if self.token_hashes else None,
            "code": _code_key(client) if self.access_code else None,
        }
        open_keys = {kind: key for kind, key in keys.items() if key and not self._locked(key)}
        if not open_keys and any(keys.values()):
            raise LockedOut(self.failures.window_s)
        if "token" in open_keys and self._is_trainer_token(credentials):
            return Caller("trainer", "jeton", "bearer")
        if "code" in open_keys and self._is_access_code(credentials):
            return Caller("agent", scheme="bearer")
        for key in open_keys.values():
            self.failures.hit(key)
        return Caller("invalid", scheme="bearer")


class AccessPolicy:
    """Who may ask and who may administer, on every channel: the webinar code, the trainers'
    logins and tokens, the lockouts after failed attempts, and the question quota per client
    address (in this process's memory: one count per replica)."""

    def __init__(self, settings: Settings, metrics: ApiMetrics) -> None:
        self.failures = SlidingWindowLimiter(AUTH_FAILURES_PER_MINUTE, LOCKOUT_S)
        self.authenticator = Authenticator(settings, failures=self.failures)
        self.questions = SlidingWindowLimiter(settings.server.rate_limit_per_minute)
        self._metrics = metrics

    @property
    def access_code_required(self) -> bool:
        return self.authenticator.access_code_required

    async def identify(
        self, authorization: str | None, access_code: str | None, *, client: str
    ) -> Caller:
        """The caller of a request (see :meth:`Authenticator.identify`); LockedOut (429)."""
        try:
            return await self.authenticator.identify(authorization, access_code, client=client)
        except LockedOut:
            self._metrics.rate_limited.labels("authentification").inc()
            raise

    def access_code_ok(self, code: str | None, client: str) -> bool:
        """Whether the webinar code typed is right (True if none is required). Nothing typed
        is no guess (as a request without the header); LockedOut (429) after ten failures."""
        code = (code or "").strip()
        if not code:
            return not self.access_code_required
        try:
            return self.authenticator.check_access_code(code, client)
        except LockedOut:
            self._metrics.rate_limited.labels("authentification").inc()
            raise

    async def trainer_login(self, username: str, password: str, client: str) -> str | None:
        """The trainer's name if the password matches, else None; LockedOut (429) when this
        account was guessed too often from ``client``."""
        try:
            caller = await self.authenticator.login(
                (username or "").strip(), password or "", client
            )
        except LockedOut:
            self._metrics.rate_limited.labels("authentification").inc()
            raise
        return caller.name if caller.is_trainer else None

    def count_question(self, client: str) -> None:
        """Count one question of ``client``; TooManyQuestions (429) when over its quota."""
        wait = self.questions.hit(client)
        if wait:
            self._metrics.rate_limited.labels("questions").inc()
            raise TooManyQuestions(wait)


def _code_key(client: str) -> str:
    return f"code\0{client}"


def _token_key(client: str) -> str:
    return f"jeton\0{client}"


def _trainer_key(username: str, client: str) -> str:
    # A digest: a name of any length costs the same small key.
    name = hashlib.sha256(username.encode()).hexdigest()[:32]
    return f"formateur\0{name}\0{client}"
