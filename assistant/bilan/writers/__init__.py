"""One writer per format; each maps the composed blocks to its file, and decides nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.bilan.document import Block


def _writer(fmt: str) -> Callable[[list[Block], Path], Path]:
    if fmt == "odt":
        from assistant.bilan.writers.odt import write_odt

        return write_odt
    if fmt == "docx":
        from assistant.bilan.writers.docx import write_docx

        return write_docx
    if fmt == "pdf":
        from assistant.bilan.writers.pdf import write_pdf

        return write_pdf
    from assistant.bilan.writers.markdown import write_markdown

    return write_markdown


def write(blocks: list[Block], fmt: str, out: Path) -> Path:
    """Write ``blocks`` as ``fmt`` (odt, docx, pdf, md) to ``out``."""
    return _writer(fmt)(blocks, out)
