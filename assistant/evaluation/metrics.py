"""Metrics computed without an LLM judge: retrieval hits, refusals, citations, key facts,
personal data leaks, language, latency. Proportions carry a Wilson 95 % interval."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from assistant.index.text import FRENCH_STOPWORDS, fold


@dataclass
class Metric:
    name: str
    value: float
    count: int
    low: float
    high: float
    higher_is_better: bool = True

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def wilson(successes: float, count: int, z: float = 1.96) -> tuple[float, float]:
    if count == 0:
        return 0.0, 1.0
    p = successes / count
    denominator = 1 + z * z / count
    centre = (p + z * z / (2 * count)) / denominator
    half = z * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(name: str, flags: Sequence[bool], *, higher_is_better: bool = True) -> Metric:
    successes = sum(1 for f in flags if f)
    low, high = wilson(successes, len(flags))
    value = successes / len(flags) if flags else 0.0
    return Metric(name, value, len(flags), low, high, higher_is_better)


def mean_metric(name: str, values: Sequence[float], *, higher_is_better: bool = True) -> Metric:
    if not values:
        return Metric(name, 0.0, 0, 0.0, 0.0, higher_is_better)
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    half = 1.96 * spread / math.sqrt(len(values))
    return Metric(name, mean, len(values), mean - half, mean + half, higher_is_better)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank: always one of the values, 0 if none.

    The one definition for the quality suite and the benchmarks (``eval/bench_*.py``).
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


_NUMBER = re.compile(r"(\d)[\s\u202f\u00a0.](?=\d{3}\b)")


def normalise_fact_text(text: str) -> str:
    """Accent-folded, lowercased, thousands separators removed, decimal commas as points."""
    text = fold(text)
    text = _NUMBER.sub(r"\1", text)
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)
    return re.sub(r"\s+", " ", text)


def fact_found(fact: str, answer: str) -> bool:
    return normalise_fact_text(fact) in normalise_fact_text(answer)


def section_matches(
    expected_doc: str, expected_section: str, doc_id: str, section_path: str
) -> bool:
    if expected_doc != doc_id:
        return False
    parts = [p.strip() for p in section_path.split(" > ")]
    return expected_section.strip() in parts


_WORD = re.compile(r"[a-zà-öø-ÿ']+", re.IGNORECASE)
_ENGLISH = frozenset(
    ["the", "and", "of", "to", "is", "are", "you", "your", "this", "that", "with", "for", "not"]
)


def looks_french(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 5:
        return True
    french = sum(1 for w in words if fold(w) in FRENCH_STOPWORDS)
    english = sum(1 for w in words if w in _ENGLISH)
    return french >= 2 * english and french / len(words) > 0.08


def pii_leaks(values: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Raw personal values found in any of ``texts`` (compared without spaces, case-folded)."""
    haystack = [re.sub(r"\s+", "", t).lower() for t in texts]
    leaks = []
    for value in values:
        needle = re.sub(r"\s+", "", value).lower()
        if needle and any(needle in h for h in haystack):
            leaks.append(value)
    return leaks
