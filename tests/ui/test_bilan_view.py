"""A trainer picks a period and a format in the « Bilan pour le Comité » tab and downloads
the file, in a real browser (Debian's Chromium)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.bilan.conftest import read_back
from tests.ui.test_browser import WAIT_MS, ask, log_in

pytestmark = pytest.mark.slow

RAW_PHONE = "06 44 55 66 77"


def _open_bilan_tab(page) -> None:
    log_in(page)
    page.page.get_by_role("tab", name=re.compile("Bilan pour le Comité")).click()
    page.page.locator("#bilan-build").wait_for()


def test_trainer_picks_a_period_and_a_format_and_downloads_the_bilan(page, tmp_path):
    ask(page, f"Puis-je donner le {RAW_PHONE} d'un administré à un outil d'IA ?")
    _open_bilan_tab(page)
    tab = page.page
    today = date.today()
    tab.locator("#bilan-from input, #bilan-from textarea").first.fill(
        (today - timedelta(days=6)).isoformat()
    )
    tab.locator("#bilan-to input, #bilan-to textarea").first.fill(today.isoformat())
    tab.locator("#bilan-format").get_by_text("DOCX (Word, modifiable)").click()
    tab.locator("#bilan-build").click()
    status = tab.locator("#bilan-status")
    status.get_by_text("Bilan prêt").wait_for(timeout=WAIT_MS)
    assert ".docx" in status.inner_text()
    link = tab.locator("#bilan-file a").first
    link.wait_for(timeout=WAIT_MS)
    with tab.expect_download(timeout=WAIT_MS) as info:
        link.click()
    path = tmp_path / "bilan.docx"
    info.value.save_as(path)
    page.shot("bilan-telecharge")
    content = read_back(path, "docx")
    assert [text for level, text in content["headings"] if level == 1][0] == "1. Synthèse"
    synthesis = content["tables"][0]
    asked = dict((row[0], row[1]) for row in synthesis)["Questions posées"]
    assert int(asked.replace("\u202f", "").replace(" ", "")) >= 1
    assert RAW_PHONE not in content["text"]
    assert "numéro de téléphone" in content["text"]
    assert page.foreign_requests() == []


def test_a_reversed_period_is_refused_in_french(page):
    _open_bilan_tab(page)
    tab = page.page
    tab.locator("#bilan-from input, #bilan-from textarea").first.fill("2026-10-18")
    tab.locator("#bilan-to input, #bilan-to textarea").first.fill("2026-10-01")
    tab.locator("#bilan-build").click()
    status = tab.locator("#bilan-status")
    status.get_by_text("postérieure à la date de fin").wait_for(timeout=WAIT_MS)
