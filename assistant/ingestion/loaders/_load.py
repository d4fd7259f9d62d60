"""Entry points: a file or uploaded bytes -> the loader of its format -> a LoadedDocument."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ._base import (
    _ACCEPTED,
    _FORMATS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    IngestionError,
    LoadedDocument,
    LoaderResult,
    _clean_title,
    _Context,
    _humanise_stem,
)
from ._html import _load_html
from ._office import _load_docx, _load_odt
from ._pdf import _load_pdf
from ._text import _load_markdown, _load_txt


def _format_for(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in _FORMATS:
        shown = suffix or "sans extension"
        raise IngestionError(
            "unsupported_type",
            f"« {name} » n'est pas pris en charge (format {shown}). Formats acceptés : "
            f"{_ACCEPTED}.",
        )
    return _FORMATS[suffix]


def _too_large(name: str, max_bytes: int) -> IngestionError:
    return IngestionError(
        "too_large",
        f"« {name} » dépasse la taille maximale autorisée ({_human_size(max_bytes)}) : "
        "découpez-le ou allégez-le (images compressées, annexes à part) puis réessayez.",
    )


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} Mo".replace(".", ",")
    if size >= 1024:
        return f"{size / 1024:.0f} Ko"
    return f"{size} octets"


def load_document(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> LoadedDocument:
    """Load a file from disk; its size is checked before it is read."""
    path = Path(path)
    _format_for(path.name)
    try:
        size = path.stat().st_size
    except FileNotFoundError as error:
        raise IngestionError("not_found", f"« {path.name} » est introuvable.") from error
    if size > max_bytes:
        raise _too_large(path.name, max_bytes)
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    return load_bytes(
        path.name, data, max_bytes=max_bytes, max_uncompressed_bytes=max_uncompressed_bytes
    )


def load_bytes(
    name: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> LoadedDocument:
    """Load an uploaded file from its name (for the type) and bytes."""
    name = Path(name).name or name
    fmt = _format_for(name)
    if len(data) > max_bytes:
        raise _too_large(name, max_bytes)
    if not data.strip():
        raise _empty(name)
    loader = _LOADERS[fmt]
    context = _Context(name=name, max_uncompressed_bytes=max_uncompressed_bytes)
    metadata, blocks, raw_html, page_count = loader(data, context)
    blocks = tuple(b for b in blocks if b.text.strip())
    if not blocks and context.hidden:
        raise IngestionError(
            "hidden_only",
            f"« {name} » : tout son texte est masqué par la mise en page (invisible pour un "
            "lecteur de la page), rien n'a donc été indexé. Vérifiez le fichier d'origine.",
        )
    if not blocks:
        raise _empty(name)
    metadata = dict(metadata)
    metadata["title"] = _clean_title(metadata.get("title")) or _humanise_stem(name)
    metadata["invisible_chars"] = context.invisible
    return LoadedDocument(
        source_name=name,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        metadata=metadata,
        blocks=blocks,
        raw_html=raw_html,
        page_count=page_count,
        hidden_text=tuple(context.hidden),
    )


def _empty(name: str) -> IngestionError:
    return IngestionError("empty", f"« {name} » ne contient aucun texte à indexer.")


_LOADERS: dict[str, Callable[[bytes, _Context], LoaderResult]] = {
    "md": _load_markdown,
    "txt": _load_txt,
    "html": _load_html,
    "pdf": _load_pdf,
    "docx": _load_docx,
    "odt": _load_odt,
}
