"""Pure ASGI middleware: request size limits, and metrics + one structured log line per request.

Pure ASGI (not ``BaseHTTPMiddleware``) so streamed answers pass through untouched.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import INTERNAL_ERROR
from assistant.services.metrics import ApiMetrics

log = logging.getLogger("assistant.api.requests")
errors_log = logging.getLogger("assistant.api")

API_PREFIXES = ("/api/", "/v1/")


def _too_large_message(limit: int) -> str:
    size = f"{limit / 1_048_576:.0f} Mo" if limit >= 1_048_576 else f"{limit / 1024:.0f} Ko"
    return f"Requête trop volumineuse : la taille maximale acceptée est de {size}."


class BodySizeLimitMiddleware:
    """413 for API requests over the limit: the JSON one, or the upload one for documents.

    A declared Content-Length is refused before reading; a chunked body is counted as it
    arrives. Other paths (the Gradio UI) keep their own limits.
    """

    def __init__(self, app: ASGIApp, *, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    def _limit_for(self, scope: Scope) -> int | None:
        path: str = scope.get("path", "")
        if not path.startswith(API_PREFIXES):
            return None
        if path.startswith("/api/documents") and scope.get("method") in ("POST", "PUT"):
            return self.upload_limit
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit_for(scope) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_json(send, 413, {"detail": _too_large_message(limit)})
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large_message(limit))
            return message

        await self.app(scope, counting_receive, send)


class InternalErrorMiddleware:
    """Unexpected errors become a French JSON 500, and the connection stays usable.

    Starlette's own last-resort handler re-raises after answering, which makes uvicorn close
    the connection under a client that would reuse it. The exception is logged here (type and
    code locations only, see ``logs.py``), never sent to the client.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            errors_log.error(
                "unhandled error",
                exc_info=(type(error), error, error.__traceback__),
                extra={"path": scope.get("path"), "method": scope.get("method")},
            )
            if started:
                raise  # a half-sent response: only closing the connection is left
            await _send_json(send, 500, {"detail": INTERNAL_ERROR}, close=False)


class RequestMetricsMiddleware:
    """Counts and times every request by route template; logs API requests as JSON lines.

    Logged: method, route template, status, duration, request id. Never the body, the query
    string or the client's address.
    """

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.in_progress.dec()
            elapsed = time.perf_counter() - started
            route = _route_label(scope)
            self.metrics.requests.labels(scope.get("method", ""), route, str(status)).inc()
            self.metrics.request_seconds.labels(route).observe(elapsed)
            path = scope.get("path", "")
            level = logging.INFO if path.startswith(API_PREFIXES) else logging.DEBUG
            if status >= 500:
                level = logging.ERROR
            log.log(
                level,
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )


def _route_label(scope: Scope) -> str:
    """The matched route template (bounded cardinality), never the raw path."""
    template = getattr(scope.get("route"), "path", None)
    if template:
        return template
    return "(inconnue)" if scope.get("path", "").startswith(API_PREFIXES) else "(interface)"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send: Send, status: int, payload: dict, *, close: bool = True) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # the unread request body makes the connection unusable
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
