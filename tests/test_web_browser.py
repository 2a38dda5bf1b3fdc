"""The web view in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) against
a real `claimwatch web` subprocess serving the seed story as the poller and ledger recorded it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webseed import (
    CLAIM,
    HOSTILE_TITLE,
    SeedStory,
    claimwatch_json,
    own_copy,
    web_process,
)

CHROMIUM = os.environ.get("CLAIMWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CLAIMWATCH_CHROMEDRIVER", "/usr/bin/chromedriver")
BROWSER_REQUIRED = os.environ.get("CLAIMWATCH_REQUIRE_BROWSER") == "1"
HAVE_BROWSER = bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))

pytestmark = pytest.mark.skipif(not HAVE_BROWSER and not BROWSER_REQUIRED,
                                reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")

if HAVE_BROWSER or BROWSER_REQUIRED:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """Headless Chromium; the driver is Debian's, so nothing is downloaded."""
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _no_alert_dialog(browser: WebDriver) -> bool:
    try:
        browser.switch_to.alert.dismiss()
    except NoAlertPresentException:
        return True
    return False


def test_claim_page_charts_the_seed_story(site: str, browser: WebDriver, tmp_path: Path) -> None:
    """The seed claim's page draws its timeline with the UK government in the corroborating rows and the US
    government and China in the denying ones, marks for both stances, and a screenshot of it is saved."""
    browser.get(f"{site}claims/{CLAIM}")
    chart = browser.find_element(By.CSS_SELECTOR, "figure.chart svg.timeline")
    assert chart.size["width"] > 600 and chart.size["height"] > 100
    groups = {label.get_attribute("data-holder"): label.get_attribute("data-group")
              for label in chart.find_elements(By.CSS_SELECTOR, "text.holder")}
    assert groups["uk-government"] == "corroborates"
    assert groups["us-government"] == "denies" and groups["china"] == "denies"
    stances = [mark.get_attribute("data-stance") for mark in chart.find_elements(By.CSS_SELECTOR, "a.mark")]
    assert "corroborates" in stances and "denies" in stances
    picture = browser.find_element(By.CSS_SELECTOR, "dl.picture").text
    assert "UK government" in picture.split("Denied by")[0] and "China" in picture.split("Denied by")[1]
    shot = tmp_path / "claim-page.png"
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_a_silence_added_in_the_page_is_listed_by_the_cli(site: str, browser: WebDriver, seed: SeedStory) -> None:
    """A silence filled in on the Silences page is stored: `claimwatch silence list --json` shows it."""
    browser.get(f"{site}silences")
    form = browser.find_element(By.ID, "add-silence")
    Select(form.find_element(By.NAME, "claim")).select_by_value(CLAIM)
    Select(form.find_element(By.NAME, "speaker")).select_by_value("china")
    form.find_element(By.NAME, "duration").clear()
    form.find_element(By.NAME, "duration").send_keys("3h")
    form.find_element(By.NAME, "reason").send_keys("Beijing's denials are known; hold them during the summit")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(form))
    WebDriverWait(browser, 30).until(expected_conditions.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "table.silences"), "hold them during the summit"))
    listed = claimwatch_json(seed.config, "silence", "list")
    assert isinstance(listed, list)
    assert [(s["claim_id"], s["speaker"], s["reason"]) for s in listed] == [
        (CLAIM, "china", "Beijing's denials are known; hold them during the summit")]


def test_markup_in_a_feed_title_shows_as_text_and_runs_nothing(site: str, browser: WebDriver) -> None:
    """An item whose title holds <script> and <img onerror> shows those tags as text on the claim page and
    the claims list; no script runs, no image element is made, and its javascript: link is not a link."""
    for path in (f"claims/{CLAIM}", "claims"):
        browser.get(site + path)
        main = browser.find_element(By.TAG_NAME, "main")
        assert "<script>document.title='pwned'</script>" in main.text
        assert "<img src=x onerror=" in main.text
        assert browser.title != "pwned" and "pwned" not in browser.title
        assert main.find_elements(By.TAG_NAME, "img") == []
        assert main.find_elements(By.TAG_NAME, "script") == []
        assert not [a for a in main.find_elements(By.TAG_NAME, "a")
                    if (a.get_attribute("href") or "").startswith("javascript:")]
        assert _no_alert_dialog(browser)
    assert HOSTILE_TITLE in browser.find_element(By.TAG_NAME, "main").text


def test_a_speaker_corrected_in_the_claim_page_moves_the_denial(seed: SeedStory, browser: WebDriver,
                                                                 tmp_path: Path) -> None:
    """Opening "Correct or dismiss" under the US denial and naming Ukraine as its speaker stores the
    correction (`claimwatch evidence list --json`), and the page it leads to shows it, with Ukraine denying in
    the picture instead of the US government; a screenshot of the page with a form open is saved."""
    config = own_copy(seed, tmp_path)
    rows = claimwatch_json(config, "evidence", "list", "--claim", CLAIM)
    assert isinstance(rows, list)
    denial = next(row for row in rows if row["holder"] == "us-government")
    with web_process(config) as site:
        browser.get(f"{site}claims/{CLAIM}")
        row = browser.find_element(By.ID, f"evidence-{denial['id']}")
        row.find_element(By.CSS_SELECTOR, "details.actions summary").click()
        form = row.find_element(By.CSS_SELECTOR, "form.correct")
        form.find_element(By.NAME, "speaker").send_keys("ukraine")
        form.find_element(By.NAME, "reason").send_keys("Kyiv's statement, relayed by Washington")
        browser.save_screenshot(str(tmp_path / "claim-page-correction-form.png"))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(form))
        WebDriverWait(browser, 30).until(expected_conditions.text_to_be_present_in_element(
            (By.ID, f"evidence-{denial['id']}"), "Kyiv's statement, relayed by Washington"))
        picture = browser.find_element(By.CSS_SELECTOR, "dl.picture").text
        assert "Ukraine" in picture.split("Denied by")[1] and "US government" not in picture
    after = claimwatch_json(config, "evidence", "list", "--claim", CLAIM)
    assert isinstance(after, list)
    correction = next(row for row in after if row["id"] == denial["id"])["correction"]
    assert (correction["speaker"], correction["holder"]) == ("ukraine", "ukraine")
