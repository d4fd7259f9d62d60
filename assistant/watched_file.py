"""A file trainers edit while the server runs (the lexicon, the « hors champ » topics)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

#: How often (s) a watched file's modification time and size are looked at, at most.
CHECK_SECONDS = 1.0


class WatchedFile(Generic[T]):
    """``parse(path)``'s value, parsed again when the file changes.

    ``check()`` looks at the file's modification time and size at most once every
    ``CHECK_SECONDS`` and parses it again when they changed. A file that cannot be parsed
    (``parse`` raises one of ``errors``) keeps the previous value in use and its message in
    ``error``; a missing file, or no path, gives ``empty``.
    """

    def __init__(
        self,
        path: Path | None,
        parse: Callable[[Path], T],
        empty: T,
        errors: tuple[type[Exception], ...],
    ) -> None:
        self.path = path
        self.value = empty
        self.error = ""
        self._parse = parse
        self._empty = empty
        self._errors = errors
        self._stamp: tuple[float, int] | None = None
        self._checked_at = float("-inf")

    def check(self) -> bool:
        """Read the file again if it changed (at most once every ``CHECK_SECONDS``); True when
        ``value`` changed."""
        now = time.monotonic()
        if now - self._checked_at < CHECK_SECONDS:
            return False
        self._checked_at = now
        path = self.path
        if path is None or not path.is_file():
            changed = self._stamp is not None
            self._stamp, self.value, self.error = None, self._empty, ""
            return changed
        stat = path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            self.value = self._parse(path)
        except self._errors as error:
            self.error = str(error)  # the previous value stays in use
            return False
        self.error = ""
        return True
