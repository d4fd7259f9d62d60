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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from guardrails.html_visibility import HiddenText, PageVisibility, visible_text_of
from guardrails.injection import count_invisible, normalise_text

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "Block",
    "IngestionError",
    "LoadedDocument",
    "load_bytes",
    "load_document",
]

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


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Markdown and plain text
# --------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def _yaml_value(value: Any, norm: Callable[[str], str]) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return norm(value).strip()
    if isinstance(value, list):
        return [_yaml_value(item, norm) for item in value]
    if isinstance(value, dict):
        return {str(k): _yaml_value(v, norm) for k, v in value.items()}
    return value


def _front_matter(text: str, context: _Context) -> tuple[dict[str, Any], str]:
    if not re.match(r"\A---[ \t]*\n", text):
        return {}, text
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise IngestionError(
            "front_matter",
            f"« {context.name} » : l'en-tête YAML (entre deux lignes « --- ») n'est pas fermé. "
            "Ajoutez la ligne « --- » qui le termine.",
        )
    try:
        loaded = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        where = f" (ligne {line + 2})" if line is not None else ""
        raise IngestionError(
            "front_matter",
            f"« {context.name} » : l'en-tête YAML est invalide{where}. Vérifiez les deux-points, "
            "l'indentation et les guillemets autour des valeurs qui contiennent « : ».",
        ) from error
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise IngestionError(
            "front_matter",
            f"« {context.name} » : l'en-tête YAML doit être une liste de champs « clé: valeur ».",
        )
    metadata = {str(k): _yaml_value(v, context.norm) for k, v in loaded.items()}
    if "version" in metadata and metadata["version"] is not None:
        metadata["version"] = str(metadata["version"])
    return metadata, text[match.end() :]


def _load_markdown(data: bytes, context: _Context) -> LoaderResult:
    text = context.norm(_decode_text(data, context.name))
    metadata, body = _front_matter(text, context)
    sections = _Sections()
    paragraph: list[str] = []
    fence: str | None = None

    def end_paragraph() -> None:
        if paragraph:
            sections.paragraph("\n".join(paragraph))
            paragraph.clear()

    for line in body.split("\n"):
        if fence is not None:
            paragraph.append(line)
            if re.match(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", line):
                fence = None
                end_paragraph()
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            end_paragraph()
            fence = fence_match.group(1)
            paragraph.append(line)
            continue
        heading = _ATX.match(line)
        if heading:
            end_paragraph()
            sections.heading(len(heading.group(1)), heading.group(2) or "")
            continue
        setext = _SETEXT.match(line)
        if setext and len(paragraph) == 1 and not _is_list_or_quote(paragraph[0]):
            level = 1 if setext.group(1).startswith("=") else 2
            title = paragraph.pop()
            sections.heading(level, title)
            continue
        if not line.strip():
            end_paragraph()
        else:
            paragraph.append(line)
    end_paragraph()
    sections.flush()
    if not metadata.get("title") and sections.first_h1:
        metadata["title"] = sections.first_h1
    return metadata, sections.blocks, None, None


def _is_list_or_quote(line: str) -> bool:
    return bool(re.match(r"^\s*(?:[-*+>|]|\d+[.)])\s", line)) or line.lstrip().startswith("|")


def _load_txt(data: bytes, context: _Context) -> LoaderResult:
    text = context.norm(_decode_text(data, context.name))
    sections = _Sections()
    for paragraph in re.split(r"\n[ \t]*\n", text):
        sections.paragraph(paragraph)
    sections.flush()
    return {}, sections.blocks, None, None


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_DROPPED_TAGS = {
    "script",
    "style",
    "nav",
    "noscript",
    "template",
    "head",
    "svg",
    "iframe",
    "object",
    "embed",
    "canvas",
    "button",
    "select",
    "form",
}
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "caption",
    "hr",
    "body",
    "html",
}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


_INLINE_BREAKS = _BLOCK_TAGS | {"td", "th", "tr", "table", "pre", "blockquote"}


def _is_text(node: Any) -> bool:
    from bs4 import NavigableString

    # Exactly NavigableString: comments, doctypes, CDATA and script/style strings are subclasses.
    return isinstance(node, NavigableString) and type(node) is NavigableString


