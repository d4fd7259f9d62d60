"""Which parts of an HTML page a reader cannot see, and why.

The one definition of hidden HTML text, shared by the document loader (hidden text is never
indexed as visible text) and the injection scanner (hidden text is reported, and an instruction
hidden there quarantines the page). Keeping both on the same definition is the point: text the
scanner does not consider hidden is indexed and scanned as visible text, text it considers
hidden is dropped from the index and reported, never one without the other.

What counts as hidden, for a reader on a desktop screen (1280 × 800 pixels, 16-pixel fonts):

- ``display``: ``display:none``, ``content-visibility:hidden``, the ``hidden`` attribute,
  ``<template>``, ``<noscript>``, a ``<dialog>`` that is not ``open``;
- ``visibility``: ``visibility:hidden`` or ``collapse``;
- ``opacity``: ``opacity`` below 0.05;
- ``font-size``: a font under 2 pixels (``font-size`` or the ``font`` shorthand);
- ``colour``: transparent text, or text whose colour is too close to its background (white on
  white, grey on grey; the page background is white unless a style says otherwise);
- ``offscreen``: moved 500 pixels or more off the page (``left``, ``top``, ``text-indent``,
  negative margins, ``translate``) or clipped away (``clip: rect(0 …)``, ``clip-path:
  inset(50%)``);
- ``collapsed``: a box of at most one pixel with its overflow hidden, or ``scale(0)``;
- ``aria-hidden``: ``aria-hidden="true"``.

Styles come from the ``style`` attribute and from the page's ``<style>`` blocks: any selector
that soupsieve understands (classes, ids, element names, descendants, attributes...), ordered
by specificity then position, ``!important`` honoured, ``@media`` blocks applied only when they
hold on a desktop screen; state-dependent selectors (``:hover``, ``:focus``...) and
pseudo-elements are ignored. Common utility classes (``sr-only``, ``visually-hidden``,
``d-none``...) count as hidden when the page's own styles do not define them (their stylesheet
was not saved with the page).

Known limits: external stylesheets and scripts are not run, inheritance is approximated (a
hidden element hides its whole subtree, even a child that a style would reveal again: the safe
side), and content revealed by a click (a collapsed accordion) counts as hidden.

Layout, by job: ``_definitions`` (reasons, labels, thresholds), ``_values`` (CSS lengths and
colours), ``_stylesheet`` (style rules matched to elements) and ``_visibility`` (the verdict).
"""

from ._definitions import CAMOUFLAGE_REASONS, HIDDEN_REASON_LABELS, HiddenReason
from ._visibility import HiddenText, PageVisibility, visible_text_of

__all__ = [
    "CAMOUFLAGE_REASONS",
    "HIDDEN_REASON_LABELS",
    "HiddenReason",
    "HiddenText",
    "PageVisibility",
    "visible_text_of",
]
