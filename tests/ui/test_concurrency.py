"""Webinar scale: agents' events run side by side, and a waiting agent sees its place in line.

The LLM is a scripted backend with one generation slot that streams slowly, so a second
question must wait for the slot (the engine's ``queue`` event) while everything else the page
does keeps answering at once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.doubles import ScriptedChatBackend
from tests.ui.conftest import DOCUMENTS, ROOT, serve

pytestmark = pytest.mark.slow

SLOW_REPLY = " ".join(["Il", "est", "interdit", "de", "coller", "un", "dossier", "[1]."] * 3)


@pytest.fixture(scope="module")
def slow_live(tmp_path_factory):
    from assistant.container import Container
    from assistant.settings import load_settings

    with pytest.MonkeyPatch.context() as patch:
        import os

        for name in list(os.environ):
            if name.startswith("ASSISTANT_"):
                patch.delenv(name)
        settings = load_settings(
            _env_file=None,
            data_dir=Path(tmp_path_factory.mktemp("ui-slow")),
            corpus_dir=ROOT / "corpus",
            embeddings={"backend": "hashing"},
            llm={"backend": "ollama"},
            retrieval={"min_relevance": 0.0},
        )
    container = Container(settings)
    container.__dict__["generative_backend"] = ScriptedChatBackend(
        [SLOW_REPLY], delay_s=0.12, parallel_slots=1
    )
    for name, text in DOCUMENTS.items():
        assert container.ingestor.ingest_bytes(name, text.encode()).ok
    with serve(container) as running:
        yield running


def test_second_agent_sees_its_place_in_line_and_others_are_not_blocked(slow_live):
    from gradio_client import Client

    first = Client(slow_live.base_url + "/", verbose=False, download_files=False)
    second = Client(slow_live.base_url + "/", verbose=False, download_files=False)
    third = Client(slow_live.base_url + "/", verbose=False, download_files=False)
    question = "Puis-je coller le dossier d'un administré dans ChatGPT ?"
    try:
        started = time.monotonic()
        job_1 = first.submit(question, "", "", api_name="/poser_question")
        deadline = time.monotonic() + 30
        while not any("interdit" in json.dumps(o, ensure_ascii=False) for o in job_1.outputs()):
            assert time.monotonic() < deadline, "la première réponse n'a pas commencé"
            time.sleep(0.02)
        job_2 = second.submit(question, "rh", "", api_name="/poser_question")
        # While both answers stream, a third agent checks a text: answered at once.
        summary, _, scrubbed = third.predict(
            "Appeler le 06 12 34 56 78.", api_name="/verifier_texte"
        )
        checked_after = time.monotonic() - started
        assert "[TÉLÉPHONE_1]" in scrubbed
        chat_1 = job_1.result(timeout=60)[0]
        chat_2 = job_2.result(timeout=60)[0]
        total = time.monotonic() - started
    finally:
        for client in (first, second, third):
            client.close()

    assert checked_after < total / 2, (checked_after, total)
    streamed_2 = json.dumps(job_2.outputs(), ensure_ascii=False)
    assert "dans la file d'attente" in streamed_2
    assert "position" in streamed_2
    for chat in (chat_1, chat_2):
        text = json.dumps(chat, ensure_ascii=False)
        assert "Il est interdit de coller un dossier" in text
        assert "Sources de cette réponse" in text
        assert "modèle de langage local (scripted" in text
