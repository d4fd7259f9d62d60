"""The agent's and the trainer's journeys in a real browser (Debian's Chromium)."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import TRAINER

pytestmark = pytest.mark.slow

WAIT_MS = 60_000  # a cold server (first spaCy call, first matplotlib use) can be slow


def ask(page, question: str) -> None:
    """Type a question, send it, and wait until the answer is complete (feedback offered)."""
    tab = page.page
    tab.get_by_role("tab", name=re.compile("Poser une question")).click()
    box = tab.locator("#question textarea")
    box.fill(question)
    tab.locator("#ask").click()
    tab.locator("#chat").get_by_text(question, exact=False).first.wait_for()
    tab.locator("#send-feedback").wait_for(state="visible")
    tab.wait_for_timeout(700)


def last_answer_text(page) -> str:
    return page.page.locator("#chat").inner_text()


def log_in(page) -> None:
    tab = page.page
    tab.get_by_role("tab", name=re.compile("Espace formateur")).click()
    tab.get_by_label("Identifiant", exact=True).fill(TRAINER[0])
    tab.get_by_label("Mot de passe", exact=True).fill(TRAINER[1])
    tab.locator("#login").click()
    tab.get_by_text(f"Connecté·e en tant que {TRAINER[0]}").wait_for()


def test_page_shows_header_notice_examples_and_backend(page):
    tab = page.page
    page.shot("accueil")
    assert "Territoires Numériques — Assistant IA de la charte" in tab.locator("h1").inner_text()
    assert tab.locator("html").get_attribute("lang") == "fr"
    assert tab.get_by_role("note").get_by_text("intelligence artificielle").count()
    body = tab.locator("body").inner_text()
    assert "mode extractif : réponses composées d'extraits du corpus, sans modèle de langage" in (
        body
    )
    assert "Puis-je coller le dossier d'un administré dans ChatGPT ?" in body
    assert tab.get_by_label("Votre question").count() == 1
    assert tab.get_by_label("Votre métier (facultatif)").count() == 1


def test_question_gets_a_streamed_answer_with_its_sources(page, live):
    tab = page.page
    tab.get_by_text("Puis-je coller le dossier d'un administré dans ChatGPT ?").first.click()
    expect(tab.locator("#question textarea")).to_have_value(re.compile("ChatGPT"), timeout=WAIT_MS)
    tab.locator("#ask").click()
    tab.locator("#send-feedback").wait_for(state="visible")
    chat = tab.locator("#chat")
    chat.get_by_text("Sources de cette réponse").wait_for()
    page.shot("reponse")
    text = chat.inner_text()
    assert "interdit de coller le dossier" in text
    assert "Charte d'utilisation de l'IA — Article 3 — Données personnelles" in text
    assert "thème : Charte" in text
    assert "Moteur de réponse : mode extractif" in text
    # The passage opens on click.
    chat.get_by_text(re.compile(r"\[1\] Charte d'utilisation de l'IA")).first.click()
    chat.get_by_text("Document « Charte d'utilisation de l'IA », version 2").wait_for()
    page.shot("reponse-passage-ouvert")


def test_personal_data_in_a_question_is_masked_and_said(page, live):
    ask(
        page,
        "Bonjour, je suis Marie Dupont, mon numéro est le 06 12 34 56 78 : puis-je coller le "
        "dossier d'un administré dans ChatGPT ?",
    )
    page.shot("donnees-masquees")
    text = last_answer_text(page)
    assert (
        "2 données personnelles ont été masquées avant d'interroger le modèle : "
        "[PERSONNE_1], [TÉLÉPHONE_1]" in text
    )
    banner = page.page.locator("#pii-notice").inner_text()
    assert "2 données personnelles ont été masquées" in banner
    log = live.journal("questions")
    assert "[TÉLÉPHONE_1]" in log
    assert "06 12 34 56 78" not in log and "Dupont" not in log


def test_feedback_thumb_down_with_a_reason_is_stored(page, live):
    ask(page, "Dois-je relire un texte produit par une IA avant de le publier ?")
    tab = page.page
    tab.locator("#vote").get_by_text("Non, pas utile").click()
    tab.locator("#reason textarea").fill("Il manque le contact de Marie Dupont au service.")
    tab.locator("#send-feedback").click()
    tab.locator("#feedback-status").get_by_text("Merci pour votre avis").wait_for()
    page.shot("avis")
    entries = [json.loads(line) for line in live.journal("feedback").splitlines()]
    assert entries, "aucun avis enregistré"
    last = entries[-1]
    assert last["vote"] == "down"
    assert "Il manque le contact de" in last["reason"]
    assert "Dupont" not in live.journal("feedback")
    questions = [json.loads(line) for line in live.journal("questions").splitlines()]
    assert last["question_id"] == questions[-1]["question_id"]


def test_thumb_on_an_earlier_answer_is_stored_for_that_answer(page, live):
    ask(page, "Faut-il signaler aux habitants qu'un texte a été rédigé avec l'IA ?")
    ask(page, "Comment choisir un bon mot de passe ?")
    tab = page.page
    questions = [json.loads(line) for line in live.journal("questions").splitlines()]
    first_id = questions[-2]["question_id"]
    # The first « J'aime » of the conversation is on the first answer, not the last one.
    tab.locator("#chat").get_by_role("button", name="J'aime").first.click()
    tab.locator("#feedback-status").get_by_text("une réponse précédente").wait_for(
        timeout=WAIT_MS
    )
    page.shot("avis-reponse-precedente")
    last = [json.loads(line) for line in live.journal("feedback").splitlines()][-1]
    assert last["question_id"] == first_id and last["vote"] == "up"


def test_check_my_text_shows_what_it_contains(page):
    tab = page.page
    tab.get_by_role("tab", name=re.compile("Vérifier mon texte")).click()
    tab.locator("#check-input textarea").fill(
        "Madame Claire Martin, joignable au 06 98 76 54 32, demande un rendez-vous."
    )
    tab.locator("#check-button").click()
    tab.locator("#check-summary").get_by_text("masquée").wait_for()
    page.shot("verifier-texte")
    scrubbed = tab.locator("#check-output textarea").input_value()
    assert "[TÉLÉPHONE_1]" in scrubbed and "06 98 76 54 32" not in scrubbed
    assert "numéro de téléphone" in tab.locator("body").inner_text()


def test_trainer_uploads_a_document_then_it_is_cited(page, live, tmp_path):
    document = tmp_path / "fiche-visioconference.md"
    document.write_text(
        textwrap.dedent(
            """\
            ---
            id: fiche-visioconference
            title: Fiche visioconférence souveraine
            theme: cybersecurite
            version: "1"
            ---
            # Visioconférence

            ## Outil de visioconférence recommandé

            Pour une réunion en visioconférence, utilisez la plateforme Visio hébergée par le \
            syndicat : elle garde les échanges sur des serveurs français.
            """
        ),
        encoding="utf-8",
    )
    log_in(page)
    tab = page.page
    page.shot("formateur-connecte")
    tab.locator("#upload input[type=file]").set_input_files(str(document))
    tab.locator("#upload").get_by_text("fiche-visioconference.md").first.wait_for()
    tab.locator("#import").click()
    tab.locator("#corpus-status").get_by_text("fichier traité").wait_for()
    expect(tab.locator("#documents")).to_contain_text("fiche-visioconference", timeout=WAIT_MS)
    page.shot("formateur-import")
    report = tab.locator("#import-report").inner_text()
    assert "indexé" in report and "fiche-visioconference" in report
    assert live.container.index.manifest.get("fiche-visioconference") is not None

    ask(page, "Quel outil de visioconférence utiliser pour une réunion ?")
    page.shot("document-importe-cite")
    text = last_answer_text(page)
    assert "Fiche visioconférence souveraine" in text
    assert "plateforme Visio" in text


def test_dashboard_shows_the_questions_of_the_session(page, live):
    ask(page, "Combien de caractères faut-il pour un mot de passe robuste ?")
    log_in(page)
    tab = page.page
    tab.get_by_role("tab", name=re.compile("Tableau de bord")).click()
    questions = tab.locator("#dashboard-questions")
    expect(questions).to_contain_text("mot de passe robuste", timeout=WAIT_MS)
    summary = tab.locator("#dashboard-summary").inner_text()
    assert "question" in summary
    page.shot("tableau-de-bord")
    tab.locator("#export").click()
    files = tab.locator("#export-files")
    files.get_by_text(re.compile(r"rapport-assistant-.*\.md")).first.wait_for()
    listed = files.inner_text()
    assert ".png" in listed and ".csv" in listed
    page.shot("tableau-de-bord-export")


def test_the_page_fetched_nothing_from_another_host(page):
    ask(page, "L'IA consomme-t-elle beaucoup d'énergie ?")
    tab = page.page
    for name in ("Vérifier mon texte", "Espace formateur", "Poser une question"):
        tab.get_by_role("tab", name=re.compile(name)).click()
        tab.wait_for_timeout(700)
    log_in(page)
    tab.get_by_role("tab", name=re.compile("Tableau de bord")).click()
    tab.wait_for_timeout(700)
    assert page.requests, "aucune requête enregistrée"
    assert page.foreign_requests() == []


def test_trainer_follows_a_long_import_and_cancels_it(page, live, embedding_gate, tmp_path):
    document = tmp_path / "recueil-long.md"
    document.write_text(
        '---\nid: recueil-long\ntitle: Recueil long\ntheme: cas-usage\nversion: "1"\n---\n'
        "# Recueil long\n"
        + "".join(
            f"\n## Cas {i}\n\nLe service {i} relit chaque texte produit par une IA.\n"
            for i in range(300)
        ),
        encoding="utf-8",
    )
    index = live.container.index
    before = sorted(d.doc_id for d in index.documents()), index.vectors.count()
    log_in(page)
    tab = page.page
    # The trainer area is ready once its document list came (the file input re-renders).
    expect(tab.locator("#documents")).to_contain_text("charte-ia", timeout=WAIT_MS)
    embedding_gate.arm(after=2)
    try:
        tab.locator("#upload input[type=file]").set_input_files(str(document))
        tab.locator("#upload").get_by_text("recueil-long.md").first.wait_for()
        tab.locator("#import").click()
        status = tab.locator("#corpus-status")
        # The page shows where the import is while it waits at the gate (32 of 300 passages).
        expect(status).to_contain_text("Import en cours", timeout=WAIT_MS)
        expect(status).to_contain_text(
            "recueil-long.md : calcul des plongements, 32 / 300 passages (11 %)", timeout=WAIT_MS
        )
        page.shot("formateur-import-en-cours")
        tab.locator("#cancel-import").click()
        expect(status).to_contain_text("Annulation demandée", timeout=WAIT_MS)
    finally:
        embedding_gate.armed_after = None
        embedding_gate.resume.set()
    expect(status).to_contain_text("1 fichier traité", timeout=WAIT_MS)
    expect(tab.locator("#import-report")).to_contain_text("annulé", timeout=WAIT_MS)
    expect(tab.locator("#cancel-import")).to_be_hidden()
    page.shot("formateur-import-annule")
    assert (sorted(d.doc_id for d in index.documents()), index.vectors.count()) == before
def test_a_vote_that_cannot_be_stored_is_said_in_french(page, live):
    """When the feedback cannot be written (here: its table renamed away under the server), the
    thumb and the « Envoyer mon avis » button say so in French; no Python error shows."""
    from sqlalchemy import text

    ask(page, "Comment choisir un bon mot de passe ?")
    tab = page.page
    engine = live.container.database.engine
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE feedback RENAME TO feedback_aside"))
    try:
        status = tab.locator("#feedback-status")
        tab.locator("#chat").get_by_role("button", name="J'aime").last.click()
        expect(status).to_contain_text("Erreur interne du serveur", timeout=WAIT_MS)
        page.shot("avis-non-enregistre")
        body = tab.locator("body").inner_text()
        assert "Traceback" not in body and "sqlite" not in body.lower() and "feedback" not in body

        ask(page, "Faut-il relire un texte produit par une IA ?")  # clears the status
        expect(status).not_to_contain_text("Erreur", timeout=WAIT_MS)
        tab.locator("#vote").get_by_text("Oui, utile").click()
        tab.locator("#send-feedback").click()
        expect(status).to_contain_text("Erreur interne du serveur", timeout=WAIT_MS)
        body = tab.locator("body").inner_text()
        assert "Traceback" not in body and "sqlite" not in body.lower() and "feedback" not in body
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE feedback_aside RENAME TO feedback"))


def test_enter_sends_the_question_and_shift_enter_adds_a_line(page, live):
    """As in every chat: Enter sends, Shift+Enter goes to the next line; the page says so."""
    tab = page.page
    asked_before = len(live.journal("questions").splitlines())
    box = tab.locator("#question textarea")
    box.click()
    box.press_sequentially("Bonjour,")
    box.press("Shift+Enter")
    box.press_sequentially("puis-je coller le dossier d'un administré dans ChatGPT ?")
    tab.wait_for_timeout(1500)
    expect(box).to_have_value(
        "Bonjour,\npuis-je coller le dossier d'un administré dans ChatGPT ?"
    )
    assert len(live.journal("questions").splitlines()) == asked_before

    box.press("Enter")
    tab.locator("#send-feedback").wait_for(state="visible")
    page.shot("entree-envoie")
    chat = tab.locator("#chat").inner_text()
    assert "puis-je coller le dossier d'un administré dans ChatGPT ?" in chat
    assert "interdit de coller le dossier" in chat
    expect(box).to_have_value("")
    assert len(live.journal("questions").splitlines()) == asked_before + 1
    hint = "Entrée pour envoyer, Maj+Entrée pour aller à la ligne"
    assert hint in tab.locator("#question").inner_text()
