"""Loaders: one file (Markdown, text, HTML, PDF, DOCX, ODT) -> a :class:`LoadedDocument`.

Every text goes through :func:`guardrails.injection.normalise_text` (NFKC, invisible characters
removed); how many invisible characters were removed is kept in
``metadata["invisible_chars"]`` for the injection scan. A file that cannot be ingested raises
:class:`IngestionError` with a French message that names the file and says what to do, and
never quotes the document's content.

Safety checks happen before any parsing: size (before reading a file), zip structure, total
uncompressed size and compression ratio for DOCX/ODT (zip bombs), encryption for PDF/DOCX/ODT.
Hidden HTML text (as :mod:`guardrails.html_visibility` defines it: ``display:none`` and
``visibility:hidden`` from ``style`` attributes or ``<style>`` rules, the ``hidden`` and
``aria-hidden`` attributes, text of its background's colour, off-screen, clipped or tiny text...)
is left out of the text and listed in ``hidden_text``; ``raw_html`` keeps it for
:func:`guardrails.injection.scan_html`, which reports it by the same definition.

Layout: ``_base`` (document types, errors, shared helpers), ``_load`` (entry points and the
loader of each format), ``_text`` (Markdown, text), ``_html``, ``_pdf``, ``_office`` (DOCX,
ODT) and ``_zip`` (zip safety of office documents, checked before parsing).
"""

from ._base import SUPPORTED_EXTENSIONS, Block, IngestionError, LoadedDocument
from ._load import load_bytes, load_document

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "Block",
    "IngestionError",
    "LoadedDocument",
    "load_bytes",
    "load_document",
]
