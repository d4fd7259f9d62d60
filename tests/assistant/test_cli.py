import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.servers.fake_ollama import FakeOllama

runner = CliRunner()


def test_help_is_in_french():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Vérifier la configuration" in result.output
    assert "Importer des documents" in result.output


def test_doctor_reports_every_part_and_can_serve_without_an_llm(monkeypatch, data_dir):
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    monkeypatch.setenv("ASSISTANT_LLM__OLLAMA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ASSISTANT_LLM__CONNECT_TIMEOUT_S", "0.5")
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    names = {check["name"]: check for check in report["checks"]}
    assert {
        "dossier de données",
        "moteur de génération",
        "plongements",
        "base vectorielle",
        "modèle spaCy",
        "télémétrie",
        "base des enregistrements",
    } <= set(names)
    assert report["can_serve"] is True
    assert str(data_dir) in names["dossier de données"]["detail"]
    assert "auto → extractive" in names["moteur de génération"]["detail"]
    assert "ne répond pas" in names["moteur de génération"]["detail"]
    assert names["télémétrie"]["ok"]
    database = names["base des enregistrements"]
    assert database["ok"] and "assistant.sqlite3" in database["detail"]
    assert "version 0003_queue" in database["detail"]


def test_doctor_fails_when_the_database_cannot_be_reached(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "extractive")
    monkeypatch.setenv(
        "ASSISTANT_DATABASE__URL", "postgresql://assistant:secret-db@127.0.0.1:9/assistant"
    )
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    check = {c["name"]: c for c in report["checks"]}["base des enregistrements"]
    assert report["can_serve"] is False and check["ok"] is False
    assert "127.0.0.1:9" in check["detail"] and "secret-db" not in result.output


@pytest.mark.slow
def test_doctor_sees_ollama_and_its_missing_model(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    with FakeOllama(models=["bge-m3:latest"]) as server:
        monkeypatch.setenv("ASSISTANT_LLM__OLLAMA_URL", server.url)
        result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0
    detail = {c["name"]: c for c in json.loads(result.output)["checks"]}["moteur de génération"]
    assert "ollama pull mistral-nemo" in detail["detail"]


@pytest.mark.slow
def test_doctor_fails_when_the_data_dir_cannot_be_written(monkeypatch, tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(blocker / "data"))
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "extractive")
    env = {**os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "doctor", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["can_serve"] is False


def _hashing_env(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "extractive")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__MIN_RELEVANCE", "0")


def test_ingest_then_docs_list_show_remove(monkeypatch, tmp_path):
    from tests.assistant.ingestion.test_pipeline import write_doc

    _hashing_env(monkeypatch)
    folder = tmp_path / "docs"
    folder.mkdir()
    write_doc(folder, "fiche-test", "## Le référent IA\nIl anime le réseau des agents.\n")
    (folder / "casse.pdf").write_bytes(b"%PDF-1.4 rien")
    result = runner.invoke(app, ["ingest", str(folder), "--json"])
    assert result.exit_code == 1  # one file failed
    outcomes = {o["source"]: o for o in json.loads(result.output)}
    assert outcomes["fiche-test.md"]["status"] == "indexed"
    assert outcomes["casse.pdf"]["status"] == "failed"
    assert "casse.pdf" in outcomes["casse.pdf"]["message"]

    listing = json.loads(runner.invoke(app, ["docs", "list", "--json"]).output)
    assert [d["doc_id"] for d in listing] == ["fiche-test"]
    shown = json.loads(runner.invoke(app, ["docs", "show", "fiche-test", "--json"]).output)
    assert shown["sections"] == ["Fiche fiche-test > Le référent IA"]
    assert runner.invoke(app, ["docs", "remove", "fiche-test"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["docs", "list", "--json"]).output) == []
    missing = runner.invoke(app, ["docs", "show", "absent"])
    assert missing.exit_code == 1


def test_ask_json_gives_the_contract_fields(monkeypatch, tmp_path):
    from tests.assistant.ingestion.test_pipeline import write_doc

    _hashing_env(monkeypatch)
    folder = tmp_path / "docs"
    folder.mkdir()
    write_doc(folder, "fuite", "## Que faire après une fuite\nPrévenez le RSSI et le DPO.\n")
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    result = runner.invoke(
        app, ["ask", "Que faire après une fuite ? Appelez-moi au 06 12 34 56 78", "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert {
        "answer",
        "citations",
        "refused",
        "coverage",
        "backend",
        "scrubbed_question",
        "findings",
        "timings",
    } <= set(answer)
    assert answer["backend"] == "extractive"
    assert answer["findings"] == ["TÉLÉPHONE"]
    assert "06 12 34 56 78" not in result.output
    assert set(answer["citations"][0]) == {
        "n",
        "doc_id",
        "title",
        "section",
        "page",
        "theme",
        "score",
    }


def test_scrub_jsonl_streams_one_result_per_line(monkeypatch):
    lines = (
        "\n".join(
            [
                json.dumps({"text": "Appeler Mme Durand au 06 12 34 56 78."}),
                "pas du json",
                json.dumps({"text": "Rien à masquer ici."}),
            ]
        )
        + "\n"
    )
    result = runner.invoke(app, ["scrub", "--jsonl"], input=lines)
    outputs = [json.loads(line) for line in result.output.splitlines()]
    assert len(outputs) == 3
    assert "06 12 34 56 78" not in outputs[0]["text"]
    assert {f["type"] for f in outputs[0]["findings"]} == {"PERSONNE", "TÉLÉPHONE"}
    assert set(outputs[0]["findings"][0]) == {"type", "start", "end", "score", "placeholder"}
    assert "error" in outputs[1] and "Ligne 2" in outputs[1]["error"]
    assert outputs[2] == {"text": "Rien à masquer ici.", "findings": []}
    assert result.exit_code == 1


def test_scrub_reads_an_argument_or_stdin():
    result = runner.invoke(app, ["scrub", "Mon NIR est 1 84 12 76 451 089 46."])
    assert "[NIR_1]" in result.output and "451 089" not in result.output
    piped = runner.invoke(app, ["scrub"], input="Écrire à jean.dupont@example.org")
    assert "[EMAIL_1]" in piped.output


def test_hash_password_prints_one_unwrapped_line_when_piped():
    """Piped into a file or `.env`, the hash (90 characters) stays on one line, as is, with or
    without the password on the command line."""
    from assistant.security import verify_password

    password = "mot de passe [formatrice] à coller"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    for arguments, stdin in (
        (["--password", password], None),
        ([], f"{password}\n{password}\n"),  # the prompt, read from a pipe
    ):
        result = subprocess.run(
            [sys.executable, "-m", "assistant", "hash-password", *arguments],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        # The hash alone on stdout (the prompts go to stderr), whole.
        assert result.stdout.count("\n") == 1, result.stdout
        hash_line = result.stdout.strip()
        assert hash_line.startswith("pbkdf2_sha256$") and len(hash_line) > 80, result.stdout
        assert verify_password(password, hash_line)
