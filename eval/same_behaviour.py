"""Same behaviour before and after a refactoring (prints numbers; not a test).

    .venv/bin/python eval/same_behaviour.py --base main

Runs one digest of what the document loaders, the injection guard, hidden-HTML detection and
query understanding return, twice: with this checkout's code and with the code of a git ref
(exported to a temporary folder). Both runs read the same inputs, taken from this checkout: the
corpus, the questions of eval/datasets, every string literal of the tests of those modules, and
the HTML, PDF, DOCX and ODT files that tests/assistant/ingestion/test_loaders.py builds. Prints,
per part, how many results were compared and whether they are identical, and exits 1 on the
first difference. Written for issue #15's moves (a module split into a package must answer the
same), reusable for the next ones.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITERAL_SOURCES = (
    "tests/guardrails/test_injection.py",
    "tests/guardrails/test_html_visibility.py",
    "tests/assistant/ingestion/test_loaders.py",
    "tests/assistant/test_query.py",
)
MARKER = "DOC-0123abcd"


def _questions(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k == "question" and isinstance(v, str)]
        return found + [q for v in node.values() for q in _questions(v)]
    if isinstance(node, list):
        return [q for v in node for q in _questions(v)]
    return []


def write_inputs(folder: Path) -> None:
    """Texts and files that both runs read, built once with this checkout's test builders."""
    import yaml

    sys.path.insert(0, str(ROOT))
    from tests.assistant.ingestion import test_loaders as builders

    texts: list[str] = []
    for path in sorted((ROOT / "eval" / "datasets").glob("*.yaml")):
        texts += _questions(yaml.safe_load(path.read_text(encoding="utf-8")))
    for source in LITERAL_SOURCES:
        tree = ast.parse((ROOT / source).read_text(encoding="utf-8"))
        texts += [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) >= 3
        ]
    (folder / "texts.json").write_text(json.dumps(list(dict.fromkeys(texts))), encoding="utf-8")
    files = folder / "files"
    files.mkdir()
    for path in sorted((ROOT / "corpus").rglob("*.md")):
        (files / f"{path.parent.name}--{path.name}").write_bytes(path.read_bytes())
    (files / "front-matter.md").write_text(builders.MARKDOWN, encoding="utf-8")
    (files / "page.html").write_text(builders.HTML, encoding="utf-8")
    html_pages = [t for t in texts if "</" in t and len(t) > 40]
    for number, page in enumerate(html_pages):
        (files / f"literal-{number:03d}.html").write_text(page, encoding="utf-8")
    pages = [["Charte de l'IA", "Article 1 : les outils approuvés."], ["Article 2", "Fin."]]
    builders.make_pdf(files / "charte.pdf", pages, title="Charte")
    builders.make_docx(files / "guide.docx")
    builders.make_odt(files / "note.odt")


def digest(folder: Path) -> dict[str, list]:
    """What the code on ``sys.path`` answers for the inputs in ``folder`` (JSON-ready)."""
    from assistant.offline import apply_offline_defaults

    apply_offline_defaults()
    from assistant.index.lexical import LexicalIndex
    from assistant.ingestion.loaders import IngestionError, load_bytes
    from assistant.query import QueryUnderstanding
    from guardrails.injection import (
        OutputStream,
        clean_typed_text,
        count_invisible,
        neutralise_output,
        normalise_text,
        scan_html,
        scan_text,
        wrap_untrusted,
    )

    out: dict[str, list] = {"loaders": [], "documents": [], "texts": [], "query": []}
    corpus_texts: list[str] = []
    for path in sorted((folder / "files").iterdir()):
        try:
            doc = load_bytes(path.name, path.read_bytes())
        except IngestionError as error:
            out["loaders"].append([path.name, "error", error.code, error.message])
            continue
        blocks = [[list(b.heading_path), b.text, b.page] for b in doc.blocks]
        hidden = [[h.reason, h.text] for h in doc.hidden_text]
        out["loaders"].append(
            [path.name, doc.format, doc.sha256, doc.metadata, blocks, doc.page_count, hidden]
        )
        invisible = int(doc.metadata.get("invisible_chars", 0))
        scanned = [scan_text(doc.text, source="document", invisible_chars=invisible).to_dict()]
        if doc.raw_html:
            scanned.append(scan_html(doc.raw_html).to_dict())
        out["documents"].append([path.name, scanned])
        if "--" in path.name:
            corpus_texts += [b.text for b in doc.blocks]
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    for text in texts:
        stream = OutputStream()
        streamed = "".join(stream.feed(text[i : i + 7]) for i in range(0, len(text), 7))
        out["texts"].append(
            [
                scan_text(text, source="question").to_dict(),
                scan_text(text, source="document").to_dict(),
                scan_html(text).to_dict() if "<" in text else None,
                normalise_text(text),
                clean_typed_text(text),
                count_invisible(text),
                neutralise_output(text),
                streamed + stream.flush(),
                wrap_untrusted([text, "Passage."], marker=MARKER).text,
            ]
        )
    index = LexicalIndex([str(n) for n in range(len(corpus_texts))], corpus_texts)
    understanding = QueryUnderstanding(folder / "lexique.yaml")
    understanding.refresh(1, index.vocabulary, index.defined_acronyms)
    for text in texts:
        understood = understanding.understand(text)
        groups = [sorted(group) for group in understood.term_groups]
        out["query"].append(
            [understood.normalised, understood.expanded, understood.corrections, groups]
        )
    return out


def run_digest(code: Path, inputs: Path) -> dict[str, list]:
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, __file__, "--digest", str(inputs)]
    result = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"digest failed with the code of {code}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref of the code before the change")
    parser.add_argument("--digest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.digest:
        print(json.dumps(digest(args.digest), ensure_ascii=False, default=list))
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        inputs, base = Path(temporary) / "inputs", Path(temporary) / "base"
        inputs.mkdir()
        base.mkdir()
        write_inputs(inputs)
        (inputs / "lexique.yaml").write_bytes((ROOT / "corpus" / "lexique.yaml").read_bytes())
        archive = subprocess.run(
            ["git", "archive", args.base], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        before, after = run_digest(base, inputs), run_digest(ROOT, inputs)
    same = True
    for part, results in before.items():
        identical = results == after.get(part)
        same = same and identical
        fingerprint = hashlib.sha256(json.dumps(results).encode()).hexdigest()[:12]
        verdict = "identical" if identical else "DIFFERENT"
        print(f"{part:<10} {len(results):>5} results  {verdict}  ({fingerprint})")
        if not identical:
            pairs = zip(results, after.get(part, []), strict=False)
            first = next((i for i, (a, b) in enumerate(pairs) if a != b), None)
            print(f"  first difference at result {first}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
