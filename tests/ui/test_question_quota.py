"""The question quota says one sentence on every channel: the services' ``TooManyQuestions``
message, as the API's 429 body, the chat tab's warning and the retours tab's status."""

from __future__ import annotations

import asyncio

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from assistant.services.ratelimit import SlidingWindowLimiter

WAIT_S = 42.0
SENTENCE = "Trop de questions en peu de temps : réessayez dans 42 secondes."


class FullQuota(SlidingWindowLimiter):
    """A quota already spent by every client: each hit must wait ``WAIT_S``."""

    def hit(self, key: str) -> float:
        return WAIT_S


@pytest.fixture
def channels(container):
    """The app (API and page over the same services) with every client's quota spent."""
    from assistant.api import create_app
    from ui.app import build_ui

    pages = []
    app = create_app(container, ui=lambda app, services: pages.append(build_ui(services)[0]))
    app.state.api.policy.questions = FullQuota(1)
    [demo] = pages
    handlers = {fn.name: fn.fn for fn in demo.fns.values()}
    yield TestClient(app), handlers["respond"], handlers["share"]
    container.database.dispose()


def test_the_chat_and_retours_tabs_say_the_api_429_sentence(channels):
    api, respond, share = channels
    refused = api.post("/api/ask", json={"question": "Puis-je utiliser ChatGPT ?"})
    assert refused.status_code == 429
    assert refused.json()["detail"] == SENTENCE

    async def first_update():
        updates = respond("Puis-je utiliser ChatGPT ?", "rh", "", [], [], None, gr.Request())
        return [update async for update in updates]

    with pytest.warns(UserWarning) as warned:
        updates = asyncio.run(first_update())
    assert [str(warning.message) for warning in warned] == [SENTENCE]
    assert len(updates) == 1  # nothing shown in the chat, the question is kept

    fields = ["rh", "assistant-syndicat", "Rédiger une fiche", "Une trame.", "qualite", 20]
    outputs = asyncio.run(share("", *fields, "", False, gr.Request()))
    assert {c.elem_id: value for c, value in outputs.items()} == {
        "retour-status": f"**Erreur :** {SENTENCE}"
    }
