"""A file on the server is never taken for an uploaded document.

The attacker drives the page's hidden events with ``gradio_client`` as they would modify it:
the client-side refusal of hidden events is lifted, and a file value is sent as a bare path on
the server instead of being uploaded first. Whatever the path, nothing may be read, copied
into Gradio's cache, indexed, served by ``/api/passages`` or deleted; only a file uploaded in
the same session, by a trainer logged in, is imported.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ui.conftest import TRAINER, PageClient, file_value

pytestmark = pytest.mark.slow


BUTTONS = (
    "Retirer du corpus",
    "Valider (document en quarantaine)",
    "Remplacer par cette nouvelle version",
)


@pytest.fixture
def page_client(live) -> Iterator[PageClient]:
    client = PageClient(live.base_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def secret_document(tmp_path) -> tuple[Path, str]:
    """A Markdown file on the server, outside anything uploaded, with a unique marker."""
    marker = f"SECRET-{uuid.uuid4().hex}"
    doc_id = f"fiche-{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{doc_id}.md"
    path.write_text(
        f'---\nid: {doc_id}\ntitle: Fichier du serveur\ntheme: charte\nversion: "1"\n---\n'
        f"# Fichier du serveur\n\n## Contenu\n\nLe mot de passe de la base est {marker}.\n",
        encoding="utf-8",
    )
    return path, marker


def upload_folder() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


def copies_of(marker: str) -> list[Path]:
    """Files under Gradio's upload and cache folder holding ``marker``."""
    folder = upload_folder()
    if not folder.exists():
        return []
    found = []
    for path in folder.rglob("*"):
        try:
            if path.is_file() and marker.encode() in path.read_bytes():
                found.append(path)
        except OSError:
            continue
    return found


def refused(outcome: Any) -> bool:
    """An error from the server, or the page's French refusal in the status line."""
    from gradio_client.exceptions import AppError

    if isinstance(outcome, AppError):
        return True
    status = outcome[0] if isinstance(outcome, (list, tuple)) else outcome
    return isinstance(status, str) and status.startswith("**Erreur :**")


def not_indexed(live, doc_id: str, marker: str) -> None:
    assert live.container.index.manifest.get(doc_id) is None
    with httpx.Client(base_url=live.base_url, timeout=60) as http:
        answer = http.post("/api/ask", json={"question": "Quel est le mot de passe de la base ?"})
    assert marker not in answer.json()["answer"]


@pytest.mark.parametrize("target", ["etc-passwd", "tmp-file"])
def test_anonymous_caller_cannot_have_a_server_file_copied_or_read(
    live, page_client, secret_document, target
):
    path, marker = secret_document
    if target == "etc-passwd":
        path, marker = Path("/etc/passwd"), Path("/etc/passwd").read_text().splitlines()[0]
    value = file_value(path)
    outcome = page_client.try_call("import", "click", [value], "")
    assert refused(outcome), outcome
    # The buttons on a chosen document take the « new version » file too.
    for button in BUTTONS:
        page_client.try_call(button, "click", None, value)
    assert copies_of(marker) == [], "a server file was copied into Gradio's cache"
    assert path.exists()
    assert live.container.index.manifest.get("charte-ia") is not None


def test_trainer_cannot_import_a_server_file(live, page_client, secret_document):
    path, marker = secret_document
    page_client.log_in()
    page_client.call("Actualiser la liste", "click")  # the list of documents to choose from
    doc_id = path.stem

    outcome = page_client.try_call("import", "click", [file_value(path)], "")
    assert refused(outcome), outcome
    # Declaring the path as an upload of the session does not make it one.
    with contextlib.suppress(LookupError):
        page_client.try_call("upload", "upload", [file_value(path)])
    outcome = page_client.try_call("import", "click", [file_value(path)], "")
    assert refused(outcome), outcome
    outcome = page_client.try_call(BUTTONS[2], "click", "charte-ia", file_value(path))
    assert refused(outcome), outcome
    assert live.container.index.manifest.get("charte-ia").version == "2"

    passwd = page_client.try_call("import", "click", [file_value("/etc/passwd")], "")
    assert refused(passwd), passwd
    assert path.exists()
    assert copies_of(marker) == []
    not_indexed(live, doc_id, marker)


def test_only_files_uploaded_in_the_same_session_are_imported(live, secret_document):
    """Another session's upload (here: another trainer's) is refused; the uploader's own goes
    through, once."""
    path, marker = secret_document
    owner, other = PageClient(live.base_url), PageClient(live.base_url)
    try:
        owner.log_in()
        other.log_in()
        uploaded = [Path(owner.upload(path))]
        stolen = other.try_call("import", "click", [file_value(uploaded[0])], "")
        assert refused(stolen), stolen
        assert uploaded[0].exists(), "another session's upload was read and deleted"
        assert live.container.index.manifest.get(path.stem) is None

        outputs = owner.call("import", "click", [file_value(uploaded[0])], "")
        status, report = outputs[0], outputs[1]  # then the files box and the import buttons
        assert "1 fichier traité" in status, status
        assert report["data"][0][1] == "indexé"
        assert live.container.index.manifest.get(path.stem) is not None
        assert not uploaded[0].exists(), "the uploaded copy must not linger on disk"
    finally:
        owner.close()
        other.close()
        trainer = httpx.BasicAuth(*TRAINER)
        with httpx.Client(base_url=live.base_url, timeout=60, auth=trainer) as http:
            http.delete(f"/api/documents/{path.stem}")
