"""Cited passages: the target of every citation's ``url``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from assistant.api.deps import StateDep
from assistant.api.errors import error_responses

router = APIRouter(prefix="/api/passages", tags=["Sources"])


@router.get(
    "/{chunk_id}",
    summary="Lire un passage cité",
    responses=error_responses((404, "Passage inconnu ou retiré du corpus."), 422),
)
async def show_passage(chunk_id: str, state: StateDep) -> dict:
    """Texte d'un passage du corpus et de quoi le citer : document, titre, section, page,
    thème, version. Les adresses `url` des sources d'une réponse mènent ici. Seuls les
    passages des documents indexés sont lisibles (pas ceux en quarantaine ou retirés)."""
    index = state.container.index
    if chunk_id not in index.manifest.active_chunk_ids:
        raise HTTPException(404, "Ce passage n'existe pas ou a été retiré du corpus.")
    chunks = await state.run_io(index.get_chunks, [chunk_id])
    if not chunks:
        raise HTTPException(404, "Ce passage n'existe pas ou a été retiré du corpus.")
    chunk = chunks[0]
    meta = chunk.metadata
    doc_id = str(meta.get("doc_id", ""))
    record = index.manifest.get(doc_id)
    page = int(meta.get("page", -1))
    section_path = str(meta.get("section_path", ""))
    title = str(meta.get("title", ""))
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": doc_id,
        "title": title,
        "section": str(meta.get("section", "")),
        "section_path": section_path,
        "page": page if page >= 0 else None,
        "theme": str(meta.get("theme", "")),
        "version": str(meta.get("version", "")),
        "updated": record.updated if record else "",
        "citation": f"{title} — {section_path or title}" + (f", page {page}" if page >= 0 else ""),
        "text": chunk.text,
    }
