"""The `ollama` backend against a local server speaking Ollama's HTTP API (a test double at the
boundary: no Ollama binary can run here)."""

import asyncio

import pytest

from assistant.embeddings import OllamaEmbedding
from assistant.llm.base import LLMError, Message
from assistant.llm.ollama_backend import OllamaBackend
from tests.servers.fake_ollama import FakeOllama

pytestmark = pytest.mark.slow


def _collect(backend, messages):
    async def run():
        return [piece async for piece in backend.astream(messages, max_tokens=64)]

    return asyncio.run(run())


@pytest.fixture
def ollama_server():
    with FakeOllama() as server:
        yield server


def test_streams_ndjson_and_sends_context_and_keep_alive(ollama_server):
    backend = OllamaBackend(
        base_url=ollama_server.url, model="mistral-nemo", context_window=4096, keep_alive="24h"
    )
    pieces = _collect(backend, [Message("system", "règles"), Message("user", "question")])
    assert len(pieces) > 3
    assert "".join(pieces) == ollama_server.reply
    sent = ollama_server.requests[-1]["body"]
    assert sent["stream"] is True
    assert sent["keep_alive"] == "24h"
    assert sent["options"]["num_ctx"] == 4096
    assert sent["options"]["num_predict"] == 64
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


def test_check_reports_model_presence_and_the_pull_command(ollama_server):
    present = asyncio.run(OllamaBackend(base_url=ollama_server.url, model="mistral-nemo").acheck())
    assert present.reachable and present.model_present and present.ready
    missing = asyncio.run(OllamaBackend(base_url=ollama_server.url, model="llama3.3").acheck())
    assert missing.reachable and missing.model_present is False
    assert "ollama pull llama3.3" in missing.detail


def test_missing_model_raises_a_french_error_with_the_pull_command(ollama_server):
    backend = OllamaBackend(base_url=ollama_server.url, model="absent")
    with pytest.raises(LLMError, match="ollama pull absent"):
        _collect(backend, [Message("user", "question")])


def test_dropped_connection_mid_stream_raises_llm_error(ollama_server):
    ollama_server.drop_after = 3
    backend = OllamaBackend(base_url=ollama_server.url, model="mistral-nemo")
    received = []

    async def run():
        async for piece in backend.astream([Message("user", "q")], max_tokens=32):
            received.append(piece)

    with pytest.raises(LLMError):
        asyncio.run(run())
    assert len(received) == 3


def test_unreachable_server_is_reported_not_raised():
    status = asyncio.run(
        OllamaBackend(base_url="http://127.0.0.1:9", model="m", connect_timeout_s=0.5).acheck()
    )
    assert not status.reachable
    assert "ne répond pas" in status.detail


def test_token_timeout_raises_llm_error(ollama_server):
    ollama_server.token_delay_s = 0.5
    backend = OllamaBackend(base_url=ollama_server.url, model="mistral-nemo", timeout_s=0.2)
    with pytest.raises(LLMError):
        _collect(backend, [Message("user", "q")])


def test_ollama_embeddings_use_api_embed_in_batches(ollama_server):
    embedder = OllamaEmbedding(model_name="bge-m3", base_url=ollama_server.url)
    vectors = embedder.get_text_embedding_batch(["un", "deux", "trois"])
    assert len(vectors) == 3 and len(vectors[0]) == 8
    assert embedder.model_id == "ollama/bge-m3"
    batch_call = [r for r in ollama_server.requests if r["path"] == "/api/embed"][-1]
    assert batch_call["body"]["input"] == ["un", "deux", "trois"]


def test_one_client_per_loop_and_stopped_answers_give_their_connection_back(ollama_server):
    """The HTTP client is shared across requests: an answer stopped early (agent gone) must
    return its connection, or the pool (slots + 16 connections) runs dry and requests hang."""
    from contextlib import aclosing

    ollama_server.token_delay_s = 0.05
    backend = OllamaBackend(
        base_url=ollama_server.url, model="mistral-nemo", parallel_slots=1, timeout_s=10
    )
    messages = [Message("user", "question")]

    async def run():
        client = backend._client()
        for _ in range(backend.parallel_slots + 20):  # more stopped answers than the pool holds
            async with aclosing(backend.astream(messages, max_tokens=16)) as stream:
                async for _piece in stream:
                    break
        assert backend._client() is client
        return [p async for p in backend.astream(messages, max_tokens=8)]

    assert "".join(asyncio.run(run())) == ollama_server.reply
