"""Scanning HTML pages for text a reader cannot see."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment

from guardrails.html_visibility import PageVisibility

from ._folding import _fold
from ._normalise import normalise_text
from ._scan import _AI_ADDRESSEE, _INSTRUCTION_VERB, _scan
from ._signals import InjectionReport, InjectionSignal, _excerpt, _report

_ATTRIBUTES = ("alt", "title", "aria-label", "aria-description", "placeholder", "content")
_WORD = re.compile(r"\w")


_ORDER_RULES = {
    "ignore_instructions",
    "role_override",
    "role_marker",
    "system_prompt_request",
    "jailbreak",
}


def _instruction_like(text: str) -> bool:
    if not text.strip():
        return False
    report = _scan(text, "document")
    if any(s.strong or s.rule in _ORDER_RULES for s in report.signals if not s.quoted):
        return True
    folded = _fold(text)
    return bool(_AI_ADDRESSEE.search(folded) and _INSTRUCTION_VERB.search(folded))


def scan_html(raw_html: str) -> InjectionReport:
    """Look for text a reader cannot see in an HTML page.

    Hidden text is what :mod:`guardrails.html_visibility` calls hidden (``display:none``,
    ``visibility:hidden``, ``hidden``, ``opacity:0``, tiny fonts, text of its background's
    colour, off-screen or clipped text, zero-size boxes, ``aria-hidden``,
    ``<template>``/``<noscript>``; from ``style`` attributes and the page's ``<style>`` rules),
    the same definition the document loader uses to keep such text out of the index. Every
    hidden element that holds words is reported: strongly when it reads like instructions,
    weakly otherwise (a trainer sees what was left out). HTML comments and descriptive
    attributes (``alt``, ``title``, ``aria-label``, ``content``...) that read like instructions
    are strong signals too. Visible text is not scanned here: run :func:`scan_text` on it and
    :func:`merge_reports` both.
    """
    soup = BeautifulSoup(raw_html, "html.parser")
    signals: list[InjectionSignal] = []

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        text = normalise_text(str(comment)).strip()
        if _instruction_like(text):
            signals.append(
                InjectionSignal(
                    "hidden_html", "Commentaire HTML contenant des instructions", _excerpt(text, 0)
                )
            )

    for tag in soup.find_all(True):
        if tag.name in {"script", "style"}:
            continue
        for attribute in _ATTRIBUTES:
            value = tag.get(attribute)
            if isinstance(value, str) and len(value) > 12:
                text = normalise_text(value)
                if _instruction_like(text):
                    signals.append(
                        InjectionSignal(
                            "hidden_html",
                            f"Attribut HTML « {attribute} » contenant des instructions",
                            _excerpt(text, 0),
                        )
                    )

    visibility = PageVisibility(soup)
    for hidden in visibility.hidden_texts():
        text = normalise_text(hidden.text).strip()
        if not _WORD.search(text):
            continue
        if _instruction_like(text):
            signals.append(
                InjectionSignal(
                    "hidden_html", f"Instructions dans {hidden.label}", _excerpt(text, 0)
                )
            )
        else:
            signals.append(
                InjectionSignal(
                    "hidden_html",
                    f"Texte invisible pour le lecteur : {hidden.label}",
                    _excerpt(text, 0),
                    strong=False,
                )
            )
    if visibility.incomplete:
        signals.append(
            InjectionSignal(
                "hidden_html",
                "Feuille de style trop volumineuse ou trop complexe : le texte masqué n'a été "
                "cherché qu'en partie",
                "",
                strong=False,
            )
        )
    return _report(signals)
