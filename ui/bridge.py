"""The UI's way into the API's code: the same answer flow, logs, metrics, quotas and routes.

The Gradio handlers never re-implement what ``assistant.api`` does: questions go through
``ApiState.answer_events`` (question log, metrics), and the trainer actions, the feedback, the
text check and the analytics call the API's route functions directly, with the caller the UI
authenticated. An ``HTTPException`` from a route becomes a ``UiError`` with its French detail.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("ui")

CHANNEL = "interface"
LOCKED_OUT = "Trop de tentatives échouées : réessayez dans une minute."


class UiError(Exception):
    """An action refused or failed; ``str()`` is a French message for the user."""


class ApiBridge:
    """Calls into the API's state and routes on behalf of the UI's users."""

    def __init__(
        self, container: Any, api_state: Any | None = None, *, upload_dir: Path | None = None
    ) -> None:
        if api_state is None:
            from assistant.api.state import ApiState

            # Standalone UI (no create_app): its own counters, same logs on disk.
            api_state = ApiState.build(container)
        self.state = api_state
        self._upload_dir = upload_dir

    @property
    def upload_dir(self) -> Path:
        """Where Gradio stores uploaded files: the only folder documents are imported from."""
        if self._upload_dir is None:
            from gradio.utils import get_upload_folder

            self._upload_dir = Path(get_upload_folder())
        return self._upload_dir

    @property
    def container(self) -> Any:
        return self.state.container

    @property
    def settings(self) -> Any:
        return self.state.container.settings

    # ---- agents --------------------------------------------------------------------------
    @property
    def access_code_required(self) -> bool:
        return self.state.authenticator.access_code_required

    def access_code_ok(self, code: str | None, client: str) -> bool:
        """Whether the webinar code typed is right (True if none is required); failures count
        towards the same lockout as the API's, for this code and this address only."""
        from assistant.api.auth import LockedOut

        code = (code or "").strip()
        if not code:  # nothing typed is no guess (as a request without the header)
            return not self.access_code_required
        try:
            return self.state.authenticator.check_access_code(code, client)
        except LockedOut:
            self.state.metrics.rate_limited.labels("authentification").inc()
            raise UiError(LOCKED_OUT) from None

    def question_wait(self, client: str) -> float:
        """Count one question of ``client``; seconds to wait if over the quota, else 0."""
        wait = self.state.question_limiter.hit(client)
        if wait:
            self.state.metrics.rate_limited.labels("questions").inc()
        return wait

    async def answer_events(
        self,
        question: str,
        *,
        history: Sequence[Any],
        conversation_id: str,
        job: str | None,
    ) -> AsyncIterator[Any]:
        from assistant.api.schemas import normalise_job

        events = self.state.answer_events(
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
        """The cited passages that can still be read, by chunk id (``GET /api/passages``)."""
        from fastapi import HTTPException

        from assistant.api.routes.passages import show_passage

        found = {}
        for chunk_id in dict.fromkeys(chunk_ids):
            try:
                found[chunk_id] = await show_passage(chunk_id=chunk_id, state=self.state)
            except HTTPException:
                continue
        return found

    async def check_text(self, text: str) -> dict[str, Any]:
        """« Vérifier mon texte » (``POST /api/check``): nothing is stored."""
        from assistant.api.auth import Caller
        from assistant.api.routes.check import CheckRequest, check_text

        body = _request(CheckRequest, text=text)
        return await self._call(check_text, body=body, state=self.state, caller=Caller("agent"))

    async def give_feedback(
        self, *, question_id: str, vote: str, reason: str, conversation_id: str | None
    ) -> dict[str, Any]:
        """Store a vote and its scrubbed reason (``POST /api/feedback``)."""
        from assistant.api.auth import Caller
        from assistant.api.routes.feedback import FeedbackRequest, give_feedback

        body = _request(
            FeedbackRequest,
            question_id=question_id,
            vote=vote,
            reason=reason[:2000],
            conversation_id=conversation_id,
        )
        return await self._call(give_feedback, body=body, state=self.state, caller=Caller("agent"))

    # ---- trainers ------------------------------------------------------------------------
    async def login(self, username: str, password: str, client: str) -> str | None:
        """The trainer's name if the password matches ``settings.auth.trainers``, else None;
        the API's lockout applies (this account, from this address)."""
        from assistant.api.auth import LockedOut

        try:
            caller = await self.state.authenticator.login(
                (username or "").strip(), password or "", client
            )
        except LockedOut:
            self.state.metrics.rate_limited.labels("authentification").inc()
            raise UiError(LOCKED_OUT) from None
        if not caller.is_trainer:
            log.info("trainer login refused")
            return None
        log.info("trainer login", extra={"trainer": caller.name})
        return caller.name

    async def list_documents(self, trainer: str) -> list[dict[str, Any]]:
        from assistant.api.routes.documents import list_documents

        return await self._call(list_documents, state=self.state, trainer=_trainer(trainer))

    async def upload(
        self,
        trainer: str,
        paths: Sequence[str | Path],
        *,
        theme: str | None = None,
        wait_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Import files (``POST /api/documents``): one report per file. A report whose
        ``status`` is ``queued`` or ``running`` is an import still going on in the background
        after ``wait_s`` (follow it with ``import_status``).

        The login is checked before any file is touched, and only files in Gradio's upload
        folder are read (the page also checks that its own session uploaded them)."""
        from fastapi import Response

        from assistant.api.routes.documents import upload_documents

        caller = _trainer(trainer)
        checked = [self._uploaded_file(path) for path in paths]
        uploads = [await _upload_file(path) for path in checked]
        return await self._call(
            upload_documents,
            state=self.state,
            trainer=caller,
            files=uploads,
            response=Response(),
            theme=theme or None,
            wait_s=wait_s,
        )

    async def replace(
        self, trainer: str, doc_id: str, path: str | Path, *, wait_s: float | None = None
    ) -> dict[str, Any]:
        """A new version of ``doc_id`` (``PUT /api/documents/{doc_id}``)."""
        from fastapi import Response

        from assistant.api.routes.documents import replace_document

        caller = _trainer(trainer)
        upload = await _upload_file(self._uploaded_file(path))
        return await self._call(
            replace_document,
            doc_id=doc_id,
            state=self.state,
            trainer=caller,
            file=upload,
            response=Response(),
            theme=None,
            wait_s=wait_s,
        )

    async def import_status(self, trainer: str, import_id: str) -> dict[str, Any]:
        """Where an import is (``GET /api/imports/{import_id}``)."""
        from assistant.api.routes.imports import show_import

        return await self._call(
            show_import, import_id=import_id, state=self.state, trainer=_trainer(trainer)
        )

    async def cancel_import(self, trainer: str, import_id: str) -> dict[str, Any]:
        """Stop an import in progress (``DELETE /api/imports/{import_id}``)."""
        from fastapi import Response

        from assistant.api.routes.imports import cancel_import

        return await self._call(
            cancel_import,
            import_id=import_id,
            state=self.state,
            trainer=_trainer(trainer),
            response=Response(),
        )

    async def remove(self, trainer: str, doc_id: str) -> dict[str, Any]:
        from assistant.api.routes.documents import remove_document

        return await self._call(
            remove_document, doc_id=doc_id, state=self.state, trainer=_trainer(trainer)
        )

    async def approve(
        self, trainer: str, doc_id: str, *, wait_s: float | None = None
    ) -> dict[str, Any]:
        from fastapi import Response

        from assistant.api.routes.documents import approve_document

        return await self._call(
            approve_document,
            doc_id=doc_id,
            state=self.state,
            trainer=_trainer(trainer),
            response=Response(),
            wait_s=wait_s,
        )

    async def analytics(
        self, trainer: str, *, since_minutes: int | None, limit: int = 200
    ) -> dict[str, Any]:
        from assistant.api.routes.analytics import question_analytics

        return await self._call(
            question_analytics,
            state=self.state,
            trainer=_trainer(trainer),
            since_minutes=since_minutes,
            limit=limit,
        )

    async def export_csv(self, trainer: str, *, since_minutes: int | None) -> bytes:
        from assistant.api.routes.analytics import export_csv

        response = await self._call(
            export_csv, state=self.state, trainer=_trainer(trainer), since_minutes=since_minutes
        )
        return bytes(response.body)

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

    @staticmethod
    async def _call(route: Any, **arguments: Any) -> Any:
        """Run an API route function with its arguments by name (its FastAPI dependencies
        given explicitly); its refusals become ``UiError``."""
        from fastapi import HTTPException
        from pydantic import ValidationError

        from assistant.api.errors import INTERNAL_ERROR

        try:
            return await route(**arguments)
        except HTTPException as error:
            raise UiError(str(error.detail)) from None
        except ValidationError as error:
            raise UiError(_invalid(error)) from None
        except Exception as error:
            # What the API answers with a 500: logged (type and place), never shown.
            log.error("ui action failed", exc_info=(type(error), error, error.__traceback__))
            raise UiError(INTERNAL_ERROR) from None


def _request(model: Any, **fields: Any) -> Any:
    """A route's request body, built as the route would validate it; refusals in French."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as error:
        raise UiError(_invalid(error)) from None


def _invalid(error: Any) -> str:
    from assistant.api.errors import describe_errors

    return describe_errors(error.errors()).replace("Requête invalide", "Saisie invalide", 1)


def not_uploaded_here(name: str) -> str:
    return (
        f"« {name} » n'a pas été déposé depuis cette page : déposez-le à nouveau dans la zone "
        "d'import, puis recommencez."
    )


def _trainer(name: str) -> Any:
    from assistant.api.auth import Caller

    if not name:
        from ui.texts import LOGIN_NEEDED

        raise UiError(LOGIN_NEEDED)
    return Caller("trainer", name, "interface")


async def _upload_file(path: str | Path) -> Any:
    """An in-memory ``UploadFile`` from a file Gradio received; the temporary copy is deleted
    at once, so uploaded documents (which may hold personal data) do not linger on disk."""
    from starlette.datastructures import UploadFile

    path = Path(path)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        raise UiError(
            f"« {path.name} » n'est plus disponible (déjà importé ?) : déposez-le à nouveau."
        ) from None
    await asyncio.to_thread(path.unlink, missing_ok=True)
    return UploadFile(file=io.BytesIO(data), size=len(data), filename=path.name)
