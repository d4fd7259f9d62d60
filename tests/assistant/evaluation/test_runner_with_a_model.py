"""The quality suite's runner with a real model behind the OpenAI-compatible API: llama.cpp's
server serving SmolLM2-135M-Instruct (tests/servers/llamacpp.py), as `EVAL_PROFILE=openai` runs
it against a production server.

With the embedded profile no prompt is ever sent (extractive answers), so "personal data in the
prompts actually sent" is only exercised here; so is the judge's calibration over a real model.
The tiny English model says nothing about answer quality: these tests are about what reaches it
and what is trusted."""

from __future__ import annotations

import pytest

from assistant.evaluation.datasets import load_items
from assistant.evaluation.runner import compute_metrics, run_item
from guardrails.pii.findings import ScrubResult
from tests.conftest import ROOT
from tests.servers.llamacpp import LlamaCppServer

pytestmark = [pytest.mark.slow, pytest.mark.llm]

# The conversations carrying personal data in an earlier turn: the history reaches two prompts
# (the rewriting of the follow-up, then the answer), the hardest case. About 6 s each.
CONVERSATIONS = [item for item in load_items() if item.pii_values and item.turns]


@pytest.fixture(scope="module")
def llama_server():
    with LlamaCppServer(n_ctx=1024) as server:
        yield server


@pytest.fixture(scope="module")
def model_container(llama_server, tmp_path_factory):
    from assistant.container import Container
    from assistant.settings import load_settings

    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("data"),
        corpus_dir=ROOT / "corpus",
        embeddings={"backend": "hashing"},
        llm={
            "backend": "openai",
            "openai_base_url": llama_server.base_url,
            "openai_model": llama_server.model_alias,
            "context_window": llama_server.n_ctx,
            "max_answer_tokens": 16,
            "timeout_s": 30,  # a stalled server falls back instead of holding the suite
        },
        # Every question reaches the model: the gate is not what is tested here.
        retrieval={"min_relevance": 0.0},
    )
    container = Container(settings)
    outcomes = container.ingestor.ingest_paths([ROOT / "corpus"])
    assert all(outcome.ok for outcome in outcomes)
    container.backends.refresh_sync()
    yield container


def test_golden_personal_data_never_reaches_the_prompts_sent_to_a_real_model(model_container):
    assert len(CONVERSATIONS) >= 5
    results = [run_item(model_container, item) for item in CONVERSATIONS]
    assert all(r.backend.startswith("openai") and r.prompt_tokens > 0 for r in results)
    assert [r.id for r in results if r.leaks] == []
    assert compute_metrics(results)["pii_leak_rate"].value == 0.0


def test_a_leak_into_the_prompts_sent_is_caught(model_container, monkeypatch):
    """The same run with the masking switched off: the metric must see the values in the
    condensation and answer prompts (a check that could not fail would be worthless)."""
    item = next(i for i in CONVERSATIONS if i.id == "conv-02")
    scrubber = model_container.chat_engine.scrubber
    monkeypatch.setattr(
        scrubber, "scrub_many", lambda texts, vault=None: [ScrubResult(t, ()) for t in texts]
    )
    result = run_item(model_container, item)
    assert result.backend.startswith("openai") and result.prompt_tokens > 0
    assert set(result.leaks) == set(item.pii_values)


def test_a_tiny_real_model_is_not_trusted_as_a_judge(llama_server):
    """The judge's calibration through the real OpenAI-compatible path: SmolLM2-135M, an
    English model of 135 million parameters, cannot tell a faithful French answer from an
    invented one, and the hand labels must show it before any faithfulness score is kept."""
    from assistant.evaluation.judge import AnswerJudge
    from assistant.llm.openai_backend import OpenAICompatibleBackend

    backend = OpenAICompatibleBackend(
        base_url=llama_server.base_url, api_key="sk-test", model=llama_server.model_alias,
        timeout_s=30,
    )
    calibration = AnswerJudge(backend).calibrate()
    assert calibration.count >= 16
    assert not calibration.trusted, calibration.reason


def test_model_reformulations_through_a_real_openai_compatible_server(model_container):
    """The protocol of the rewording step (ASSISTANT_RETRIEVAL__MODEL_REFORMULATIONS) against
    llama.cpp's server: one request for the rewordings, parsed whatever the model writes, then
    the answer; the tiny English model's rewordings say nothing about their quality."""
    engine = model_container.chat_engine
    engine.model_reformulations = 2
    try:
        record = engine.ask("Mme Léa FOURNIER (06 39 98 77 01) : le PC délai instruction ?")
    finally:
        engine.model_reformulations = 0
    assert record.backend.startswith("openai")
    assert "reformulations" in record.timings and record.timings["reformulations"] <= 2
    first_prompt = record.prompts_sent[0][0]["content"]
    assert "autres façons de poser la question" in first_prompt
    sent = " ".join(m["content"] for prompt in record.prompts_sent for m in prompt)
    assert "FOURNIER" not in sent and "06 39 98 77 01" not in sent
