"""Every error is JSON ``{"detail": "<French message>"}``: never a stack trace, never a value the
caller sent (validation errors name the field, not its content).

The OpenAPI schema says so too: :class:`ErrorResponse` is the body of every documented error,
and :func:`error_responses` gives a route the ``responses=`` entries of the statuses it can
answer (tests/api/test_contract.py holds the server to them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.services.errors import ServiceError
from assistant.services.ratelimit import retry_after_header

log = logging.getLogger("assistant.api")


class ErrorResponse(BaseModel):
    """The body of every error of the API, whatever its status."""

    model_config = ConfigDict(extra="forbid")

    detail: str = Field(
        description="Ce qui s'est passé et ce qu'il faut faire, en une phrase en français, "
        "à montrer tel quel. Ne reprend jamais une valeur envoyée : une requête invalide "
        "nomme le champ en cause.",
        examples=["Requête invalide — « question » : texte trop court (au moins 1)."],
    )


#: What each error status means on this API (routes may say it more precisely).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Corps de requête illisible (JSON qui n'est pas de l'UTF-8, envoi de fichiers mal "
    "formé ou interrompu).",
    401: "Authentification requise : code d'accès du webinaire (agents) ou identifiants de "
    "formateur, manquants ou incorrects.",
    403: "Identifiants valides, mais pas ceux d'un formateur.",
    404: "Ressource introuvable.",
    409: "L'état de la ressource ne permet pas cette action.",
    413: "Requête trop volumineuse : le corps dépasse la taille maximale acceptée "
    "(requêtes JSON ou envoi de fichiers).",
    422: "Requête invalide : le message nomme le champ en cause et la règle non respectée.",
    429: "Trop de requêtes en peu de temps (questions, ou tentatives d'authentification "
    "échouées) : réessayez après le délai indiqué par Retry-After.",
    503: "Service momentanément indisponible.",
}

_ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Schéma d'authentification attendu (Basic ou Bearer).",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Secondes à attendre avant de réessayer.",
            "schema": {"type": "string"},
        }
    },
}


def error_responses(
    *statuses: int | tuple[int, str], streamed: bool = False
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for error statuses, each with :class:`ErrorResponse` as its body.

    A status comes alone (its :data:`ERROR_DESCRIPTIONS` text) or as ``(status, description)``.
    ``streamed``: for a route whose ``response_class`` is not JSON (FastAPI would document the
    error bodies under the route's media type), the JSON body is spelled out instead.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for item in statuses:
        status, description = item if isinstance(item, tuple) else (item, None)
        entry: dict[str, Any] = {"description": description or ERROR_DESCRIPTIONS[status]}
        if streamed:
            reference = {"$ref": "#/components/schemas/ErrorResponse"}
            entry["content"] = {"application/json": {"schema": reference}}
        else:
            entry["model"] = ErrorResponse
        if status in _ERROR_HEADERS:
            entry["headers"] = _ERROR_HEADERS[status]
        responses[status] = entry
    return responses


INTERNAL_ERROR = (
    "Erreur interne du serveur : la demande n'a pas pu aboutir. "
    "L'incident est journalisé ; réessayez dans un instant."
)

_DEFAULT_DETAILS = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Accès refusé.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    406: "Format de réponse non disponible.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non pris en charge.",
    422: "Requête invalide.",
    429: "Trop de requêtes : réessayez dans un instant.",
    500: INTERNAL_ERROR,
    503: "Service momentanément indisponible.",
}

_VALIDATION_REASONS = {
    "missing": "champ obligatoire manquant",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "too_short": "liste trop courte",
    "too_long": "liste trop longue",
    "string_type": "du texte est attendu",
    "int_parsing": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "oui/non attendu (true/false)",
    "bool_type": "oui/non attendu (true/false)",
    "literal_error": "valeur non reconnue",
    "enum": "valeur non reconnue",
    "string_pattern_mismatch": "format non reconnu",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "json_invalid": "JSON invalide",
    "model_attributes_type": "un objet JSON est attendu",
    "dict_type": "un objet JSON est attendu",
    "list_type": "une liste est attendue",
    "extra_forbidden": "champ inconnu",
    "value_error": "valeur invalide",
}


UNREADABLE_BODY = (
    "Requête invalide — « corps de la requête » : illisible (un objet JSON encodé en UTF-8 est "
    "attendu)."
)
UNREADABLE_FORM = (
    "Requête invalide — « corps de la requête » : formulaire d'envoi de fichiers "
    "(multipart/form-data) mal formé ou hors limites."
)
# English details that FastAPI and Starlette raise themselves, while reading a body.
_FRAMEWORK_DETAILS = (
    (re.compile(r"^There was an error parsing the body$"), UNREADABLE_BODY),
    (
        re.compile(
            r"^(Missing boundary in multipart|Invalid multipart data|Too many (files|fields)\b|"
            r"(Part|Field) exceeded maximum size\b|The Content-Disposition header field)"
        ),
        UNREADABLE_FORM,
    ),
)


def french_detail(status_code: int, detail: object) -> str:
    """The French message for an HTTP error (the frameworks' English ones are replaced)."""
    if isinstance(detail, str) and detail:
        for pattern, french in _FRAMEWORK_DETAILS:
            if pattern.match(detail):
                return french
        if not _is_english_default(status_code, detail):
            return detail
    return _DEFAULT_DETAILS.get(status_code, "Erreur lors du traitement de la requête.")


def allowed_methods(request: Request) -> str:
    """The methods the OpenAPI schema documents for the requested path (``Allow`` of a 405).

    Starlette names only those of the first route whose path matches, while a path such as
    ``/api/documents/{doc_id}`` has one route per method. "" for a path the schema lacks.
    """
    app = request.app
    table = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            methods = [m.upper() for m in operations if m.upper() in _METHOD_ORDER]
            table.append((re.compile(pattern + "$"), methods))
        app.state.allowed_methods = table
    methods: set[str] = set()
    for pattern, documented in table:
        if pattern.match(request.url.path):
            methods.update(documented)
    return ", ".join(sorted(methods, key=_METHOD_ORDER.index))


_METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def _is_english_default(status_code: int, detail: str) -> bool:
    from http import HTTPStatus

    try:
        return detail == HTTPStatus(status_code).phrase
    except ValueError:
        return False


def describe_validation(exc: RequestValidationError) -> str:
    return describe_errors(exc.errors())


def describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """« Requête invalide — « champ » : raison. » from pydantic's errors (at most three)."""
    parts = []
    for error in list(errors)[:3]:
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(location) or "corps de la requête"
        reason = _VALIDATION_REASONS.get(error.get("type", ""), "valeur invalide")
        ctx = error.get("ctx") or {}
        for key, label in (
            ("max_length", "au plus"),
            ("min_length", "au moins"),
            ("le", "au plus"),
            ("ge", "au moins"),
        ):
            if key in ctx:
                reason += f" ({label} {ctx[key]})"
        if "expected" in ctx:
            reason += f" (attendu : {str(ctx['expected']).replace(' or ', ' ou ')})"
        parts.append(f"« {field} » : {reason}")
    return "Requête invalide — " + " ; ".join(parts) + "."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
        return JSONResponse(
            {"detail": french_detail(exc.status_code, exc.detail)},
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": describe_validation(exc)}, status_code=422)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after_s", None)
        headers = {"Retry-After": retry_after_header(retry_after)} if retry_after else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    # Last resort: InternalErrorMiddleware normally answers first (see middleware.py).
    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unhandled error",
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"path": request.url.path, "method": request.method},
        )
        return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)


#: The errors every trainer route may give (set on the trainers' routers).
TRAINER_ERRORS = error_responses(
    (401, "Authentification formateur requise (identifiant et mot de passe, ou jeton)."),
    403,
    422,
    (429, "Trop de tentatives d'authentification échouées (voir Retry-After)."),
)
#: The errors of an agent's route that reads a JSON body (« Vérifier mon texte », avis).
AGENT_BODY_ERRORS = error_responses(
    400,
    (401, "Code d'accès du webinaire manquant ou incorrect."),
    413,
    422,
    (429, "Trop de codes d'accès erronés en peu de temps (voir Retry-After)."),
)
