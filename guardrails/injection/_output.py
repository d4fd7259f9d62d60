"""Output hygiene: links, images and dangerous markup neutralised in answers."""

from __future__ import annotations

import re

_DANGEROUS_BLOCKS = re.compile(
    r"<(script|iframe|object|style|svg|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_DANGEROUS_TAGS = re.compile(
    r"</?(?:script|iframe|img|a|object|embed|svg|style|link|meta|base|form|input|video|audio|"
    r"source|template|frame|frameset)\b[^>]*>",
    re.IGNORECASE,
)
_BRACKETED = r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
_LINK_TARGET = (
    r"\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_OUT_IMAGE = re.compile(r"!" + _BRACKETED + _LINK_TARGET)
_OUT_LINK = re.compile(_BRACKETED + _LINK_TARGET)
_OUT_REFERENCE = re.compile(r"^([ \t]*\[[^\]\n]+\]:[ \t]*)(\S+)", re.MULTILINE)
_OUT_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto|javascript|data):[^>\s]*)>", re.IGNORECASE)
_OUT_SCHEME = re.compile(r"\b(h)(tt)(ps?)://", re.IGNORECASE)
_REMOVED = "lien retiré"


def _is_app_relative(url: str) -> bool:
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def neutralise_output(answer: str) -> str:
    """Neutralise links and images in a model answer before it is shown.

    - ``<script>``, ``<iframe>``, ``<object>``, ``<style>``, ``<svg>`` elements are removed with
      their content; ``<img>``, ``<a>``, ``<embed>``, ``<link>``, ``<meta>``, ``<form>`` and
      similar tags are stripped (the text of a link stays);
    - Markdown images ``![alt](url)`` are removed, the alt text kept as ``[alt]``;
    - Markdown links ``[t](url)`` become ``t (lien retiré)`` unless ``url`` is relative to the app
      (starts with a single ``/``, e.g. ``/api/documents/charte``);
    - reference definitions and ``<https://...>`` autolinks are defanged;
    - every raw ``http(s)://`` address is defanged as ``hxxp(s)://`` so it is not clickable.
    """
    text = _DANGEROUS_BLOCKS.sub("", answer)
    text = _DANGEROUS_TAGS.sub("", text)

    def image(match: re.Match[str]) -> str:
        alt = match.group(1).strip()
        return f"[{alt}]" if alt else ""

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1).strip(), match.group(2)
        if _is_app_relative(url):
            return match.group(0)
        return f"{label} ({_REMOVED})" if label else f"({_REMOVED})"

    text = _OUT_IMAGE.sub(image, text)
    text = _OUT_LINK.sub(link, text)
    text = _OUT_AUTOLINK.sub(lambda m: m.group(1), text)
    text = _OUT_REFERENCE.sub(
        lambda m: m.group(0) if _is_app_relative(m.group(2)) else f"{m.group(1)}({_REMOVED})",
        text,
    )
    return _OUT_SCHEME.sub(lambda m: f"{m.group(1)}xx{m.group(3)}://", text)


_BLOCK_OPENING = re.compile(r"<(script|iframe|object|style|svg|template)\b", re.IGNORECASE)
_LINK_CLOSE = re.compile(r"\[[^\]\n]*\]")


def _pending_construct(text: str, start: int, limit: int) -> int:
    """Where the first construct that may become (or is) a link, an image or a tag and is not
    whole before ``limit`` begins, from ``start``; ``limit`` if there is none."""
    for match in _BLOCK_OPENING.finditer(text, start, limit):
        closing = re.compile(rf"</{match.group(1)}\s*>", re.IGNORECASE).search(text, match.end())
        if closing is None or closing.end() > limit:
            return match.start()
    position = start
    while True:
        found = (text.find("[", position, limit), text.find("<", position, limit))
        opening = min((i for i in found if i >= 0), default=-1)
        if opening < 0:
            return limit
        if text[opening] == "<":
            close = text.find(">", opening)
            if close < 0 or close >= limit:
                return opening
            position = close + 1
            continue
        begin = opening - 1 if opening > 0 and text[opening - 1] == "!" else opening
        label = _LINK_CLOSE.match(text, opening)
        if label is None:
            newline = text.find("\n", opening)
            if newline < 0 or newline >= limit:
                return begin  # the label may still close
            position = opening + 1
            continue
        after = label.end()
        if after >= limit:
            return begin  # « [t] » may still get its « (url) »
        if text[after] == "(":
            close = text.find(")", after)
            newline = text.find("\n", after)
            ends = [i for i in (close, newline) if i >= 0]
            if not ends or min(ends) >= limit:
                return begin
            position = min(ends) + 1
            continue
        position = after


class OutputStream:
    """:func:`neutralise_output` for an answer that is shown while it streams.

    Text is released up to its last whitespace (an address may still be arriving) and never past
    the start of a construct that may still become a link, an image or a tag; each released
    part goes through :func:`neutralise_output`, so the stream never carries what the final
    answer may not. ``flush()`` releases the rest at the end."""

    def __init__(self) -> None:
        self._raw = ""
        self._released = 0

    def feed(self, piece: str) -> str:
        self._raw += piece
        tail = self._raw[self._released :]
        last_space = max(tail.rfind(" "), tail.rfind("\n"), tail.rfind("\t"))
        if last_space < 0:
            return ""
        cut = _pending_construct(self._raw, self._released, self._released + last_space + 1)
        if cut <= self._released:
            return ""
        released = self._raw[self._released : cut]
        self._released = cut
        return neutralise_output(released)

    def flush(self) -> str:
        rest = self._raw[self._released :]
        self._released = len(self._raw)
        return neutralise_output(rest) if rest else ""
