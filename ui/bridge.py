"""The page's way into the app's services: the same answers, records, metrics, quotas and rules
as the API's routes (``assistant.services``), with the caller the page authenticated.

The Gradio handlers never re-implement a rule: they call ``UiBridge``, which calls the services
and turns their refusals into ``UiError`` (a French message to show).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.services.documents import UploadedFile
from assistant.services.errors import ServiceError
from assistant.services.feedback import MAX_REASON_CHARS

if TYPE_CHECKING:
    from assistant.container import Container
    from assistant.services.state import Services
    from assistant.settings import Settings

log = logging.getLogger("ui")

CHANNEL = "interface"


class UiError(Exception):
    """An action refused or failed; ``str()`` is a French message for the user."""


class UiBridge:
    """The page's actions, on behalf of its users, through the app's services.

    The same services answer the API's routes: a rule (access code, lockout, quotas, limits,
    scrubbing) holds on both channels. A ``ServiceError`` becomes a ``UiError`` with its
    French message; any other failure is logged and shown as the API's internal error.
    """

    def __init__(self, services: Services, *, upload_dir: Path | None = None) -> None:
        self.services = services
        self._upload_dir = upload_dir

    @property
    def upload_dir(self) -> Path:
        """Where Gradio stores uploaded files: the only folder documents are imported from."""
        if self._upload_dir is None:
            from gradio.utils import get_upload_folder

            self._upload_dir = Path(get_upload_folder())
        return self._upload_dir

    @property
    def container(self) -> Container:
        return self.services.container

    @property
    def settings(self) -> Settings:
        return self.services.settings

    # ---- agents --------------------------------------------------------------------------
    @property
    def access_code_required(self) -> bool:
        return self.services.policy.access_code_required

    def access_code_ok(self, code: str | None, client: str) -> bool:
        """Whether the webinar code typed is right (True if none is required); failures count
        towards the same lockout as the API's, for this code and this address only."""
        with _service_errors():
            return self.services.policy.access_code_ok(code, client)

    def count_question(self, client: str) -> None:
        """Count one question (or retour) of ``client`` in the API's quota; over it, a
        ``UiError`` with the services' message, the very body of the API's 429."""
        with _service_errors():
            self.services.policy.count_question(client)

    async def answer_events(
        self,
        question: str,
        *,
        history: Sequence[Any],
        conversation_id: str,
        job: str | None,
    ) -> AsyncIterator[Any]:
        from assistant.services.jobs import normalise_job

        events = self.services.answers.events(
            question,
            history=history,
            conversation_id=conversation_id,
            job=normalise_job(job),
            channel=CHANNEL,
        )
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()

    async def passages(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The cited passages that can still be read, by chunk id."""
        with _service_errors():
            return await self.services.passages.readable(chunk_ids)

    async def check_text(self, text: str) -> dict[str, Any]:
        """« Vérifier mon texte »: nothing is stored."""
        with _service_errors():
            return await self.services.text_check.check(text)

    async def give_feedback(
        self, *, question_id: str, vote: str, reason: str, conversation_id: str | None
    ) -> dict[str, Any]:
        """Store a vote and its scrubbed reason."""
        with _service_errors():
            return await self.services.feedback.give(
                question_id=question_id,
                vote=vote,
                reason=reason[:MAX_REASON_CHARS],
                conversation_id=conversation_id,
            )

    # ---- trainers ------------------------------------------------------------------------
    async def login(self, username: str, password: str, client: str) -> str | None:
        """The trainer's name if the password matches ``settings.auth.trainers``, else None;
        the API's lockout applies (this account, from this address)."""
        with _service_errors():
            name = await self.services.policy.trainer_login(username, password, client)
        if name is None:
            log.info("trainer login refused")
        else:
            log.info("trainer login", extra={"trainer": name})
        return name

    async def list_documents(self, trainer: str) -> list[dict[str, Any]]:
        _trainer(trainer)
        with _service_errors():
            return await self.services.documents.list()

    async def upload(
        self,
        trainer: str,
        paths: Sequence[str | Path],
        *,
        theme: str | None = None,
        wait_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Import files: one report per file. A report whose ``status`` is ``queued`` or
        ``running`` is an import still going on in the background after ``wait_s`` (follow it
        with ``import_status``).

        The login is checked before any file is touched, and only files in Gradio's upload
        folder are read (the page also checks that its own session uploaded them)."""
        name = _trainer(trainer)
        checked = [self._uploaded_file(path) for path in paths]
        uploads = [await _read_upload(path) for path in checked]
        with _service_errors():
            reports, _ = await self.services.documents.upload(
                uploads, trainer=name, theme=theme or None, wait_s=wait_s
            )
        return reports

    async def replace(
        self, trainer: str, doc_id: str, path: str | Path, *, wait_s: float | None = None
    ) -> dict[str, Any]:
        """A new version of ``doc_id``."""
        name = _trainer(trainer)
        upload = await _read_upload(self._uploaded_file(path))
        with _service_errors():
            report, _ = await self.services.documents.replace(
                doc_id, upload, trainer=name, wait_s=wait_s
            )
        return report

    async def import_status(self, trainer: str, import_id: str) -> dict[str, Any]:
        """Where an import is."""
        _trainer(trainer)
        with _service_errors():
            return self.services.documents.import_status(import_id)

    async def cancel_import(self, trainer: str, import_id: str) -> dict[str, Any]:
        """Stop an import in progress."""
        _trainer(trainer)
        with _service_errors():
            report, _ = self.services.documents.cancel_import(import_id)
        return report

    async def remove(self, trainer: str, doc_id: str) -> dict[str, Any]:
        _trainer(trainer)
        with _service_errors():
            return await self.services.documents.remove(doc_id)

    async def approve(
        self, trainer: str, doc_id: str, *, wait_s: float | None = None
    ) -> dict[str, Any]:
        name = _trainer(trainer)
        with _service_errors():
            report, _ = await self.services.documents.approve(doc_id, trainer=name, wait_s=wait_s)
        return report

    async def analytics(
        self, trainer: str, *, since_minutes: int | None, limit: int = 200
    ) -> dict[str, Any]:
        _trainer(trainer)
        with _service_errors():
            return await self.services.analytics.questions(since_minutes=since_minutes, limit=limit)

    async def export_csv(self, trainer: str, *, since_minutes: int | None) -> bytes:
        _trainer(trainer)
        with _service_errors():
            _, content = await self.services.analytics.csv_export(since_minutes=since_minutes)
        return content.encode("utf-8")

    # ---- plumbing ------------------------------------------------------------------------
    def _uploaded_file(self, path: str | Path) -> Path:
        """``path`` if it lies in the upload folder (symbolic links resolved), else UiError:
        a file elsewhere on the server is never read, let alone deleted."""
        path = Path(path)
        resolved = path.resolve()
        if not resolved.is_relative_to(self.upload_dir.resolve()):
            log.warning("import refused: file outside the upload folder")
            raise UiError(not_uploaded_here(path.name))
        return resolved


@contextlib.contextmanager
def _service_errors() -> Iterator[None]:
    """A service's refusal becomes a ``UiError`` with its French message; any other failure
    (what the API answers with a 500) is logged with its type and place, never shown."""
    from assistant.api.errors import INTERNAL_ERROR

    try:
        yield
    except ServiceError as error:
        raise UiError(str(error)) from None
    except UiError:
        raise
    except Exception as error:
        log.error("ui action failed", exc_info=(type(error), error, error.__traceback__))
        raise UiError(INTERNAL_ERROR) from None


def client_address(request: Any) -> str:
    """The address of the page's caller (a ``gr.Request``), as the API's quotas key it."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "inconnu"


def not_uploaded_here(name: str) -> str:
    return (
        f"« {name} » n'a pas été déposé depuis cette page : déposez-le à nouveau dans la zone "
        "d'import, puis recommencez."
    )


def _trainer(name: str) -> str:
    """The logged-in trainer's name, or UiError when nobody is logged in on this page."""
    if not name:
        from ui.texts import LOGIN_NEEDED

        raise UiError(LOGIN_NEEDED)
    return name


async def _read_upload(path: Path) -> UploadedFile:
    """The bytes of a file Gradio received; the temporary copy is deleted at once, so uploaded
    documents (which may hold personal data) do not linger on disk."""
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        raise UiError(
            f"« {path.name} » n'est plus disponible (déjà importé ?) : déposez-le à nouveau."
        ) from None
    await asyncio.to_thread(path.unlink, missing_ok=True)
    return UploadedFile(path.name, data)
