"""Retours d'expérience in a real browser: an agent shares one, a trainer publishes it and
gets the « cas d'usage » draft, then ranks the priority use cases."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from assistant.services.retours import RetoursService
from tests.ui.test_browser import WAIT_MS, log_in

pytestmark = pytest.mark.slow

TASK = "Préparer la convocation du conseil municipal"
PHONE = "06 12 34 56 78"


def _choose(tab, elem_id: str, option: str) -> None:
    """Pick ``option`` in a Gradio dropdown as a user does (open it, click the option)."""
    tab.locator(f"#{elem_id} input").click()
    tab.get_by_role("option", name=option, exact=True).click()


def test_an_agent_shares_a_retour_and_a_trainer_publishes_it(page, live):
    tab = page.page
    tab.get_by_role("tab", name=re.compile("Partager un retour")).click()
    _choose(tab, "retour-job", "Secrétariat de mairie")
    tab.locator("#retour-task input, #retour-task textarea").first.fill(TASK)
    tab.locator("#retour-description textarea").fill(
        f"Trame de convocation à partir des points ; j'ai d'abord collé le numéro {PHONE} "
        "de l'élu, que j'ai retiré."
    )
    tab.locator("#retour-result").get_by_text("Gain de temps").click()
    tab.locator("#retour-minutes input").fill("30")
    tab.locator("#retour-consent input").check()
    tab.locator("#retour-send").click()
    status = tab.locator("#retour-status")
    expect(status).to_contain_text("Merci", timeout=WAIT_MS)
    expect(status).to_contain_text("TÉLÉPHONE")
    page.shot("retour-partage")
    [stored] = [r for r in RetoursService(live.container).list() if r["task"] == TASK]
    assert PHONE not in stored["description"] and "[TÉLÉPHONE_1]" in stored["description"]
    assert (stored["job"], stored["result"], stored["time_saved_minutes"]) == (
        "secretariat", "gain-de-temps", 30,
    )  # fmt: skip
    assert stored["contact_consent"] is True
    expect(tab.locator("#retour-description textarea")).to_have_value("")

    log_in(page)
    tab.get_by_role("tab", name=re.compile("Retours d'expérience")).click()
    tab.locator("#retours-refresh").click()
    expect(tab.locator("#retours-table")).to_contain_text(TASK, timeout=WAIT_MS)
    tab.locator("#retours-table").get_by_text(TASK).locator("visible=true").first.click()
    expect(tab.locator("#retour-id input")).to_have_value(str(stored["id"]), timeout=WAIT_MS)
    tab.locator("#retour-publish").click()
    expect(tab.locator("#retour-outcome")).to_contain_text(
        "Brouillon de fiche prêt", timeout=WAIT_MS
    )
    draft = tab.locator("#retour-draft")
    expect(draft).to_contain_text(f"cas-usage-retour-{stored['id']}", timeout=WAIT_MS)
    download = httpx.get(draft.get_by_role("link").first.get_attribute("href"), timeout=30)
    assert download.text.startswith(f"---\nid: cas-usage-retour-{stored['id']}\n")
    assert "theme: cas-usage" in download.text and PHONE not in download.text
    page.shot("retour-publie")
    assert RetoursService(live.container).get(stored["id"])["status"] == "publie"
    tab.locator("#retour-publish").click()
    expect(tab.locator("#retour-outcome")).to_contain_text("déjà publié", timeout=WAIT_MS)

    tab.get_by_role("tab", name=re.compile("Cas d'usage prioritaires")).click()
    tab.locator("#priorities-go").click()
    expect(tab.locator("#priorities-method")).to_contain_text(
        "Un cas d'usage est une section", timeout=WAIT_MS
    )
    expect(tab.locator("#priorities-table")).to_contain_text("Secrétariat de mairie")
    expect(tab.locator("#priorities-csv")).to_contain_text("cas-usage-prioritaires")
    page.shot("cas-usage-prioritaires")
    tab.locator("#priorities-since input, #priorities-since textarea").first.fill("2026-13-01")
    tab.locator("#priorities-go").click()
    expect(tab.locator("#priorities-method")).to_contain_text("Date illisible", timeout=WAIT_MS)
    assert page.foreign_requests() == []
