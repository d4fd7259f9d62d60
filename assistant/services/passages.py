"""Cited passages: what every citation's ``url`` shows (indexed documents only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.services.errors import NotFound

if TYPE_CHECKING:
    from assistant.services.state import Services

GONE = "Ce passage n'existe pas ou a été retiré du corpus."


class PassageService:
    """Read the passages of the indexed documents (not those quarantined or removed)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def show(self, chunk_id: str) -> dict[str, Any]:
        """A passage's text and how to cite it: document, title, section, page, theme,
        version; NotFound for a passage unknown, quarantined or removed."""
        index = self.services.container.index
        if chunk_id not in index.manifest.active_chunk_ids:
            raise NotFound(GONE)
        chunks = await self.services.run_io(index.get_chunks, [chunk_id])
        if not chunks:
            raise NotFound(GONE)
        chunk = chunks[0]
        meta = chunk.metadata
        doc_id = str(meta.get("doc_id", ""))
        record = index.manifest.get(doc_id)
        page = int(meta.get("page", -1))
        section_path = str(meta.get("section_path", ""))
        title = str(meta.get("title", ""))
        citation = f"{title} — {section_path or title}" + (f", page {page}" if page >= 0 else "")
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
            "citation": citation,
            "text": chunk.text,
        }

    async def readable(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The passages among ``chunk_ids`` that can still be read, by chunk id."""
        found = {}
        for chunk_id in dict.fromkeys(chunk_ids):
            try:
                found[chunk_id] = await self.show(chunk_id)
            except NotFound:
                continue
        return found
