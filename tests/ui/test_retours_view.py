"""The retours tab's handler as the page runs it: the webinar access code rule of asking,
French refusals that keep the form, and what was masked shown to the agent."""

from __future__ import annotations

import asyncio

import gradio as gr
import pytest

from assistant.services.retours import RetoursService
from tests.conftest import ROOT

CODE = "webinaire-2025"


@pytest.fixture
def page(data_dir, shared_scrubbers):
    """The page of a webinar that requires an access code, and its container."""
    from assistant.container import Container
    from assistant.services.state import Services
    from assistant.settings import load_settings
    from ui.app import build_ui

    settings = load_settings(
        _env_file=None,
        data_dir=data_dir,
        corpus_dir=ROOT / "corpus",
        embeddings={"backend": "hashing"},
        llm={"backend": "extractive"},
        server={"access_code": CODE},
    )
    container = Container(settings)
    container.__dict__["question_scrubber"] = shared_scrubbers(True)
    demo, _ = build_ui(Services.build(container))
    share = next(fn.fn for fn in demo.fns.values() if fn.name == "share")
    yield container, share
    container.database.dispose()


def _by_id(outputs: dict) -> dict:
    return {component.elem_id: value for component, value in outputs.items()}


def _share(share, code: str, **fields):
    values = {
        "job_key": "rh", "tool_key": "assistant-syndicat",
        "task_text": "Rédiger une fiche de poste",
        "what": "Trame de fiche de poste ; contact : Paul Durand, 06 22 33 44 55.",
        "outcome": "qualite", "saved": 20, "risk_text": "", "may_ask": False,
    }  # fmt: skip
    values.update(fields)
    return _by_id(asyncio.run(share(code, *values.values(), gr.Request())))


def test_the_access_code_is_required_as_for_a_question(page):
    container, share = page
    for wrong in ("", "autre-code"):
        refused = _share(share, wrong)
        assert refused["retour-status"] == "**Erreur :** saisissez le code d'accès du webinaire."
        assert set(refused) == {"retour-status"}  # the form keeps what was typed
    assert RetoursService(container).list() == []
    accepted = _share(share, CODE)
    assert accepted["retour-status"].startswith("**Merci !** Votre retour n° 1")
    assert "TÉLÉPHONE" in accepted["retour-status"] and "06 22" not in accepted["retour-status"]
    assert accepted["retour-description"] == ""  # cleared once stored
    [stored] = RetoursService(container).list()
    assert "Durand" not in stored["description"] and stored["time_saved_minutes"] == 20


def test_bad_input_is_said_in_french_and_the_form_is_kept(page):
    container, share = page
    missing_result = _share(share, CODE, outcome=None)
    assert missing_result["retour-status"].startswith("**Erreur :** Résultat inconnu")
    assert set(missing_result) == {"retour-status"}
    no_job = _share(share, CODE, job_key=None)
    assert no_job["retour-status"].startswith("**Erreur :** Précisez votre métier")
    assert RetoursService(container).list() == []