def _inline_text(node: Any, skipped: Callable[[Any], bool]) -> str:
    """Visible text of ``node`` (iterative: html.parser nests unclosed tags very deeply)."""
    parts: list[str] = []
    stack: list[Any] = list(reversed(list(node.children)))
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):  # a literal separator pushed below
            parts.append(item[0])
        elif _is_text(item):
            parts.append(str(item))
        elif not skipped(item):
            if item.name == "br":
                parts.append("\n")
                continue
            spaced = item.name in _INLINE_BREAKS
            if spaced:
                stack.append((" ",))
            stack.extend(reversed(list(item.children)))
            if spaced:
                parts.append(" ")
    return "".join(parts)


class _HtmlWalker:
    """Turns the visible part of a page into headings and paragraphs, without recursion.

    What is visible is decided by :class:`guardrails.html_visibility.PageVisibility`, the
    definition the injection scanner uses too; each hidden element that holds words is kept in
    ``context.hidden`` for the ingestion report.
    """

    def __init__(self, context: _Context, visibility: PageVisibility) -> None:
        self.context = context
        self.visibility = visibility
        self.sections = _Sections()
        self.buffer: list[str] = []
        self.quote_depth = 0
        self._reported: set[int] = set()

    def skipped(self, node: Any) -> bool:
        """Left out of the text: not an element, boilerplate (menus, forms...) or hidden."""
        from bs4 import Tag

        if not isinstance(node, Tag) or node.name in _DROPPED_TAGS:
            return True
        reason = self.visibility.hidden_reason(node)
        if reason is None:
            return False
        if id(node) not in self._reported:
            self._reported.add(id(node))
            text = normalise_text(visible_text_of(node)).strip()
            if re.search(r"\w", text):
                self.context.hidden.append(HiddenText(reason, text))
        return True

    def inline_text(self, node: Any) -> str:
        return _inline_text(node, self.skipped)

    def visible_within(self, node: Any, root: Any) -> bool:
        """``node`` and its ancestors up to ``root`` (excluded) are all shown."""
        while node is not None and node is not root:
            if self.skipped(node):
                return False
            node = node.parent
        return True

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            self.add(self.context.norm(text))

    def add(self, paragraph: str) -> None:
        if self.quote_depth:
            prefix = "> " * self.quote_depth
            paragraph = "\n".join(prefix + line for line in paragraph.split("\n"))
        self.sections.paragraph(paragraph)

    def end_quote(self) -> None:
        self.flush()
        self.quote_depth -= 1

    def walk(self, root: Any) -> None:
        frames: list[tuple[Any, Callable[[], None] | None]] = [(iter(root.children), None)]
        while frames:
            children, on_exit = frames[-1]
            child = next(children, None)
            if child is None:
                frames.pop()
                if on_exit is not None:
                    on_exit()
                continue
            if _is_text(child):
                self.buffer.append(re.sub(r"\s+", " ", str(child)))
                continue
            if self.skipped(child):
                continue
            name = child.name
            if name in _HEADINGS:
                self.flush()
                heading = self.context.norm(re.sub(r"\s+", " ", self.inline_text(child)))
                self.sections.heading(_HEADINGS[name], heading)
            elif name == "br":
                self.buffer.append("\n")
            elif name == "pre":
                self.flush()
                code = self.context.norm(self.inline_text(child)).strip("\n")
                if code.strip():
                    self.add(f"```\n{code}\n```")
            elif name == "blockquote":
                self.flush()
                self.quote_depth += 1
                frames.append((iter(child.children), self.end_quote))
            elif name == "table":
                self.flush()
                rows = []
                for row in child.find_all("tr"):
                    if not self.visible_within(row, child):
                        continue
                    cells = [
                        re.sub(r"\s+", " ", self.inline_text(cell)).strip()
                        for cell in row.find_all(["td", "th"])
                        if self.visible_within(cell, row)
                    ]
                    cells = [cell for cell in cells if cell]
                    if cells:
                        rows.append(" | ".join(cells))
                if rows:
                    self.add(self.context.norm("\n".join(rows)))
            elif name == "li":
                self.flush()
                self.buffer.append("- ")
                frames.append((iter(child.children), self.flush))
            elif name == "code":
                self.buffer.append("`" + re.sub(r"\s+", " ", self.inline_text(child)) + "`")
            elif name in _BLOCK_TAGS:
                self.flush()
                frames.append((iter(child.children), self.flush))
            else:
                frames.append((iter(child.children), None))


