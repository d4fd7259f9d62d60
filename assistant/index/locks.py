"""Locks of the corpus index that hold across threads and processes.

The server, the command line and the other replicas of a deployment share one data dir, so a
thread lock is not enough: each lock here is also an exclusive ``flock(2)`` on a file of the
index folder. The kernel releases it when its holder dies, even by ``kill -9``, so a crashed
writer never leaves the index locked. ``flock`` needs the processes to share a kernel (one
host, or containers on one host sharing a volume); it does not hold over NFS.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["IndexLock", "LockCancelled"]


class LockCancelled(Exception):
    """The wait for a lock was given up because ``should_stop()`` became true."""


class IndexLock:
    """A re-entrant lock: one thread of one process holds it at a time.

    The holding thread may take it again (nested calls); other threads of the same process wait
    on a thread lock, other processes on the file lock.
    """

    POLL_S = 0.05

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()

    def acquire(
        self, *, blocking: bool = True, should_stop: Callable[[], bool] | None = None
    ) -> bool:
        """Take the lock; False if ``blocking`` is false and someone else holds it.

        While waiting, ``should_stop`` is polled every 50 ms: when it returns true, the wait
        is abandoned with ``LockCancelled``.
        """
        if self.held:
            self._depth += 1
            return True
        if not self._take_thread_lock(blocking, should_stop):
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                taken = _take_file_lock(fd, blocking, should_stop, self.POLL_S)
            except BaseException:
                os.close(fd)
                raise
            if not taken:
                os.close(fd)
                self._thread_lock.release()
                return False
        except BaseException:
            self._thread_lock.release()
            raise
        self._fd, self._owner, self._depth = fd, threading.get_ident(), 1
        return True

    def release(self) -> None:
        if not self.held:
            raise RuntimeError("lock released by a thread that does not hold it")
        self._depth -= 1
        if self._depth:
            return
        fd, self._fd, self._owner = self._fd, None, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock
        self._thread_lock.release()

    @contextlib.contextmanager
    def hold(self, *, should_stop: Callable[[], bool] | None = None) -> Iterator[None]:
        self.acquire(should_stop=should_stop)
        try:
            yield
        finally:
            self.release()

    def busy_elsewhere(self) -> bool:
        """Whether another process holds the lock right now (a snapshot, for diagnostics)."""
        if self.held or not self.path.exists():
            return False
        try:
            fd = os.open(self.path, os.O_RDWR)
        except OSError:
            return False
        try:
            if _take_file_lock(fd, False, None, 0):
                fcntl.flock(fd, fcntl.LOCK_UN)
                return False
            return True
        finally:
            os.close(fd)

    def _take_thread_lock(self, blocking: bool, should_stop: Callable[[], bool] | None) -> bool:
        if not blocking:
            return self._thread_lock.acquire(blocking=False)
        while not self._thread_lock.acquire(timeout=self.POLL_S):
            if should_stop is not None and should_stop():
                raise LockCancelled
        return True


def _take_file_lock(
    fd: int, blocking: bool, should_stop: Callable[[], bool] | None, poll_s: float
) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not blocking:
                return False
            if should_stop is not None and should_stop():
                raise LockCancelled from None
            time.sleep(poll_s)
