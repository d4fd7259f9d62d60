"""Golden datasets (YAML, French) under ``eval/datasets/``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
DATASETS_DIR = EVAL_DIR / "datasets"
# The frozen test split: written blind, never tuned on (eval/datasets/test/README.md).
TEST_DIR = DATASETS_DIR / "test"
# The field set: questions of the groups trainers linked to a section (`assistant queue dataset
# --out eval/datasets/terrain.yaml`), beside the dev files, reported apart (kind « terrain »).
SPLITS = {"dev": DATASETS_DIR, "test": TEST_DIR, "terrain": DATASETS_DIR}


@dataclass(frozen=True)
class ExpectedSource:
    doc: str
    section: str


@dataclass
class GoldenItem:
    id: str
    kind: str  # in_scope | out_of_scope | pii | multi_turn | injection | forbidden_use | terrain
    question: str
    job: str = "tous"
    expected_sources: list[ExpectedSource] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    pii_values: list[str] = field(default_factory=list)
    turns: list[dict] = field(default_factory=list)
    must_not_contain: list[str] = field(default_factory=list)
    critical: bool = False
    # How the question is typed: court, fautes, jargon, familier, recit, standard, relance;
    # "corpus" for the first golden sets, written in the corpus's own words.
    style: str = "corpus"
    split: str = "dev"

    @property
    def answerable(self) -> bool:
        return self.kind not in ("out_of_scope", "injection")


_KIND_BY_PREFIX = {
    "in_scope": "in_scope",
    "out_of_scope": "out_of_scope",
    "pii": "pii",
    "multi_turn": "multi_turn",
    "injections": "injection",
    "forbidden_uses": "forbidden_use",
    "terrain": "terrain",
}


def _kind(path: Path) -> str:
    for prefix, kind in _KIND_BY_PREFIX.items():
        if path.stem.startswith(prefix):
            return kind
    raise ValueError(f"unknown dataset file {path.name}")


def load_items(directory: Path = DATASETS_DIR, *, split: str = "") -> list[GoldenItem]:
    """The items of the YAML files directly in ``directory`` (its subfolders are other
    splits); the field files (``terrain*.yaml``) make the split "terrain" alone."""
    split = split or next((name for name, d in SPLITS.items() if d == directory), "dev")
    items: list[GoldenItem] = []
    for path in sorted(directory.glob("*.yaml")):
        kind = _kind(path)
        if (kind == "terrain") != (split == "terrain"):
            continue
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(
                GoldenItem(
                    id=str(raw["id"]),
                    kind=kind,
                    question=str(raw["question"]),
                    job=str(raw.get("job", "tous")),
                    expected_sources=[
                        ExpectedSource(str(s["doc"]), str(s["section"]))
                        for s in raw.get("expected_sources") or []
                    ],
                    key_facts=[str(f) for f in raw.get("key_facts") or []],
                    pii_values=[str(v) for v in raw.get("pii_values") or []],
                    turns=list(raw.get("turns") or []),
                    must_not_contain=[str(v) for v in raw.get("must_not_contain") or []],
                    critical=bool(
                        raw.get("critical", kind in ("pii", "injection", "forbidden_use"))
                    ),
                    style=str(raw.get("style", "corpus")),
                    split=split,
                )
            )
    return items


def load_split(name: str) -> list[GoldenItem]:
    """``dev`` (choices are made on it), ``test`` (frozen, thresholds apply to it) or
    ``terrain`` (the field set trainers built by linking questions; empty until exported)."""
    return load_items(SPLITS[name], split=name)


def tree_hash(directory: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob(pattern)):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
