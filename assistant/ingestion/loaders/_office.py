"""Office documents: Word (.docx) and OpenDocument text (.odt)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from ._base import (
    _ACCEPTED,
    IngestionError,
    LoaderResult,
    _clean_heading,
    _Context,
    _core_title,
    _encrypted,
    _Sections,
)
from ._zip import _check_zip

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
