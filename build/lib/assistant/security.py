"""Password and token hashing for trainers (PBKDF2-SHA256 from the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_ITERATIONS = 240_000


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return ``pbkdf2_sha256$iterations$salt$hash`` for storage in settings."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)
    return "$".join(
        [
            "pbkdf2_sha256",
            str(_ITERATIONS),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        algorithm, iterations, salt, expected = stored.split("$")
    except ValueError:
        return False
    if algorithm != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    return hmac.compare_digest(base64.b64encode(digest).decode(), expected)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
