"""Retours d'expérience: submitted scrubbed, moderated, drafted as a corpus document."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from assistant.ingestion.loaders import load_document
from assistant.services.errors import Conflict, Invalid, NotFound
from assistant.services.retours import KEYS, RetoursService
from assistant.storage.models import RetourRow

RAW = {
    "name": "Jeanne Dupont",
    "phone": "06 12 34 56 78",
    "email": "jeanne.dupont@mairie-exemple.fr",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
}


def _retour(**overrides):
    values = {
        "job": "secretariat",
        "task": "Préparer la convocation du conseil municipal",
        "tool": "assistant-syndicat",
        "description": "J'ai demandé une trame de convocation à partir de la liste des points.",
        "result": "gain-de-temps",
        "time_saved_minutes": 30,
        "risk": "",
        "contact_consent": True,
    }
    return {**values, **overrides}


def test_submit_then_list_with_the_contract_keys(records_container):
    service = RetoursService(records_container)
    stored = service.submit(**_retour())
    assert stored["masked"] == []
    [listed] = service.list()
    assert list(listed) == list(KEYS)
    assert listed == {k: stored[k] for k in KEYS}
    assert listed["status"] == "nouveau" and listed["merged_into"] is None
    assert listed["job"] == "secretariat" and listed["contact_consent"] is True
    assert service.list(status="publie") == []


def test_personal_data_is_masked_before_it_is_stored(records_container):
    """A retour with a name, a phone, an email and an IBAN: none of them reaches the table."""
    service = RetoursService(records_container)
    stored = service.submit(
        **_retour(
            task=f"Répondre à {RAW['name']}",
            description=f"Courrier pour {RAW['name']} ({RAW['phone']}, {RAW['email']}), "
            f"remboursement sur l'IBAN {RAW['iban']}.",
            risk=f"J'ai failli coller le numéro {RAW['phone']} de {RAW['name']}.",
        )
    )
    assert {"PERSONNE", "TÉLÉPHONE", "EMAIL", "IBAN"} <= set(stored["masked"])
    with records_container.database.session() as session:
        rows = session.execute(select(RetourRow)).scalars().all()
        cells = " ".join(str(value) for row in rows for value in vars(row).values())
    for value in (*RAW.values(), "Dupont", "0612345678", "3000 6000"):
        assert value not in cells
    assert "Jeanne" not in cells
    assert set(stored["finding_types"]) == set(stored["masked"])


def test_bad_input_is_refused_in_french_and_nothing_is_stored(records_container):
    service = RetoursService(records_container)
    cases = [
        (_retour(tool="chatgpt-perso"), "Outil inconnu"),
        (_retour(result="formidable"), "Résultat inconnu"),
        (_retour(task="  "), "Décrivez la tâche"),
        (_retour(description=""), "Décrivez ce que vous avez fait"),
        (_retour(time_saved_minutes=-5), "minutes par semaine"),
        (_retour(job=None), "Précisez votre métier"),
    ]
    for values, message in cases:
        with pytest.raises(Invalid, match=message):
            service.submit(**values)
    assert service.list() == []
    with pytest.raises(Invalid, match="Statut inconnu"):
        service.list(status="archive")


def test_moderation_moves_a_new_retour_once(records_container):
    service = RetoursService(records_container)
    first, second, third = (service.submit(**_retour())["id"] for _ in range(3))
    assert service.publish(first)["status"] == "publie"
    with pytest.raises(Conflict, match="déjà publié"):
        service.reject(first)
    assert service.reject(second)["status"] == "rejete"
    with pytest.raises(Conflict, match="rejeté"):
        service.merge(third, second)
    with pytest.raises(Invalid, match="lui-même"):
        service.merge(third, third)
    merged = service.merge(third, first)
    assert (merged["status"], merged["merged_into"]) == ("fusionne", first)
    with pytest.raises(NotFound, match="999"):
        service.publish(999)
    assert [r["id"] for r in service.list(status="fusionne")] == [third]


def test_the_draft_of_a_published_retour_is_a_corpus_document(records_container, tmp_path):
    service = RetoursService(records_container)
    retour_id = service.submit(**_retour(risk="Vérifier les dates de convocation."))["id"]
    with pytest.raises(Conflict, match="pas publié"):
        service.draft(retour_id)
    service.publish(retour_id)
    name, markdown = service.draft(retour_id)
    assert name == f"cas-usage-retour-{retour_id}.md"
    path = tmp_path / name
    path.write_text(markdown, encoding="utf-8")
    document = load_document(path)  # the ingestion's own loader and front-matter checks
    assert document.metadata["id"] == f"cas-usage-retour-{retour_id}"
    assert document.metadata["theme"] == "cas-usage"
    assert "Vérifier les dates de convocation." in markdown
    assert "30 minutes par semaine" in markdown
    assert "autre(s) agent(s)" not in markdown
    service.merge(service.submit(**_retour())["id"], retour_id)
    assert "1 autre(s) agent(s) ont partagé le même usage." in service.draft(retour_id)[1]
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert len(headings) == len(set(headings)) == 4


def test_list_by_period_and_purge_keeps_published_retours(records_container):
    service = RetoursService(records_container)
    ids = [service.submit(**_retour())["id"] for _ in range(3)]
    service.publish(ids[0])
    old = datetime.now(UTC) - timedelta(days=400)
    with records_container.database.session() as session:
        session.execute(update(RetourRow).where(RetourRow.id.in_(ids[:2])).values(ts=old))
    today = datetime.now(UTC).date()
    assert [r["id"] for r in service.list(since=today)] == [ids[2]]
    assert [r["id"] for r in service.list(until=today - timedelta(days=300))] == ids[:2]
    with pytest.raises(Invalid, match="période est vide"):
        service.list(since=today, until=date(2000, 1, 1))
    removed = records_container.records.purge(180)
    assert removed["retours"] == 1
    assert [r["id"] for r in service.list()] == [ids[0], ids[2]]


def test_the_draft_title_stays_valid_yaml_whatever_the_task(records_container, tmp_path):
    service = RetoursService(records_container)
    task = 'Résumer le "compte rendu" rangé dans C:\\Partage\\Conseil'
    retour_id = service.submit(**_retour(task=task))["id"]
    service.publish(retour_id)
    name, markdown = service.draft(retour_id)
    (tmp_path / name).write_text(markdown, encoding="utf-8")
    title = load_document(tmp_path / name).metadata["title"]
    assert title.startswith("Retour d'expérience : Résumer le 'compte rendu' rangé dans C:")