def _load_html(data: bytes, context: _Context) -> LoaderResult:
    from bs4 import BeautifulSoup, UnicodeDammit

    dammit = UnicodeDammit(data, is_html=True)
    markup = dammit.unicode_markup
    if markup is None:
        raise IngestionError(
            "encoding",
            f"« {context.name} » : impossible de déterminer l'encodage de la page. "
            "Enregistrez-la en UTF-8 puis réessayez.",
        )
    soup = BeautifulSoup(markup, "html.parser")
    metadata: dict[str, Any] = {}
    title_tag = soup.find("title")
    page_title = _core_title(title_tag.get_text()) if title_tag else ""
    html_tag = soup.find("html")
    if html_tag is not None and html_tag.get("lang"):
        metadata["language"] = str(html_tag.get("lang"))
    description = soup.find("meta", attrs={"name": "description"})
    if description is not None and description.get("content"):
        metadata["description"] = context.norm(str(description.get("content"))).strip()
    walker = _HtmlWalker(context, PageVisibility(soup))
    root = soup.body or soup
    shown = [node for node in (root, *root.parents) if node is not soup]
    if not any(walker.skipped(node) for node in reversed(shown)):  # <body hidden> hides all
        walker.walk(root)
    walker.flush()
    walker.sections.flush()
    metadata["title"] = walker.sections.first_h1 or page_title
    return metadata, walker.sections.blocks, markup, None


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


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


def _encrypted(name: str) -> IngestionError:
    return IngestionError(
        "encrypted",
        f"« {name} » est protégé par un mot de passe : enregistrez-en une version sans "
        "protection puis réessayez.",
    )


# --------------------------------------------------------------------------------------------
# Office documents (zip containers)
# --------------------------------------------------------------------------------------------


