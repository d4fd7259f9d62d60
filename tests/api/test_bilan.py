"""`GET /api/bilan` on the real server: questions with personal data asked through the real
API (scrubbed by the real chain), then the bilan downloaded in each format and read back."""

from __future__ import annotations

import pytest

from tests.api.conftest import ACCESS_CODE
from tests.api.test_records import QUESTIONS, RAW_VALUES
from tests.bilan.conftest import read_back

pytestmark = pytest.mark.slow

SUFFIX = {"odt": ".odt", "docx": ".docx", "pdf": ".pdf", "md": ".zip"}


def test_trainer_downloads_the_bilan_in_each_format(server, client, trainer, tmp_path):
    for question in QUESTIONS:
        response = client.post("/api/ask", json={"question": question})
        assert response.status_code == 200, response.text
    for fmt in ("pdf", "odt", "docx", "md"):
        response = trainer.get("/api/bilan", params={"format": fmt})
        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="bilan-assistant-')
        assert disposition.endswith(f'{SUFFIX[fmt]}"')
        path = tmp_path / f"bilan{SUFFIX[fmt]}"
        path.write_bytes(response.content)
        text = read_back(path, fmt)["text"]
        assert "1. Synthèse" in text and "8. Propositions pour la seconde étape" in text
        # the masked types are counted: the privacy part saw the scrubbed questions
        assert "numéro de téléphone" in text and "adresse électronique" in text
        for raw in RAW_VALUES:
            assert raw not in text, f"{raw!r} dans le bilan {fmt}"


def test_bilan_is_for_trainers_and_checks_its_input(client, anonymous, trainer):
    assert anonymous.get("/api/bilan").status_code == 401
    agent = client.get("/api/bilan", headers={"X-Code-Acces": ACCESS_CODE})
    assert agent.status_code == 403
    bad_format = trainer.get("/api/bilan", params={"format": "rtf"})
    assert bad_format.status_code == 422
    reversed_period = trainer.get("/api/bilan", params={"from": "2026-10-18", "to": "2026-10-01"})
    assert reversed_period.status_code == 422
    assert reversed_period.json() == {
        "detail": "La date de début est postérieure à la date de fin : inversez-les."
    }
    unreadable = trainer.get("/api/bilan", params={"from": "hier"})
    assert unreadable.status_code == 422 and "AAAA-MM-JJ" in unreadable.json()["detail"]
    empty = trainer.get("/api/bilan", params={"from": "2020-01-01", "to": "2020-01-31"})
    assert empty.status_code == 200 and empty.content.startswith(b"%PDF")
