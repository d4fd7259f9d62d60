"""A local test server that speaks Ollama's HTTP API, for the `ollama` backend's tests.

This is a test double at the one boundary that cannot run here (no Ollama binary): it
implements the wire protocol the real client uses — ``/api/tags``, ``/api/show``,
``/api/embed`` and ``/api/chat`` streaming NDJSON — including Ollama's error shape for a
missing model and a connection dropped in the middle of a stream.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOllama:
    """Configure ``models``, ``reply`` (split on spaces into stream parts) and ``drop_after``."""

    def __init__(
        self,
        models=("mistral-nemo:latest", "bge-m3:latest"),
        reply="Réponse d'Ollama fondée sur le passage [1].",
    ) -> None:
        self.models = list(models)
        self.reply = reply
        self.drop_after: int | None = None
        self.responder = None  # optional callable(request body) -> reply text
        self.token_delay_s = 0.0
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def has(self, name: str) -> bool:
        return name in self.models or f"{name}:latest" in self.models

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self) -> None:
                fake.requests.append({"path": self.path})
                if self.path == "/api/tags":
                    self._json(
                        200,
                        {
                            "models": [
                                {
                                    "name": m,
                                    "model": m,
                                    "modified_at": "2026-11-01T00:00:00Z",
                                    "size": 1,
                                    "digest": hashlib.sha256(m.encode()).hexdigest(),
                                    "details": {"format": "gguf", "family": "llama"},
                                }
                                for m in fake.models
                            ]
                        },
                    )
                elif self.path == "/api/version":
                    self._json(200, {"version": "0.12.0"})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = self._body()
                fake.requests.append({"path": self.path, "body": body})
                model = body.get("model", "")
                if self.path in ("/api/chat", "/api/embed", "/api/show") and not fake.has(model):
                    self._json(404, {"error": f"model '{model}' not found"})
                    return
                if self.path == "/api/show":
                    self._json(
                        200,
                        {
                            "modelfile": "",
                            "parameters": "",
                            "template": "",
                            "details": {"format": "gguf"},
                            "model_info": {},
                        },
                    )
                elif self.path == "/api/embed":
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    vectors = [
                        [(b - 128) / 128 for b in hashlib.sha256(t.encode()).digest()[:8]]
                        for t in texts
                    ]
                    self._json(200, {"model": model, "embeddings": vectors})
                elif self.path == "/api/chat":
                    self._chat(body)
                else:
                    self._json(404, {"error": "not found"})

            def _chunk(self, payload: dict) -> None:
                data = (json.dumps(payload) + "\n").encode()
                self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _chat(self, body: dict) -> None:
                reply = fake.responder(body) if fake.responder else fake.reply
                parts = reply.split(" ")
                if not body.get("stream", True):
                    self._json(
                        200,
                        {
                            "model": body["model"],
                            "created_at": "2026-11-28T00:00:00Z",
                            "message": {"role": "assistant", "content": reply},
                            "done": True,
                            "done_reason": "stop",
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for index, part in enumerate(parts):
                    if fake.drop_after is not None and index >= fake.drop_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # drop the connection mid-stream
                        self.close_connection = True
                        return
                    if fake.token_delay_s:
                        time.sleep(fake.token_delay_s)
                    self._chunk(
                        {
                            "model": body["model"],
                            "created_at": "2026-11-28T00:00:00Z",
                            "message": {
                                "role": "assistant",
                                "content": part if index == 0 else " " + part,
                            },
                            "done": False,
                        }
                    )
                self._chunk(
                    {
                        "model": body["model"],
                        "created_at": "2026-11-28T00:00:00Z",
                        "message": {"role": "assistant", "content": ""},
                        "done": True,
                        "done_reason": "stop",
                        "eval_count": len(parts),
                    }
                )
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        return Handler
