"""PDF: text by page, reflowed, encrypted files refused."""

from __future__ import annotations

import io
import re
from typing import Any

from ._base import (
    Block,
    IngestionError,
    LoaderResult,
    _clean_title,
    _Context,
    _core_title,
    _encrypted,
    _humanise_stem,
)


def _reflow_pdf_page(text: str) -> str:
    """Join the lines pypdf returns into paragraphs (blank lines and sentence ends break)."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", raw).strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        bullet = bool(re.match(r"^(?:[-•▪◦*]|\d+[.)])\s", line))
        if current and (bullet or (re.search(r"[.!?:»]$", current[-1]) and line[:1].isupper())):
            paragraphs.append(" ".join(current))
            current = []
        if current and current[-1].endswith("-") and line[:1].islower():
            current[-1] = current[-1][:-1] + line
        else:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _load_pdf(data: bytes, context: _Context) -> LoaderResult:
    import pypdf
    from pypdf.errors import PdfReadError

    name = context.name
    corrupt = IngestionError(
        "corrupt",
        f"« {name} » n'est pas un PDF lisible (fichier endommagé ou incomplet). "
        "Exportez-le de nouveau en PDF puis réessayez.",
    )
    if b"%PDF-" not in data[:1024]:
        raise corrupt
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except PdfReadError as error:
        if "encrypt" in str(error).lower() or "password" in str(error).lower():
            raise _encrypted(name) from error
        raise corrupt from error
    except Exception as error:  # pypdf raises many kinds of errors on broken files
        raise corrupt from error
    if encrypted:
        raise _encrypted(name)
    metadata: dict[str, Any] = {}
    try:
        info = reader.metadata
        if info is not None:
            if _core_title(info.title):
                metadata["title"] = _core_title(context.norm(str(info.title)))
            if info.subject:
                metadata["subject"] = context.norm(str(info.subject))
        pages = list(reader.pages)
    except Exception as error:
        raise corrupt from error
    title = _clean_title(metadata.get("title")) or _humanise_stem(name)
    blocks: list[Block] = []
    failures = 0
    for number, page in enumerate(pages, start=1):
        try:
            raw = page.extract_text() or ""
        except Exception:
            failures += 1
            continue
        text = _reflow_pdf_page(context.norm(raw))
        if text.strip():
            blocks.append(Block((title,), text, number))
    if not blocks:
        if pages and failures == len(pages):
            raise corrupt
        raise IngestionError(
            "empty",
            f"« {name} » ne contient pas de texte extractible (document numérisé ?). La "
            "reconnaissance de caractères (OCR) n'est pas prise en charge : exportez une version "
            "texte du document (PDF issu du traitement de texte) puis réessayez.",
        )
    return metadata, blocks, None, len(pages)
