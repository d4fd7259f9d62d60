"""The client side of Server-Sent Events, for the tests and the benchmarks: one parser."""

from __future__ import annotations

import json
from typing import Any


def parse_sse(body: str | bytes) -> list[tuple[str, str]]:
    """(event, data) pairs of a whole event stream, in order.

    An event without an ``event:`` field is a ``message``; its ``data:`` lines are joined by
    newlines; comments (``: ping``) and blocks without data are skipped.
    """
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append((name, "\n".join(data)))
    return events


def parse_sse_json(body: str | bytes) -> list[tuple[str, Any]]:
    """Like ``parse_sse``, each event's data decoded as JSON."""
    return [(name, json.loads(data)) for name, data in parse_sse(body)]
