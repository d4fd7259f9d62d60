"""The records' tables read directly (SQL), on both engines, after questions and feedback
carrying personal data went through the real API: none of the raw values is stored. And the
server's daily purge works on the database."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

from tests.api.conftest import all_bytes_under, build_container, ingest_documents, serve

NAME = "Jeanne Martin"
PHONE = "06 98 76 54 32"
EMAIL = "jeanne.martin@mairie-exemple.fr"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
QUESTIONS = [
    f"Bonjour, je suis {NAME}, mon numéro est le {PHONE} : puis-je coller le dossier d'un "
    "administré dans ChatGPT ?",
    f"Écrivez-moi à {EMAIL} : faut-il relire un texte produit par une IA ?",
]
RAW_VALUES = [
    NAME, "Martin", PHONE, PHONE.replace(" ", ""), EMAIL, "jeanne.martin", "mairie-exemple",
    IBAN, "3000 6000",
]
TABLES = ("questions", "feedback", "imported_files", "retours")


def _table_text(database_url: str, data_dir) -> dict[str, str]:
    """Every row of every table as text, straight from the database (no SQLAlchemy)."""
    dump = {}
    if database_url:
        import psycopg

        dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as connection:
            for table in TABLES:
                rows = connection.execute(f"SELECT row_to_json(t)::text FROM {table} t")
                dump[table] = "\n".join(row[0] for row in rows)
    else:
        with sqlite3.connect(data_dir / "assistant.sqlite3") as connection:
            for table in TABLES:
                rows = connection.execute(f"SELECT * FROM {table}").fetchall()
                dump[table] = "\n".join(repr(row) for row in rows)
    return dump


def test_database_holds_no_raw_personal_data(
    database_url, data_dir, shared_scrubber, client_ip
):
    import httpx

    from tests.api.conftest import ACCESS_CODE, TRAINER

    container = build_container(data_dir, shared_scrubber, database={"url": database_url})
    ingest_documents(container)
    expired = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    container.records.questions.append({"ts": expired, "question_id": "perimee"})
    with serve(container) as live:
        headers = {"X-Forwarded-For": client_ip, "X-Code-Acces": ACCESS_CODE}
        with httpx.Client(base_url=live.base_url, headers=headers, timeout=60) as client:
            answers = []
            for question in QUESTIONS:
                response = client.post("/api/ask", json={"question": question})
                assert response.status_code == 200, response.text
                answers.append(response.json())
            feedback = client.post(
                "/api/feedback",
                json={
                    "question_id": answers[0]["question_id"],
                    "vote": "down",
                    "reason": f"Rappelez {NAME} au {PHONE} ou à {EMAIL}",
                },
            )
            assert feedback.status_code == 200, feedback.text
            retour = client.post(
                "/api/retours",
                json={
                    "job": "finances",
                    "task": f"Répondre à {NAME} sur un remboursement",
                    "tool": "assistant-syndicat",
                    "description": f"Courrier à {NAME} ({PHONE}, {EMAIL}), virement sur {IBAN}.",
                    "result": "gain-de-temps",
                    "risk": f"J'ai failli coller l'IBAN {IBAN}.",
                },
            )
            assert retour.status_code == 201, retour.text
        # The daily purge runs once at start: the expired question goes.
        deadline = time.monotonic() + 10
        while any(e["question_id"] == "perimee" for e in container.records.questions.read()):
            assert time.monotonic() < deadline, "la purge quotidienne n'a pas eu lieu"
            time.sleep(0.1)
        with httpx.Client(
            base_url=live.base_url, headers={"X-Forwarded-For": client_ip},
            auth=httpx.BasicAuth(*TRAINER), timeout=60,
        ) as trainer:
            analytics = trainer.get("/api/analytics/questions").json()
    assert analytics["total"] == 2
    assert [q["question_id"] for q in analytics["questions"]] == [
        a["question_id"] for a in reversed(answers)
    ]
    assert analytics["feedback"]["down"] == 1

    dump = _table_text(database_url, data_dir)
    # The check can fail: the scrubbed forms are there.
    assert "[TÉLÉPHONE_1]" in dump["questions"] and "[EMAIL_1]" in dump["questions"]
    assert "[PERSONNE_1]" in dump["questions"]
    assert "[TÉLÉPHONE_1]" in dump["feedback"]
    assert "[IBAN_1]" in dump["retours"] and "[EMAIL_1]" in dump["retours"]
    for table, content in dump.items():
        for raw in RAW_VALUES:
            assert raw not in content, f"{raw!r} trouvé dans la table {table}"
    for path, data in all_bytes_under(data_dir):
        for raw in RAW_VALUES:
            assert raw.encode() not in data, f"{raw!r} trouvé dans {path}"
    container.database.dispose()
