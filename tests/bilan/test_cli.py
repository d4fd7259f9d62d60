"""`assistant bilan`: the file written for a period and a format, French errors otherwise."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli import app
from tests.bilan.conftest import read_back, seed

runner = CliRunner()


def _seeded(container, data_dir):
    # The CLI builds its own container from the environment (ASSISTANT_DATA_DIR = data_dir).
    seed(container)
    container.database.dispose()


def _bilan(*args: str):
    """``assistant bilan`` over the seeded fortnight."""
    return runner.invoke(app, ["bilan", "--from", "2026-10-05", "--to", "2026-10-18", *args])


def test_cli_writes_each_format(container, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "extractive")
    _seeded(container, data_dir)
    for fmt, name in (("odt", "b.odt"), ("docx", "b.docx"), ("pdf", "b.pdf"), ("md", "b.zip")):
        out = tmp_path / name
        result = _bilan("--format", fmt, "--out", str(out), "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["path"] == str(out)
        assert "1. Synthèse" in read_back(out, fmt)["text"]
    markdown = tmp_path / "b.md"
    result = _bilan("--format", "md", "--out", str(markdown))
    assert result.exit_code == 0, result.output
    assert "Bilan écrit" in result.stdout
    assert len(list(tmp_path.glob("b-*.png"))) == 5  # no quality history before October 18


def test_cli_refuses_bad_input_in_french(data_dir, tmp_path):
    cases = [
        (["--from", "2026-13-01"], "Date de début illisible"),
        (["--from", "2026-10-18", "--to", "2026-10-05"], "postérieure à la date de fin"),
        (["--format", "rtf"], "Format inconnu"),
    ]
    for arguments, message in cases:
        result = runner.invoke(app, ["bilan", *arguments, "--out", str(tmp_path / "x.pdf")])
        assert result.exit_code == 2
        assert message in result.stderr
        assert not (tmp_path / "x.pdf").exists()
    missing = runner.invoke(app, ["bilan", "--out", str(tmp_path / "nulle-part" / "x.pdf")])
    assert missing.exit_code == 2 and "Dossier introuvable" in missing.stderr
