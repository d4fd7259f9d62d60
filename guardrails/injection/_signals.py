"""Signals, reports and the suspicion policy shared by every detector."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Source = Literal["document", "question"]

MAX_EXCERPT = 80
MAX_SIGNALS = 30
STRONG_INVISIBLE = 10
STRONG_TAGS = 3
WEAK_RULES_QUORUM = 3


@dataclass(frozen=True)
class InjectionSignal:
    """One heuristic that fired.

    ``rule`` is a stable id (``ignore_instructions``, ``role_override``, ``role_marker``,
    ``system_prompt_request``, ``jailbreak``, ``base64_blob``, ``image_link_query``,
    ``exfiltration_link``, ``invisible_chars``, ``hidden_html``); ``label`` a short French
    explanation for trainers; ``excerpt`` at most 80 characters of the normalised offending
    text. ``strong`` signals alone make a text suspicious; ``quoted`` marks a match demoted to
    weak because it is a quoted example in a text about injections.
    """

    rule: str
    label: str
    excerpt: str
    strong: bool = True
    quoted: bool = False


@dataclass(frozen=True)
class InjectionReport:
    """Outcome of a scan: ``suspicious`` means quarantine (documents) or flag (questions)."""

    suspicious: bool
    signals: tuple[InjectionSignal, ...]

    def to_dict(self) -> dict:
        """JSON-ready form: ``{"suspicious": bool, "signals": [{rule, label, excerpt, ...}]}``."""
        return {"suspicious": self.suspicious, "signals": [asdict(s) for s in self.signals]}

    @property
    def rules(self) -> tuple[str, ...]:
        """Distinct rule ids that fired, in order of appearance."""
        return tuple(dict.fromkeys(s.rule for s in self.signals))


#: Rules whose signals each name a different element: a strong one does not say the others.
_PER_ELEMENT = {"hidden_html"}


def _is_suspicious(signals: Iterable[InjectionSignal]) -> bool:
    signals = list(signals)
    if any(s.strong for s in signals):
        return True
    weak_rules = {s.rule for s in signals if not s.quoted}
    return len(weak_rules) >= WEAK_RULES_QUORUM


def _report(signals: Iterable[InjectionSignal]) -> InjectionReport:
    signals = list(signals)
    strong_rules = {s.rule for s in signals if s.strong}
    unique: dict[tuple[str, str, bool], InjectionSignal] = {}
    for signal in signals:
        if not signal.strong and signal.rule in strong_rules and signal.rule not in _PER_ELEMENT:
            continue  # the strong signal of the same rule says it already
        key = (signal.rule, signal.excerpt, signal.strong)
        unique.setdefault(key, signal)
    ordered = sorted(unique.values(), key=lambda s: not s.strong)[:MAX_SIGNALS]
    return InjectionReport(suspicious=_is_suspicious(ordered), signals=tuple(ordered))


def merge_reports(*reports: InjectionReport) -> InjectionReport:
    """Combine reports (e.g. :func:`scan_text` of the text and :func:`scan_html` of the page)."""
    return _report(signal for report in reports for signal in report.signals)


def _excerpt(text: str, start: int, end: int | None = None) -> str:
    end = max(end if end is not None else start, start + 40)
    snippet = re.sub(r"\s+", " ", text[start : min(len(text), end + 20)]).strip()
    if len(snippet) > MAX_EXCERPT:
        snippet = snippet[: MAX_EXCERPT - 1].rstrip() + "…"
    return snippet
