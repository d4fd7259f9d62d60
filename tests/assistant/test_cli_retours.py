"""`assistant retours …` and `assistant priorities`: the contracts scripts and the committee's
report rely on (keys, statuses, files, French failures and exit codes)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.services.retours import KEYS, RetoursService
from tests.conftest import ROOT
from tests.servers.live_app import ingest_use_case_sheets

runner = CliRunner()
ITEM_KEYS = {
    "rank", "job", "use_case", "doc_id", "section", "questions", "sessions", "retours",
    "positive_share", "minutes_saved", "risk", "risk_findings", "coverage", "score",
}  # fmt: skip


@pytest.fixture
def seeded(container, monkeypatch):
    """Two retours in the data dir's database, the use-case sheets in its index; the CLI
    reads the same settings."""
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(ROOT / "corpus"))
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")  # the container's index
    ingest_use_case_sheets(container)
    service = RetoursService(container)
    common = {"tool": "suite-bureautique", "result": "qualite", "contact_consent": False}
    first = service.submit(
        job="rh", task="Rédiger une fiche de poste", description="Trame de fiche de poste pour "
        "un recrutement d'agent technique.", time_saved_minutes=60, **common,
    )  # fmt: skip
    second = service.submit(
        job="Urbanisme", task="Réponse à Jean Martin", description="Réponse au pétitionnaire "
        "Jean Martin, joignable au 06 11 22 33 44.", risk="Numéro collé par erreur.", **common,
    )  # fmt: skip
    container.database.dispose()
    return first["id"], second["id"]


def _json(*args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_gives_the_contract_keys_scrubbed(seeded):
    retours = _json("retours", "list")
    assert [r["id"] for r in retours] == list(seeded)
    assert all(list(r) == list(KEYS) for r in retours)
    second = retours[1]
    assert second["job"] == "urbanisme" and second["status"] == "nouveau"
    assert "Martin" not in json.dumps(retours) and "06 11" not in json.dumps(retours)
    assert {"PERSONNE", "TÉLÉPHONE"} <= set(second["finding_types"])


def test_publish_reject_draft_and_french_refusals(seeded, tmp_path):
    first, second = seeded
    assert runner.invoke(app, ["retours", "publish", str(first)]).exit_code == 0
    assert runner.invoke(app, ["retours", "reject", str(second)]).exit_code == 0
    refused = runner.invoke(app, ["retours", "publish", str(second)])
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Le retour {second} est déjà rejeté : seul un retour nouveau peut être publié, "
        "rejeté ou fusionné."
    )
    assert [r["id"] for r in _json("retours", "list", "--status", "publie")] == [first]
    assert [r["id"] for r in _json("retours", "list", "--status", "rejete")] == [second]
    out = tmp_path / "fiche.md"
    drafted = runner.invoke(app, ["retours", "draft", str(first), "--out", str(out)])
    assert drafted.exit_code == 0, drafted.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"---\nid: cas-usage-retour-{first}\n") and "theme: cas-usage" in text
    not_published = runner.invoke(app, ["retours", "draft", str(second), "--out", str(out)])
    assert not_published.exit_code == 1 and "n'est pas publié" in not_published.stderr
    unknown = runner.invoke(app, ["retours", "list", "--status", "archive"])
    assert unknown.exit_code == 1 and "Statut inconnu" in unknown.stderr
    missing = runner.invoke(app, ["retours", "reject", "4242"])
    assert missing.exit_code == 1 and "4242" in missing.stderr


def test_priorities_json_csv_and_dates(seeded, tmp_path):
    result = _json("priorities", "--since", "2020-01-01")
    assert set(result) == {"method", "period", "items"}
    assert result["period"]["since"] == "2020-01-01" and result["period"]["retours"] == 2
    assert all(set(item) >= ITEM_KEYS for item in result["items"])
    rh = [i for i in result["items"] if i["job"] == "rh"]
    assert rh[0]["doc_id"] == "cas-usage-ressources-humaines" and rh[0]["minutes_saved"] == 60
    csv_path = tmp_path / "prio.csv"
    table = runner.invoke(app, ["priorities", "--csv", str(csv_path)])
    assert table.exit_code == 0 and "Un cas d'usage est une section" in table.stdout
    assert csv_path.read_text(encoding="utf-8").startswith("\ufeffrang;métier")
    bad = runner.invoke(app, ["priorities", "--since", "2026-13-01"])
    assert bad.exit_code == 2 and "Date illisible pour --since" in bad.stderr
