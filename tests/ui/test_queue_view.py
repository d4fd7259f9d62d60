"""The trainer's queue « Questions à traiter » in a real browser: a group of refused questions is
linked to a section, the document's page shows it, and the next agent is answered from it."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.ui.test_browser import WAIT_MS, ask, last_answer_text, log_in

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Peut-on confier la tondeuse robotisée du stade à une IA de planification ?",
    "Confier à une IA la planification de la tondeuse robotisée du stade, c'est possible ?",
]
SECTION = "Article 5 — Relecture humaine"


def choose(tab, elem_id: str, option: str | re.Pattern) -> None:
    """Pick an option of a Gradio dropdown as a trainer does: open it, click the option."""
    tab.locator(f"#{elem_id} input").click()
    tab.get_by_role("option", name=option).first.click()


def test_trainer_links_a_group_then_its_questions_are_answered_from_the_section(page, live):
    for question in QUESTIONS:
        live.container.records.questions.append(
            {"question_id": uuid.uuid4().hex, "scrubbed_question": question, "coverage": "refused"}
        )
    log_in(page)
    tab = page.page
    tab.get_by_role("tab", name=re.compile("Questions à traiter")).click()
    groups = tab.locator("#queue-groups")
    expect(groups).to_contain_text("tondeuse robotisée", timeout=WAIT_MS)
    page.shot("file-questions")

    choose(tab, "queue-group", re.compile("tondeuse robotisée"))
    choose(tab, "queue-document", re.compile(r"\(charte-ia\)"))
    choose(tab, "queue-section", SECTION)
    tab.locator("#queue-link").click()
    expect(tab.locator("#queue-message")).to_contain_text("relié à", timeout=WAIT_MS)
    expect(groups).not_to_contain_text("tondeuse robotisée", timeout=WAIT_MS)
    page.shot("groupe-relie")
    assert live.container.question_links.active()  # the running server's links see it

    tab.get_by_role("tab", name=re.compile("Documents")).click()
    tab.get_by_role("button", name="Actualiser la liste").click()
    choose(tab, "selected-document", re.compile(r"\(charte-ia\)"))
    links = tab.locator("#document-queue-links")
    expect(links).to_contain_text(SECTION, timeout=WAIT_MS)
    expect(links).to_contain_text("tondeuse robotisée")
    page.shot("document-questions-reliees")

    ask(page, "La tondeuse robotisée du stade peut-elle être planifiée par une IA ?")
    text = last_answer_text(page)
    assert "Relecture humaine" in text


def test_queue_events_do_nothing_without_a_trainer_login(live):
    """The events are hidden from the API, and even called through a modified client, they
    neither change a group nor list one before a trainer logged in."""
    from tests.ui.conftest import PageClient

    question = "Le robot tondeuse du cimetière peut-il être piloté par une IA ?"
    live.container.records.questions.append(
        {"question_id": uuid.uuid4().hex, "scrubbed_question": question, "coverage": "refused"}
    )
    from assistant.services.queue import QueueService

    service = QueueService(live.container)
    group = next(g for g in service.groups() if question in g["examples"])
    client = PageClient(live.base_url)
    try:
        linked = client.try_call("queue-link", "click", group["id"], "charte-ia", SECTION)
        out = client.try_call("queue-out", "click", group["id"], None, None)
        listed = client.try_call("queue-refresh", "click", "open")
    finally:
        client.close()
    from gradio_client.exceptions import AppError

    # Refused by the page (a group it never listed to this session) or by the handler.
    for answer in (linked, out):
        assert isinstance(answer, AppError) or "Connectez-vous" in str(answer), answer
    assert "Connectez-vous" in str(listed) and question not in str(listed)
    assert next(g for g in service.groups() if g["id"] == group["id"])["status"] == "open"
