import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from assistant.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _env_names(model: type[BaseModel], prefix: str = "ASSISTANT_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_env_example_documents_every_setting_in_french():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    lines = text.splitlines()
    for name in _env_names(Settings):
        assert any(line.startswith(f"{name}=") for line in lines), f"{name} absent de .env.example"
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}="))
        assert lines[index - 1].startswith("# "), f"{name} sans description"


def test_nested_environment_variables(monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "ollama")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "7")
    settings = load_settings()
    assert settings.llm.backend == "ollama"
    assert settings.retrieval.top_k == 7


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    (Path.cwd() / ".env").write_text("ASSISTANT_LLM__OLLAMA_MODEL=qwen2.5:3b\n", encoding="utf-8")
    assert load_settings().llm.ollama_model == "qwen2.5:3b"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("ASSISTANT_LLM__BACKEND", "gpt", "ASSISTANT_LLM__BACKEND"),
        ("ASSISTANT_RETRIEVAL__TOP_K", "beaucoup", "ASSISTANT_RETRIEVAL__TOP_K"),
        ("ASSISTANT_SERVER__PORT", "70000", "ASSISTANT_SERVER__PORT"),
    ],
)
def test_invalid_setting_gives_one_french_line_naming_it(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert expected in message
    assert message.startswith("Paramètre invalide")
    assert "\n" not in message


@pytest.mark.slow
def test_invalid_setting_stops_the_cli_without_traceback(data_dir):
    env = {**os.environ, "ASSISTANT_LLM__BACKEND": "gpt", "ASSISTANT_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Paramètre invalide ASSISTANT_LLM__BACKEND" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_requires_a_trainer_account(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match="ASSISTANT_AUTH__TRAINERS"):
        load_settings()
