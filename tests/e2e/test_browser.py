"""The run's pages in a real browser: Playwright driving the Debian Chromium (no browser download is possible).
Opens OUT/index.html, filters and sorts a table, follows a link to a force report and its link back, and fails on
any console error, failed request or broken link. Skips, saying why, where Playwright or Chromium is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gapkit.outputs.index import INDEX

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                                     "(python -m pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                "(apt-get install chromium; Playwright drives it through its executable path)")


@pytest.fixture(scope="module")
def page(standin_run):
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.problems = []
        page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
        # a navigation the next one supersedes is aborted (net::ERR_ABORTED, seen on a loaded machine): not a fault;
        # a missing file (net::ERR_FILE_NOT_FOUND) or anything else is
        page.on("requestfailed", lambda req: req.failure == "net::ERR_ABORTED" or page.problems.append(
            f"request failed: {req.url} ({req.failure})"))
        yield page
        browser.close()


def test_index_filters_sorts_and_links_to_a_report_and_back(page, standin_run):
    out, _ = standin_run
    index = (out / INDEX).resolve()
    page.goto(index.as_uri())
    assert page.title() == "gapkit: what this run made"
    rows = page.locator("#table-2019 tbody tr")
    total = rows.count()
    assert total == 3
    page.fill("input[data-filter='table-2019']", "northmoor")
    assert page.locator("#table-2019 tbody tr:visible").count() == 1
    page.fill("input[data-filter='table-2019']", "")
    assert page.locator("#table-2019 tbody tr:visible").count() == total
    page.click("#table-2019 th:nth-child(4) button")  # Score, ascending
    scores = [float(s) for s in page.locator("#table-2019 tbody td:nth-child(4)").all_inner_texts() if s]
    assert scores == sorted(scores)
    page.click("#table-2019 th:nth-child(4) button")  # and descending
    scores = [float(s) for s in page.locator("#table-2019 tbody td:nth-child(4)").all_inner_texts() if s]
    assert scores == sorted(scores, reverse=True)
    page.click("#table-2019 a:text('Northmoor Police')")
    assert page.url.endswith("/2019/northmoor/northmoor.html")
    assert "Northmoor" in page.title()
    page.click("a:text('Index of this run')")
    assert Path(page.url.removeprefix("file://")) == index
    page.click("#round-2019 a:text('National overview')")  # and from the national overview, back again
    assert page.url.endswith("/2019/national/national_overview.html")
    page.click("a:text('Northmoor Police')")
    assert page.url.endswith("/2019/northmoor/northmoor.html")
    page.go_back()
    page.click("a:text('Index of this run')")
    assert Path(page.url.removeprefix("file://")) == index
    assert not page.problems, page.problems


def test_every_link_on_the_index_opens(page, standin_run):
    out, _ = standin_run
    page.goto((out / INDEX).resolve().as_uri())
    hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
    assert hrefs
    for href in hrefs:
        assert href.startswith("file://") and Path(href.removeprefix("file://")).is_file(), href
    for href in [h for h in hrefs if h.endswith(".html")]:
        page.goto(href)
        assert page.title()
    assert not page.problems, page.problems
