"""Markdown (with its YAML front matter) and plain text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import yaml

from ._base import IngestionError, LoaderResult, _Context, _decode_text, _Sections

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
