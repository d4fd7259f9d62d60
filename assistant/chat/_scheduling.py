"""When the engine works: the CPU work of questions oldest first, and the model's text paced."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import queue
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any


class ArrivalOrderExecutor:
    """Worker threads that serve the CPU work of questions (masking, retrieval) oldest question
    first, as many at once as there are cores.

    When a hundred questions arrive together, the first ones get their answer started in a
    fraction of a second instead of all of them sharing the cores and all waiting seconds.
    The threads start on first use and stop when the executor is garbage-collected.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._started = False
        self._start_lock = threading.Lock()
        self.workers: list[threading.Thread] = []

    async def run(self, arrival: float, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` in a worker, after the work of earlier questions."""
        self._start()
        done: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put((arrival, next(self._order), function, args, done))
        return await asyncio.wrap_future(done)

    def _start(self) -> None:
        with self._start_lock:
            if self._started:
                return
            self._started = True
            for number in range(self.threads):
                worker = threading.Thread(
                    target=_serve_in_order,
                    args=(self._queue,),
                    name=f"question-{number}",
                    daemon=True,
                )
                worker.start()
                self.workers.append(worker)
            weakref.finalize(self, _stop_workers, self._queue, self.threads)


def _serve_in_order(work: queue.PriorityQueue) -> None:
    while True:
        _, _, function, args, done = work.get()
        if function is None:
            return
        if not done.set_running_or_notify_cancel():
            continue
        try:
            done.set_result(function(*args))
        except BaseException as error:  # handed to the awaiting question
            done.set_exception(error)
        # Hold nothing while idle: a result or an error's traceback may reach the executor.
        del function, args, done


def _stop_workers(work: queue.PriorityQueue, threads: int) -> None:
    for number in range(threads):
        work.put((float("-inf"), -1 - number, None, (), None))  # before any pending work


async def paced(pieces: AsyncIterator[str], interval_s: float) -> AsyncIterator[str]:
    """The model's text, at most one piece every ``interval_s``: what arrived meanwhile is
    joined into one piece (the first piece is never delayed).

    Each piece sent costs the event loop an SSE event, a pass through the middleware and a
    socket write whatever its length; with a hundred answers streaming at 20 tokens/s, a
    100 ms interval halves that work, and an agent reading sees no difference at 10 updates a
    second. A reader task drains the model meanwhile, so generation never waits for us; it
    is cancelled (closing the model's stream) when the answer stops early.
    """
    if interval_s <= 0:
        async for piece in pieces:
            yield piece
        return
    received: list[str] = []
    arrived = asyncio.Event()
    ended = False
    failure: BaseException | None = None

    async def read() -> None:
        nonlocal ended, failure
        try:
            async for piece in pieces:
                received.append(piece)
                arrived.set()
        except Exception as error:  # re-raised below, in the consumer's frame
            failure = error
        finally:
            ended = True
            arrived.set()

    reader = asyncio.create_task(read())
    try:
        while True:
            await arrived.wait()
            arrived.clear()
            if received:
                text = "".join(received)
                received.clear()
                sent_at = time.perf_counter()
                yield text
                if not ended:
                    await asyncio.sleep(interval_s - (time.perf_counter() - sent_at))
            if ended and not received:
                break
        if failure is not None:
            raise failure
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