def _check_zip(data: bytes, context: _Context, kind: str) -> zipfile.ZipFile:
    """Open a DOCX/ODT container after checking it is a sane, bounded zip."""
    name = context.name
    corrupt = IngestionError(
        "corrupt",
        f"« {name} » n'est pas un document {kind} valide (fichier endommagé ou incomplet). "
        f"Ouvrez-le puis enregistrez-le de nouveau au format {kind} avant de réessayer.",
    )
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise _encrypted(name)
        raise IngestionError(
            "unsupported_type",
            f"« {name} » est au format Word 97-2003 (.doc) malgré son extension : enregistrez-le "
            "au format .docx ou .odt puis réessayez.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise corrupt from error
    bomb = IngestionError(
        "zip_bomb",
        f"« {name} » se décompresse en un volume anormalement grand (archive piégée ou "
        "document démesuré) : il a été refusé. Enregistrez une version allégée puis réessayez.",
    )
    if len(members) > MAX_ZIP_MEMBERS:
        raise bomb
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if total > context.max_uncompressed_bytes:
        raise bomb
    if total > RATIO_CHECK_FLOOR and total > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise bomb
    for member in members:
        if member.file_size > RATIO_CHECK_FLOOR and member.file_size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise bomb
    if any(member.flag_bits & 0x1 for member in members):
        raise _encrypted(name)
    try:
        bad = archive.testzip()  # reads every member, bounded by the declared sizes above
    except Exception as error:  # BadZipFile, zlib.error, EOFError, NotImplementedError...
        raise corrupt from error
    if bad is not None:
        raise corrupt
    return archive


_HEADING_STYLE = re.compile(
    r"^(?:heading|titre|title|überschrift|titolo|título|kop)\s*(\d)$", re.IGNORECASE
)
_TITLE_STYLE = re.compile(r"^(?:title|titre|titre du document)$", re.IGNORECASE)
_QUOTE_STYLE = re.compile(r"quote|citation", re.IGNORECASE)
_LIST_STYLE = re.compile(r"list|liste", re.IGNORECASE)


def _docx_heading_level(paragraph: Any) -> int | None:
    style = paragraph.style
    names: list[str] = []
    for _ in range(10):  # base styles chain; a broken file may loop
        if style is None:
            break
        names.extend([str(style.name or ""), str(getattr(style, "style_id", "") or "")])
        style = style.base_style
    for style_name in names:
        if _TITLE_STYLE.match(style_name.strip()):
            return 0
        match = _HEADING_STYLE.match(style_name.strip().replace("_", " "))
        if match:
            return int(match.group(1))
    outline = paragraph._p.find(
        ".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}outlineLvl"
    )
    if outline is not None:
        value = outline.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
        if value is not None and value.isdigit() and int(value) < 9:
            return int(value) + 1
    return None


def _docx_visible_text(paragraph: Any) -> str:
    """Paragraph text without runs formatted as hidden (``w:vanish``), a classic hiding place."""
    from docx.text.run import Run

    parts: list[str] = []
    for item in paragraph.iter_inner_content():
        runs = [item] if isinstance(item, Run) else list(getattr(item, "runs", []))
        parts.extend(run.text for run in runs if not run.font.hidden)
    return "".join(parts)


def _load_docx(data: bytes, context: _Context) -> LoaderResult:
    archive = _check_zip(data, context, "Word (.docx)")
    names = set(archive.namelist())
    if "word/document.xml" not in names:
        raise IngestionError(
            "corrupt",
            f"« {context.name} » n'est pas un document Word valide (contenu principal absent). "
            "Ouvrez-le puis enregistrez-le de nouveau au format .docx avant de réessayer.",
        )
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:
        raise IngestionError(
            "corrupt",
            f"« {context.name} » n'est pas un document Word valide (fichier endommagé). "
            "Ouvrez-le puis enregistrez-le de nouveau au format .docx avant de réessayer.",
        ) from error
    metadata: dict[str, Any] = {}
    core = document.core_properties
    core_title = _core_title(core.title)
    if core.subject:
        metadata["subject"] = context.norm(core.subject).strip()
    if core.language:
        metadata["language"] = core.language
    sections = _Sections()
    title_style = ""

    def table_rows(table: Table) -> Iterable[str]:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                text = re.sub(r"\s+", " ", cell.text).strip()
                if text and (not cells or cells[-1] != text):  # merged cells repeat
                    cells.append(text)
            if cells:
                yield " | ".join(cells)

    try:
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = context.norm(_docx_visible_text(item))
                if not text.strip():
                    continue
                level = _docx_heading_level(item)
                if level is not None:
                    if level == 0 and not title_style:
                        title_style = _clean_heading(text)
                    sections.heading(level, text)
                    continue
                style_name = str(item.style.name or "") if item.style is not None else ""
                if _QUOTE_STYLE.search(style_name):
                    text = "\n".join(f"> {line}" for line in text.split("\n"))
                elif _LIST_STYLE.search(style_name):
                    text = f"- {text}"
                sections.paragraph(text)
            elif isinstance(item, Table):
                rows = list(table_rows(item))
                if rows:
                    sections.paragraph(context.norm("\n".join(rows)))
    except IngestionError:
        raise
    except Exception as error:
        raise IngestionError(
            "corrupt",
            f"« {context.name} » n'a pas pu être lu entièrement (structure Word inattendue). "
            "Ouvrez-le puis enregistrez-le de nouveau au format .docx avant de réessayer.",
        ) from error
    sections.flush()
    metadata["title"] = title_style or sections.first_h1 or core_title
    return metadata, sections.blocks, None, None


_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"


def _load_odt(data: bytes, context: _Context) -> LoaderResult:
    archive = _check_zip(data, context, "OpenDocument (.odt)")
    names = set(archive.namelist())
    corrupt = IngestionError(
        "corrupt",
        f"« {context.name} » n'est pas un document OpenDocument texte valide. Ouvrez-le dans "
        "LibreOffice puis enregistrez-le de nouveau au format .odt avant de réessayer.",
    )
    if "content.xml" not in names:
        raise corrupt
    if "mimetype" in names:
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
        if mimetype and mimetype != "application/vnd.oasis.opendocument.text":
            raise IngestionError(
                "unsupported_type",
                f"« {context.name} » n'est pas un texte OpenDocument ({mimetype}) : seuls les "
                f"documents texte sont acceptés. Formats acceptés : {_ACCEPTED}.",
            )
    if "META-INF/manifest.xml" in names:
        manifest = archive.read("META-INF/manifest.xml")
        if b"encryption-data" in manifest:
            raise _encrypted(context.name)
    from odf import dc, teletype
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except Exception as error:
        raise corrupt from error
    metadata: dict[str, Any] = {}
    core_title = ""
    try:
        titles = document.meta.getElementsByType(dc.Title)
        if titles:
            core_title = _core_title(teletype.extractText(titles[0]))
        subjects = document.meta.getElementsByType(dc.Subject)
        if subjects:
            metadata["subject"] = context.norm(teletype.extractText(subjects[0])).strip()
    except Exception:
        core_title = ""
    title_styles = _odt_title_styles(document)
    sections = _Sections()
    title_paragraph = ""

    def visit(node: Any) -> None:
        nonlocal title_paragraph
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname is None:
                continue
            namespace, local = qname
            if namespace == _ODF_TEXT and local == "h":
                level_attr = child.attributes.get((_ODF_TEXT, "outline-level"))
                level = int(level_attr) if level_attr and str(level_attr).isdigit() else 1
                sections.heading(level, context.norm(teletype.extractText(child)))
            elif namespace == _ODF_TEXT and local == "p":
                text = context.norm(teletype.extractText(child))
                if not text.strip():
                    continue
                style = child.attributes.get((_ODF_TEXT, "style-name"), "")
                if style in title_styles:
                    if not title_paragraph:
                        title_paragraph = _clean_heading(text)
                    sections.heading(0, text)
                    continue
                sections.paragraph(text)
            elif namespace == _ODF_TEXT and local == "list":
                for item in child.childNodes:
                    item_text = context.norm(teletype.extractText(item)).strip()
                    if item_text:
                        sections.paragraph(f"- {item_text}")
            elif namespace == _ODF_TABLE and local == "table":
                rows = []
                for row in child.getElementsByType(_odf_table_row()):
                    cells = [
                        re.sub(r"\s+", " ", teletype.extractText(cell)).strip()
                        for cell in row.childNodes
                        if getattr(cell, "qname", None) == (_ODF_TABLE, "table-cell")
                    ]
                    cells = [cell for cell in cells if cell]
                    if cells:
                        rows.append(" | ".join(cells))
                if rows:
                    sections.paragraph(context.norm("\n".join(rows)))
            elif namespace == _ODF_TEXT and local in {"section", "index-body"}:
                visit(child)
            elif namespace == _ODF_TEXT and local in {"sequence-decls", "tracked-changes"}:
                continue

    try:
        visit(document.text)
    except Exception as error:
        raise corrupt from error
    sections.flush()
    metadata["title"] = title_paragraph or sections.first_h1 or core_title
    return metadata, sections.blocks, None, None


def _odf_table_row() -> Any:
    from odf.table import TableRow

    return TableRow


def _odt_title_styles(document: Any) -> set[str]:
    """Names of paragraph styles that are (or derive from) the "Title" style."""
    from odf.style import Style

    titles = {"Title", "Titre"}
    found = set(titles)
    styles = []
    for container in (document.styles, document.automaticstyles):
        styles.extend(container.getElementsByType(Style))
    changed = True
    while changed:
        changed = False
        for style in styles:
            name = style.getAttribute("name")
            parent = style.getAttribute("parentstylename")
            if name and parent in found and name not in found:
                found.add(name)
                changed = True
    return found


_LOADERS: dict[str, Callable[[bytes, _Context], LoaderResult]] = {
    "md": _load_markdown,
    "txt": _load_txt,
    "html": _load_html,
    "pdf": _load_pdf,
    "docx": _load_docx,
    "odt": _load_odt,
}
