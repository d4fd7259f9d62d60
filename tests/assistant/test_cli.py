import json
import os
import subprocess
import sys

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
    } <= set(names)
    assert report["can_serve"] is True
    assert str(data_dir) in names["dossier de données"]["detail"]
    assert "auto → extractive" in names["moteur de génération"]["detail"]
    assert "ne répond pas" in names["moteur de génération"]["detail"]
    assert names["télémétrie"]["ok"]


def test_doctor_sees_ollama_and_its_missing_model(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    with FakeOllama(models=["bge-m3:latest"]) as server:
        monkeypatch.setenv("ASSISTANT_LLM__OLLAMA_URL", server.url)
        result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0
    detail = {c["name"]: c for c in json.loads(result.output)["checks"]}["moteur de génération"]
    assert "ollama pull mistral-nemo" in detail["detail"]


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
