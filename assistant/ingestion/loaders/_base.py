"""What every loader shares: the document types, the French ingestion errors, the parsing
context and the title and section helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.html_visibility import HiddenText
from guardrails.injection import count_invisible, normalise_text

SUPPORTED_EXTENSIONS = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".odt"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FLOOR = 10 * 1024 * 1024  # ratios are only checked above this uncompressed size
MAX_ZIP_MEMBERS = 10_000

_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
}
_ACCEPTED = "Markdown (.md), texte (.txt), HTML (.html), PDF, Word (.docx) et OpenDocument (.odt)"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class IngestionError(Exception):
    """A document that cannot be ingested.

    ``code`` is stable (``unsupported_type``, ``empty``, ``hidden_only``, ``too_large``,
    ``corrupt``, ``encrypted``, ``zip_bomb``, ``encoding``, ``front_matter``; callers may add
    their own);
    ``message`` is a French sentence, safe to show: it names the file, never quotes its content.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"IngestionError({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class Block:
    """A run of text under one heading path (and, for PDF, on one page)."""

    heading_path: tuple[str, ...]
    text: str
    page: int | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed, normalised document, ready for the injection scan and chunking.

    ``metadata`` always has ``title`` and ``invisible_chars``; Markdown adds its front matter
    (dates as ISO strings), other formats the title and subject of their properties where
    present. Authors are deliberately not read (personal data). ``hidden_text``: the text a
    reader of an HTML page cannot see, left out of ``blocks`` (normalised, one per element).
    """

    source_name: str
    format: str
    sha256: str
    metadata: dict[str, Any]
    blocks: tuple[Block, ...]
    raw_html: str | None = None
    page_count: int | None = None
    hidden_text: tuple[HiddenText, ...] = ()

    @property
    def text(self) -> str:
        """The whole document as plain text: each block, preceded by its headings when they
        change (Markdown ``#`` style), blocks separated by blank lines."""
        parts: list[str] = []
        previous: tuple[str, ...] = ()
        for block in self.blocks:
            path = block.heading_path
            common = 0
            while common < min(len(path), len(previous)) and path[common] == previous[common]:
                common += 1
            for depth in range(common, len(path)):
                parts.append(f"{'#' * min(depth + 1, 6)} {path[depth]}")
            parts.append(block.text)
            previous = path
        return "\n\n".join(parts)


@dataclass
class _Context:
    name: str
    max_uncompressed_bytes: int
    invisible: int = 0
    hidden: list[HiddenText] = field(default_factory=list)

    def norm(self, text: str) -> str:
        self.invisible += count_invisible(text)
        return normalise_text(text)


LoaderResult = tuple[dict[str, Any], list[Block], str | None, int | None]


def _humanise_stem(name: str) -> str:
    stem = Path(name).stem
    words = re.sub(r"[_\-.]+", " ", stem).split()
    text = " ".join(words) or stem
    return text[:1].upper() + text[1:]


_PLACEHOLDER_TITLE = re.compile(
    r"^(?:untitled|sans titre|document\s*\d*|titre|title|diapositive\s*\d*|slide\s*\d*|"
    r"microsoft (?:word|powerpoint|excel) - .*|.*\.(?:docx?|odt|pdf|pptx?|rtf|txt))$",
    re.IGNORECASE,
)


def _clean_title(value: Any) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", normalise_text(str(value))).strip()


def _core_title(value: Any) -> str:
    """A title from file properties, or "" for a tool's placeholder ("untitled", "Document1")."""
    text = _clean_title(value)
    return "" if _PLACEHOLDER_TITLE.match(text) else text


def _clean_heading(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip("*_`").strip()


@dataclass
class _Sections:
    """Accumulates paragraphs under a heading stack and emits one Block per section."""

    blocks: list[Block] = field(default_factory=list)
    stack: list[tuple[int, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    first_h1: str = ""
    page: int | None = None

    def heading(self, level: int, text: str) -> None:
        text = _clean_heading(text)
        if not text:
            return
        self.flush()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        if level <= 1 and not self.first_h1:
            self.first_h1 = text

    def paragraph(self, text: str) -> None:
        lines = [line.rstrip() for line in text.split("\n")]
        text = "\n".join(lines).strip("\n")
        if text.strip():
            self.paragraphs.append(text)

    def flush(self) -> None:
        if self.paragraphs:
            path = tuple(text for _, text in self.stack)
            self.blocks.append(Block(path, "\n\n".join(self.paragraphs), self.page))
        self.paragraphs = []


def _decode_text(data: bytes, name: str) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")  # "Unicode" of Notepad: unambiguous thanks to its BOM
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestionError(
            "encoding",
            f"« {name} » n'est pas encodé en UTF-8. Ouvrez-le dans LibreOffice Writer "
            "(Fichier > Enregistrer sous, « Texte encodé », jeu de caractères Unicode UTF-8) "
            "ou dans le Bloc-notes (Enregistrer sous, codage UTF-8), puis réessayez.",
        ) from error


def _encrypted(name: str) -> IngestionError:
    return IngestionError(
        "encrypted",
        f"« {name} » est protégé par un mot de passe : enregistrez-en une version sans "
        "protection puis réessayez.",
    )
